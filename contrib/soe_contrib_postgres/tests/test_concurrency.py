"""No lost update under many writers: threads of one process and several processes.

The context writes the engine makes per node (CORE-88 capabilities of
``soe_core.store``: append, signals, counters) are one atomic statement
each; whole-context updates hold the context's exclusive lock, so they
never interleave with those statements.
"""

from __future__ import annotations

import multiprocessing
import threading

import psycopg
from soe_contrib_postgres.factory import open_postgres
from soe_contrib_postgres.testing import append_values

from soe_core.operational import new_operational_state
from soe_core.store import contexts


def _run_threads(count: int, work) -> None:
    errors: list[BaseException] = []

    def guarded(number: int) -> None:
        try:
            work(number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def _seqs(url: str, execution_id: str, field: str) -> list[int]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT seq FROM soe_context_values WHERE execution_id = %s AND field = %s "
            "ORDER BY seq",
            (execution_id, field),
        ).fetchall()
    return [row[0] for row in rows]


def test_eight_threads_append_8000_values_to_one_field(postgres_url):
    backends = open_postgres(postgres_url)
    try:
        access = contexts(backends)
        _run_threads(8, lambda n: [access.write_field("t", "x", n * 1000 + i) for i in range(1000)])
        history = backends.context.get_context("t")["x"]
        assert len(history) == 8000
        assert sorted(history) == sorted(n * 1000 + i for n in range(8) for i in range(1000))
        assert _seqs(postgres_url, "t", "x") == list(range(1, 8001))  # no gap, no duplicate
        view = access.read("t")["x"]
        assert len(view) == 8000 and view[-1] == history[-1]
    finally:
        backends.close()


def test_four_processes_append_1000_values_to_one_field(postgres_url):
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(target=append_values, args=(postgres_url, "p", "x", 250, f"w{n}"))
        for n in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    backends = open_postgres(postgres_url)
    try:
        history = backends.context.get_context("p")["x"]
    finally:
        backends.close()
    assert len(history) == 1000
    assert sorted(history) == sorted(f"w{n}-{i}" for n in range(4) for i in range(250))
    assert _seqs(postgres_url, "p", "x") == list(range(1, 1001))


def test_whole_context_updates_interleave_with_appends_and_counters(postgres_url):
    """update_context (exclusive lock) races appends, signals and counters (shared lock)."""
    backends = open_postgres(postgres_url)
    try:
        access = contexts(backends)
        access.save("m", {"x": [], "__operational__": new_operational_state("m", {})})

        def work(number: int) -> None:
            for step in range(60):
                if number % 2:
                    access.update("m", lambda c, v=f"u{number}-{step}": c["x"].append(v))
                else:
                    access.write_field("m", "x", f"a{number}-{step}")
                access.extend_signals("m", [f"S{number}"])
                access.increment("m", "nodes", "N")
                access.increment("m", "tool_calls")

        _run_threads(6, work)
        context = backends.context.get_context("m")
        assert len(context["x"]) == 360 and len(set(context["x"])) == 360
        operational = context["__operational__"]
        assert len(operational["signals"]) == 360
        assert operational["nodes"] == {"N": 360} and operational["tool_calls"] == 360
    finally:
        backends.close()


def test_connections_are_held_per_transaction_not_per_thread(postgres_url):
    """Threads in transactions hold one connection each; idle threads hold none, so a
    caller's 64 worker threads share a smaller pool."""
    backends = open_postgres(postgres_url, pool_size=2, max_overflow=2)
    try:
        pool = backends.database.pool
        assert pool.checkedout() == 0
        seen: list[int] = []
        # counted once all four threads are inside their transactions
        barrier = threading.Barrier(4, action=lambda: seen.append(pool.checkedout()))

        def in_transaction(number: int) -> None:
            with backends.journal.transaction():
                backends.context.append_context_field(f"c{number}", "x", number)
                barrier.wait(timeout=30)

        _run_threads(4, in_transaction)
        assert seen == [4] and pool.checkedout() == 0
        access = contexts(backends)
        _run_threads(16, lambda n: [access.write_field("many", "x", n) for _ in range(30)])
        assert len(backends.context.get_context("many")["x"]) == 480
        assert pool.checkedout() == 0
        assert sorted(backends.context.list_context_ids()) == ["c0", "c1", "c2", "c3", "many"]
    finally:
        backends.close()


def test_a_forked_child_uses_its_own_connections(postgres_url):
    """A store opened before fork() (Celery prefork): the parent's session survives."""
    backends = open_postgres(postgres_url)
    try:
        backends.context.save_context("f", {"x": [0]})
        with backends.database.connection() as inherited:
            parent_pid = inherited.info.backend_pid

        def child() -> None:
            contexts(backends).write_field("f", "x", 1)
            with backends.database.connection() as connection:
                assert connection.info.backend_pid != parent_pid
            inherited.close()  # what collecting it would do: must not reach the server

        worker = multiprocessing.get_context("fork").Process(target=child)
        worker.start()
        worker.join(timeout=60)
        assert worker.exitcode == 0
        with backends.database.connection() as connection:
            assert connection.info.backend_pid == parent_pid  # the same session, alive
        assert backends.context.get_context("f") == {"x": [0, 1]}
    finally:
        backends.close()
