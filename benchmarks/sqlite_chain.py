"""Per-node and per-update cost on a SQLite file (``soe-backends-sql``).

Prints, as the median of ``--repeats`` runs:

- the per-node cost of a 100- and a 10,000-node router chain run on a fresh
  ``sqlite:///`` file (telemetry on, as ``open_backends`` gives it);
- the per-update cost of one field updated 100 and 10,000 times through
  ``soe_core.store.contexts(backends).write_field``;

each with the ratio to the small size (flat means a ratio near 1). The same
chain on ``memory://`` is printed first: the engine's own share of the cost.
Run: ``python benchmarks/sqlite_chain.py [--repeats 3] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
import uuid

# the configs every engine runs in compare.py (benchmarks/ is on sys.path as the
# script's folder)
from scenarios.workflows import chain_config

from soe_core import create_all_nodes, open_backends, orchestrate
from soe_core.store import contexts


def fresh_backends(folder: str | None):
    if folder is None:
        return open_backends("memory://")
    return open_backends(f"sqlite:///{os.path.join(folder, uuid.uuid4().hex + '.db')}")


def chain_once(folder: str | None, n: int) -> float:
    backends = fresh_backends(folder)
    try:
        _nodes, broadcast = create_all_nodes(backends)
        config = chain_config(n)
        gc.collect()
        started = time.perf_counter()
        execution_id = orchestrate(config, "chain", ["S0"], {}, backends, broadcast)
        elapsed = time.perf_counter() - started
        nodes = backends.context.read_context(execution_id)["__operational__"]["nodes"]
        assert len(nodes) == n, (len(nodes), n)
        return elapsed
    finally:
        close = getattr(backends, "close", None)
        if close is not None:
            close()


def updates_once(folder: str, n: int) -> float:
    backends = fresh_backends(folder)
    try:
        access = contexts(backends)
        access.save("run", {"x": [0]})
        gc.collect()
        started = time.perf_counter()
        for value in range(n):
            access.write_field("run", "x", value)
        elapsed = time.perf_counter() - started
        assert len(backends.context.read_context("run")["x"]) == n + 1
        return elapsed
    finally:
        backends.close()


def measure(label: str, unit: str, sizes: list[int], once, repeats: int, folder) -> None:
    base = None
    for size in sizes:
        runs = [once(folder, size) for _ in range(repeats)]
        per_unit = statistics.median(runs) / size * 1e6
        base = base or per_unit
        print(
            f"{label:<8} N={size:>7,}  {per_unit:8.1f} us/{unit:<6}"
            f"  x{per_unit / base:5.2f} vs N={sizes[0]}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", help="folder for the database files (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        measure("memory", "node", [100, 10_000], chain_once, args.repeats, None)
        measure("chain", "node", [100, 10_000], chain_once, args.repeats, folder)
        measure("updates", "update", [100, 10_000], updates_once, args.repeats, folder)


if __name__ == "__main__":
    main()
