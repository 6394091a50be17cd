"""Our engine against soe-ai 0.1.4 and LangGraph on the same scenarios, in one run.

On first use it creates ``benchmarks/.venvs/soe-ai`` and ``benchmarks/.venvs/langgraph``
(``python -m venv`` + ``pip install``). Each (scenario, size, engine) then runs
in its own subprocess with that engine's interpreter
(``benchmarks/scenarios/engine_*.py``), under a timeout; the table shows
medians per unit and the ratio ours/peer (below 1 means we are faster).
A peer that fails at a size (RecursionError, a silent stop, a timeout) is
reported in its cell, and its larger sizes are skipped.

    python benchmarks/compare.py                      # everything (~10-15 min)
    python benchmarks/compare.py --quick              # small sizes, a smoke run
    python benchmarks/compare.py --only chain --repeat 3 --markdown table.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = HERE / "scenarios"
VENVS = HERE / ".venvs"
PEERS = {"soe-ai": "soe-ai==0.1.4", "langgraph": "langgraph"}
ENGINES = ("ours", "soe-ai", "langgraph")
SCRIPT_OF = {"ours": "engine_ours.py", "soe-ai": "engine_soe_ai.py",
             "langgraph": "engine_langgraph.py"}
DIST_OF = {"ours": "soe-core", "soe-ai": "soe-ai", "langgraph": "langgraph"}


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    sizes: tuple[int, ...]
    quick: tuple[int, ...]
    unit: str  # "us" per unit, "s" or "ms" in total, "MB"
    per: str  # what one unit is
    goal: str
    engines: tuple[str, ...] = ENGINES
    repeat: int | None = None  # a fixed number of runs, whatever --repeat says


SCENARIOS = (
    Scenario("chain", "router chain", (10, 100, 1_000, 10_000, 100_000), (10, 100),
             "us", "node", "<= 20 us/node, flat"),
    Scenario("loop", "self-loop, counter", (1_000, 100_000), (1_000,),
             "us", "iteration", "<= 40 us/iteration, flat"),
    Scenario("fanout", "LLM fan-out, 100 ms calls", (50,), (10,),
             "s", "run", "<= 0.125 s"),
    Scenario("field", "field update, tool node", (100, 10_000), (100,),
             "us", "update", "<= 10 us, flat", ("ours", "soe-ai")),
    Scenario("field-store", "field update, store", (100, 10_000), (100,),
             "us", "update", "<= 10 us, flat", ("ours", "soe-ai")),
    Scenario("durable", "durable chain", (100, 10_000),
             (100,), "us", "node", "<= 250 us/node, flat", ("ours", "soe-ai")),
    Scenario("fresh", "fresh process", (1,), (1,),
             "ms", "process", "<= soe-ai's"),
    Scenario("memory", "memory, chain", (10_000,), (1_000,),
             "MB", "run", "report", repeat=1),
)


# -- interpreters -----------------------------------------------------------


def our_python() -> str:
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def peer_python(engine: str) -> str:
    """The peer's interpreter, creating its virtual environment on first use."""
    venv = VENVS / engine
    python = venv / "bin" / "python"
    marker = venv / ".requirement"
    requirement = PEERS[engine]
    if python.exists() and marker.exists() and marker.read_text() == requirement:
        return str(python)
    print(f"creating {venv.relative_to(ROOT)} with {requirement} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", requirement], check=True)
    marker.write_text(requirement)
    return str(python)


def version(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return proc.stdout.strip() or "?"


# -- running ----------------------------------------------------------------


def run_one(python: str, engine: str, scenario: str, size: int, repeat: int,
            timeout: float, min_time: float = 0.0) -> dict:
    command = [python, str(SCRIPTS / SCRIPT_OF[engine]), scenario, str(size),
               "--repeat", str(repeat), "--min-time", str(min_time)]
    base = {"engine": engine, "scenario": scenario, "size": size}
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=SCRIPTS)
    except subprocess.TimeoutExpired:
        return {**base, "error": "timeout", "detail": f"timeout after {timeout:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    return {**base, "error": "crashed", "detail": last[:200]}


def projected_seconds(previous: dict, size: int, repeat: int) -> float:
    """Time ``size`` would take from the previous size, assuming a flat cost per unit.

    CPU time when known, so that a busy machine does not drop a size by itself
    (the timeout still applies).
    """
    seconds = previous.get("median_cpu_s", previous["median_s"])
    return seconds / previous["size"] * size * repeat


def run_all(scenarios, engines, pythons, args) -> list[dict]:
    results = []
    for scenario in scenarios:
        repeat = scenario.repeat or args.repeat
        for engine in (e for e in scenario.engines if e in engines):
            stopped: str | None = None
            previous: dict | None = None
            for size in scenario.quick if args.quick else scenario.sizes:
                base = {"engine": engine, "scenario": scenario.name, "size": size}
                if stopped:
                    results.append({**base, "skipped": stopped})
                    continue
                if previous and projected_seconds(previous, size, repeat) > args.timeout:
                    minutes = projected_seconds(previous, size, repeat) / 60
                    stopped = f"dropped: ~{minutes:.0f} min projected from N={previous['size']:,}"
                    results.append({**base, "skipped": stopped})
                    continue
                started = time.perf_counter()
                min_time = 0.0 if scenario.repeat else args.min_time  # a fixed count stays fixed
                result = run_one(pythons[engine], engine, scenario.name, size, repeat,
                                 args.timeout, min_time)
                print(f"  {scenario.name:<12} {engine:<10} N={size:<8,} "
                      f"{cell(scenario, result):<40} ({time.perf_counter() - started:.0f} s)",
                      flush=True)
                results.append(result)
                if "error" in result:
                    stopped = f"skipped ({failure(result)})"
                previous = result if "median_s" in result else None
    return results


# -- the table --------------------------------------------------------------


def failure(result: dict) -> str:
    if result["error"] == "Incomplete":
        return result["detail"]
    if result["error"] in ("timeout", "crashed"):
        return f"{result['detail']} at N={result['size']:,}"
    return f"{result['error']} at N={result['size']:,}"


def cpu_view(scenarios, results) -> list[dict]:
    """Results with CPU time in place of wall time, except where waiting is the point."""
    per_unit = {s.name for s in scenarios if s.unit in ("us", "ms")}
    return [{**r, "median_s": r["median_cpu_s"]}
            if r["scenario"] in per_unit and "median_cpu_s" in r else r for r in results]


def figure(scenario: Scenario, result: dict) -> float | None:
    if "median_s" not in result:
        return None
    if scenario.unit == "MB":
        return result["info"]["traced_peak_mb"]
    seconds = result["median_s"]
    return {"us": seconds / result["size"] * 1e6, "ms": seconds * 1e3, "s": seconds}[scenario.unit]


def cell(scenario: Scenario, result: dict | None) -> str:
    if result is None:
        return "—"
    if "skipped" in result:
        return result["skipped"]
    if "error" in result:
        return failure(result)
    value = figure(scenario, result)
    if scenario.unit == "MB":
        return f"{value:.1f} MB ({result['info']['max_rss_mb']:.0f} MB RSS)"
    if scenario.unit == "s":
        return f"{value:.3f} s"
    if scenario.unit == "ms":
        return f"{value:.0f} ms"
    return f"{value:,.1f} us/{scenario.per}"


def ratio(scenario: Scenario, ours: dict | None, peer: dict | None) -> str:
    a = figure(scenario, ours) if ours else None
    b = figure(scenario, peer) if peer else None
    return f"{a / b:.2f}x" if a is not None and b else "—"


HEADERS = ("scenario", "N", "ours", "soe-ai 0.1.4", "ours/soe-ai", "LangGraph",
           "ours/LG", "goal")


def rows(scenarios, results) -> list[tuple[str, ...]]:
    index = {(r["scenario"], r["size"], r["engine"]): r for r in results}
    table = []
    for scenario in scenarios:
        sizes = sorted({r["size"] for r in results if r["scenario"] == scenario.name})
        for size in sizes:
            ours, soe_ai, graph = (index.get((scenario.name, size, e)) for e in ENGINES)
            table.append((scenario.title, f"{size:,}", cell(scenario, ours),
                          cell(scenario, soe_ai), ratio(scenario, ours, soe_ai),
                          cell(scenario, graph), ratio(scenario, ours, graph), scenario.goal))
    return table


def notes(results, versions) -> list[str]:
    callers = {r["engine"]: r["info"].get("caller") for r in results
               if r["scenario"] == "fanout" and "info" in r}
    compile_s = [f"N={r['size']:,}: {r['info']['compile_s']} s" for r in results
                 if r["engine"] == "langgraph" and r["scenario"] == "chain" and "info" in r]
    lines = [
        f"{date.today()} on {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; medians of the runs; ratio = ours/peer "
        "(below 1: we are faster).",
        "versions: " + ", ".join(f"{e} {v}" for e, v in versions.items()),
    ]
    if callers:
        lines.append("fan-out transport: " + ", ".join(f"{e}: {c}" for e, c in callers.items()))
    if compile_s:
        lines.append("LangGraph chain compile time, not in the figures: " + "; ".join(compile_s))
    return lines


def print_table(table, lines) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(HEADERS)]
        for row in (HEADERS, *table):
            print("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)))
    else:
        grid = Table(*HEADERS)
        for row in table:
            grid.add_row(*row)
        console = Console()
        if not console.is_terminal:
            console = Console(width=200)
        console.print(grid)
    for line in lines:
        print(line)


def markdown(table, lines) -> str:
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    out += ["| " + " | ".join(row) + " |" for row in table]
    return "\n".join(out) + "\n\n" + "\n".join(f"- {line}" for line in lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--only", action="append", choices=[s.name for s in SCENARIOS],
                        help="run this scenario only (repeatable)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated subset of: " + ", ".join(ENGINES))
    parser.add_argument("--repeat", type=int, default=5, help="runs per size (median of)")
    parser.add_argument("--min-time", type=float, default=2.0,
                        help="more runs (up to 60) until a size's runs take this many seconds")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds per scenario size and engine (default 300)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as markdown")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results")
    parser.add_argument("--from-json", metavar="FILE",
                        help="show results saved by --json instead of running")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU time instead of wall time (fan-out excepted)")
    args = parser.parse_args()

    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        results, lines = saved["results"], saved["notes"]
    else:
        engines = [e for e in args.engines.split(",") if e]
        pythons = {e: our_python() if e == "ours" else peer_python(e) for e in engines}
        versions = {e: version(pythons[e], DIST_OF[e]) for e in engines}
        results = run_all(scenarios, engines, pythons, args)
        lines = notes(results, versions)
        if args.json:
            saved = {"notes": lines, "results": results}
            Path(args.json).write_text(json.dumps(saved, indent=1) + "\n")
    if args.cpu:
        results = cpu_view(scenarios, results)
        lines = [*lines, "CPU time (user + system, subprocesses included) in place of wall time, "
                 "fan-out excepted"]
    table = rows(scenarios, results)
    print_table(table, lines)
    if args.markdown:
        Path(args.markdown).write_text(markdown(table, lines))


if __name__ == "__main__":
    main()
