"""8 threads x 1,000 appends to one field, per context store (issue [C]).

Each run opens a fresh store, saves a context, then 8 threads append 1,000
values each to the same field through ``soe_core.store.contexts(...)``
(the engine's write path) and the run checks that 8,000 entries arrived.
Prints the median wall time of ``--repeat`` runs per store.

    python benchmarks/appends.py                     # memory, file, sqlite, two-method, postgresql
    python benchmarks/appends.py --only file --repeat 5
    python benchmarks/appends.py --only two-method-deepcopy --appends 150

``postgresql`` starts a throwaway server (``soe_contrib_postgres.testing``)
and is skipped when the binaries are missing. ``two-method-deepcopy`` (not
run by default) is a two-method store that deep-copies on get and save:
quadratic, about 165 s at 8 x 1,000 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from soe_core import LocalBackends, create_in_memory_backends, open_backends
from soe_core.operational import new_operational_state
from soe_core.store import contexts

THREADS = 8


class SeedContexts:
    """Only the seed methods, as the original in-memory store: live dicts."""

    def __init__(self) -> None:
        self.data: dict[str, dict] = {}

    def save_context(self, id: str, context: dict) -> None:
        self.data[id] = dict(context)

    def get_context(self, id: str) -> dict:
        return self.data.get(id, {})


class DeepCopyContexts(SeedContexts):
    def save_context(self, id: str, context: dict) -> None:
        self.data[id] = copy.deepcopy(context)

    def get_context(self, id: str) -> dict:
        return copy.deepcopy(self.data.get(id, {}))


def two_method(store: type) -> Callable[[ExitStack, str], Any]:
    def open_store(_stack: ExitStack, _folder: str) -> Any:
        return LocalBackends(store(), create_in_memory_backends().workflow)

    return open_store


def by_url(make_url: Callable[[str], str]) -> Callable[[ExitStack, str], Any]:
    def open_store(stack: ExitStack, folder: str) -> Any:
        backends = open_backends(make_url(folder))
        close = getattr(backends, "close", None)
        if close is not None:
            stack.callback(close)
        return backends

    return open_store


class Postgres:
    """One server for all runs; a fresh database per run."""

    def __init__(self) -> None:
        self.server: Any = None

    def __call__(self, stack: ExitStack, _folder: str) -> Any:
        if self.server is None:
            from soe_contrib_postgres.testing import TemporaryPostgres

            self.server = TemporaryPostgres().start()
        name = f"bench_{uuid.uuid4().hex[:12]}"
        url = self.server.create_database(name)
        stack.callback(self.server.drop_database, name)
        return by_url(lambda _folder: url)(stack, _folder)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def run_once(open_store: Callable[[ExitStack, str], Any], appends: int) -> float:
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        backends = open_store(stack, folder)
        access = contexts(backends)
        access.save("a", {"x": [], "__operational__": new_operational_state("a", {})})
        start = threading.Barrier(THREADS + 1)

        def work(number: int) -> None:
            start.wait()
            for step in range(appends):
                access.write_field("a", "x", [number, step])

        workers = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for worker in workers:
            worker.start()
        gc.collect()
        start.wait()
        began = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
        got = backends.context.get_context("a")["x"]
        assert len(got) == THREADS * appends, (len(got), THREADS * appends)
        return elapsed


def main() -> None:
    postgres = Postgres()
    stores = {
        "memory": by_url(lambda _folder: "memory://"),
        "file": by_url(lambda folder: f"file://{folder}/data"),
        "sqlite": by_url(lambda folder: f"sqlite:///{folder}/soe.db"),
        "two-method": two_method(SeedContexts),
        "postgresql": postgres,
        "two-method-deepcopy": two_method(DeepCopyContexts),
    }
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--appends", type=int, default=1000, help="per thread")
    parser.add_argument("--only", action="append", choices=sorted(stores))
    args = parser.parse_args()
    chosen = args.only or [name for name in stores if name != "two-method-deepcopy"]
    print(f"{THREADS} threads x {args.appends:,} appends, median of {args.repeat}")
    try:
        for name in chosen:
            try:
                runs = [run_once(stores[name], args.appends) for _ in range(args.repeat)]
            except Exception as exc:  # e.g. no PostgreSQL binaries, plugin not installed
                print(f"{name:<20} skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                continue
            median = statistics.median(runs)
            per_append = median / (THREADS * args.appends) * 1e6
            print(f"{name:<20} {median:8.3f} s  ({per_append:7.1f} us/append)")
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
