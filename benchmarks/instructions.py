"""Instructions per node of the router chain, counted by valgrind: a figure noise cannot move.

On a shared two-core machine the wall-clock medians of ``compare.py`` move by
a third from one hour to the next. The number of machine instructions a run
executes does not: callgrind counts them exactly, whatever the neighbours
do. It shows whether the work per node is flat in N; it says nothing of
cache misses or the garbage collector's pauses, which only a clock sees.

Each size runs in its own process under ``valgrind --tool=callgrind``; a
second process that only prepares the engines is subtracted, so what is
left is ``orchestrate`` on fresh in-memory backends, divided by N. Needs
valgrind (``apt-get install valgrind``); a run takes 10-60 s per size.

    python benchmarks/instructions.py               # N = 10, 100, 1,000, 10,000
    python benchmarks/instructions.py --sizes 10,100000
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# one process: prepare RUNS engines for a chain of SIZE nodes, then (unless
# "prepare-only") run each. The first, untimed run warms the caches of the
# code; validating the config first, in both modes, makes every counted run
# a repeat run of a config already found valid, as after the warm-up run of
# compare.py (see soe_core.validation.memo)
PROGRAM = """
import sys
sys.path.insert(0, {scenarios!r})
from workflows import chain_config
from soe_core import create_all_nodes, create_in_memory_backends, orchestrate
from soe_core.validation import validate_config
size, runs, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
warm = create_in_memory_backends()
orchestrate(chain_config(3), "chain", ["S0"], {{}}, warm, create_all_nodes(warm)[1])
config = chain_config(size)
validate_config(config)
for _ in range(runs):
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    if mode == "run":
        orchestrate(config, "chain", ["S0"], {{}}, backends, broadcast)
"""


def instructions(size: int, runs: int, mode: str) -> int:
    """Instructions executed by one process (callgrind's "Collected" total)."""
    code = PROGRAM.format(scenarios=str(HERE / "scenarios"))
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", code, str(size), str(runs), mode],
        capture_output=True, text=True, check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_node(size: int) -> float:
    runs = max(1, 2_000 // size)  # about 2,000 nodes per count: the start-up cost divides out
    spent = instructions(size, runs, "run") - instructions(size, runs, "prepare-only")
    return spent / runs / size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000",
                        help="comma-separated chain lengths (default 10,100,1000,10000)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    sizes = [int(size) for size in args.sizes.split(",") if size]
    figures = {size: per_node(size) for size in sizes}
    base = figures[max(sizes)]
    print(f"{'N':>9}  {'instructions/node':>17}  {'vs N=' + format(max(sizes), ','):>10}")
    for size, count in figures.items():
        print(f"{size:>9,}  {count:>17,.0f}  {count / base:>10.2f}")


if __name__ == "__main__":
    main()
