"""Per-node cost of a router chain and a self-loop, in memory (issue [K], [P]).

Prints the median of several runs per size and the ratio to the smallest
size. Run with ``make bench`` or ``python benchmarks/chain.py``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

# the configs every engine runs in compare.py (benchmarks/ is on sys.path as the
# script's folder)
from scenarios.workflows import LOOP_CONFIG, chain_config

from soe_core import create_all_nodes, create_in_memory_backends, orchestrate


def run_once(config, workflow: str, context: dict) -> float:
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    gc.collect()
    started = time.perf_counter()
    orchestrate(
        config, workflow, ["S0" if workflow == "chain" else "START"], context, backends, broadcast
    )
    return time.perf_counter() - started


def measure(label: str, sizes: list[int], make, repeats: int) -> None:
    base = None
    for size in sizes:
        config, workflow, context = make(size)
        runs = [run_once(config, workflow, context) for _ in range(repeats)]
        per_unit = statistics.median(runs) / size * 1e6
        base = base or per_unit
        print(
            f"{label:<10} N={size:>7,}  {per_unit:8.1f} us/unit"
            f"  x{per_unit / base:5.2f} vs N={sizes[0]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000 sizes")
    args = parser.parse_args()
    big = [] if args.quick else [100_000]
    measure("chain", [100, 10_000, *big], lambda n: (chain_config(n), "chain", {}), args.repeats)
    measure("self-loop", [1_000, *big], lambda n: (LOOP_CONFIG, "loop", {"limit": n}), args.repeats)


if __name__ == "__main__":
    main()
