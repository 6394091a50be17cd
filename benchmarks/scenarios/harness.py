"""What every engine script shares: the command line, the timing loop, the JSON line.

Standard library only: the scripts run under each engine's own interpreter.
An engine script maps scenario names to ``prepare(size) -> (run, check)``:
``run()`` is the timed work; ``check()`` (untimed) returns how many units
were completed, or a dict with ``units`` and extra figures to report. The
script prints one JSON line on stdout, also when the engine fails (wall-clock
``runs`` and, for a noisy machine, CPU time ``cpu_runs``)::

    {"engine": "ours", "scenario": "chain", "size": 100, "runs": [...], "info": {}}
    {"engine": "soe-ai", "scenario": "chain", "size": 1000, "error": "RecursionError", ...}
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable

Prepare = Callable[[int], tuple[Callable[[], object], Callable[[], object]]]


class Incomplete(Exception):
    """The engine returned without running every unit (a silent stop)."""


def cpu_seconds() -> float:
    """CPU time of this process and of its finished subprocesses (the fresh-process runs)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(prepare: Prepare, size: int, repeat: int, min_time: float = 0.0,
            max_runs: int = 60, batch_below: float = 0.01, max_batch: int = 50) -> dict:
    """At least ``repeat`` runs, and more (up to ``max_runs``) until the runs
    add up to ``min_time`` seconds: a cell of a few milliseconds then gets
    enough runs for a median that a noisy neighbour cannot move.

    With ``min_time`` set, a run shorter than ``batch_below`` seconds is
    timed in a batch of back-to-back runs, each on its own freshly prepared
    engine, and the batch's time divided among them, as pyperf times
    "loops": a lone run of a few hundred microseconds, right after the
    ``gc.collect()`` that precedes every timing, mostly measures the
    processor refilling its caches. Untimed runs size the batch: the first
    and, when it took under ten times ``batch_below``, two more; the fastest
    counts. A first run pays once for imports, validation and compiled
    templates: alone, it sized batches for runs several times slower than
    the timed ones (8 runs of a 10-node chain instead of 40).
    """
    batch = 1
    if min_time > 0:
        fastest, _cpu, _info = _run_checked(prepare, size, 1)
        if fastest < 10 * batch_below:
            for _ in range(2):
                fastest = min(fastest, _run_checked(prepare, size, 1)[0])
            if fastest < batch_below:
                batch = max(2, min(max_batch, int(batch_below / max(fastest, 1e-6))))
    runs: list[float] = []
    cpu_runs: list[float] = []
    info: dict = {}
    while len(runs) < repeat or (sum(runs) * batch < min_time and len(runs) < max_runs):
        wall, cpu, info = _run_checked(prepare, size, batch)
        runs.append(wall / batch)
        cpu_runs.append(cpu / batch)
    return {"runs": runs, "median_s": statistics.median(runs), "cpu_runs": cpu_runs,
            "median_cpu_s": statistics.median(cpu_runs), "info": info, "batch": batch}


def _run_checked(prepare: Prepare, size: int, batch: int) -> tuple[float, float, dict]:
    """Time ``batch`` runs, each prepared beforehand; check that each did all its units."""
    prepared = [prepare(size) for _ in range(batch)]
    gc.collect()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    for run, _check in prepared:
        run()
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    info: dict = {}
    for _run, check in prepared:
        done = check()
        if isinstance(done, dict):
            info = dict(done)
            done = info.pop("units")
        if done != size:
            raise Incomplete(f"stopped after {done:,} of {size:,}")
    return wall, cpu, info


def main(engine: str, scenarios: dict[str, Prepare]) -> None:
    parser = argparse.ArgumentParser(description=f"one benchmark scenario on {engine}")
    parser.add_argument("scenario", choices=sorted(scenarios))
    parser.add_argument("size", type=int)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.0,
                        help="add runs until they take this many seconds in all")
    args = parser.parse_args()
    result: dict = {"engine": engine, "scenario": args.scenario, "size": args.size}
    try:
        result.update(measure(scenarios[args.scenario], args.size, args.repeat, args.min_time))
    except Exception as exc:  # RecursionError included: reported in the table, not a failure
        result["error"] = type(exc).__name__
        result["detail"] = str(exc).splitlines()[0][:200] if str(exc) else ""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def fresh_process(python: str, code: str) -> tuple[Callable[[], object], Callable[[], object]]:
    """``prepare`` for the fresh-process scenario: one ``python -c code`` per run."""
    import subprocess

    outcome: dict = {}

    def run() -> None:
        outcome["proc"] = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, timeout=120
        )

    def check() -> int:
        proc = outcome["proc"]
        if proc.returncode != 0:
            raise RuntimeError((proc.stderr.strip().splitlines() or ["failed"])[-1])
        return 1

    return run, check


def peak_memory(build_and_run: Callable[[], object]) -> dict:
    """Memory to build and run a workflow once: the tracemalloc peak, and the
    peak RSS of the whole process (interpreter and imports included)."""
    import resource
    import tracemalloc

    build_and_run()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    tracemalloc.start()
    build_and_run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"max_rss_mb": round(rss, 1), "traced_peak_mb": round(peak / 2**20, 1)}


def memory_scenario(chain: Prepare) -> Prepare:
    """``prepare`` for the memory scenario: build and run ``chain(size)`` (see peak_memory)."""

    def prepare(size: int):
        figures: dict = {}
        checks: list = []

        def build_and_run() -> None:
            run, check = chain(size)
            run()
            checks.append(check)

        def check() -> dict:
            done = checks[-1]()
            return {**(done if isinstance(done, dict) else {"units": done}), **figures}

        return lambda: figures.update(peak_memory(build_and_run)), check

    return prepare
