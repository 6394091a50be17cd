"""The journal on PostgreSQL (protocol of ``soe_core.journal``): atomic commits,
jobs done once under concurrency, transactions that group context and journal writes."""

from __future__ import annotations

import threading

import pytest
from soe_contrib_postgres.factory import open_postgres

from soe_core.store import contexts


class Boom(Exception):
    pass


@pytest.fixture
def backends(postgres_url):
    opened = open_postgres(postgres_url)
    yield opened
    opened.close()


@pytest.fixture
def other(postgres_url):
    """A second, independent store on the same database (another worker)."""
    opened = open_postgres(postgres_url)
    yield opened
    opened.close()


def test_commit_with_the_same_done_twice_returns_none(backends):
    journal = backends.journal
    (root,) = journal.commit("tree", None, [("e", {"kind": "deliver", "signals": ["GO"]})])
    ids = journal.commit("tree", root, [("e", {"n": 1}), ("f", {"n": 2})])
    assert len(ids) == 2 and root < ids[0] < ids[1]
    assert journal.commit("tree", root, [("e", {"n": 3})]) is None
    assert journal.commit("other-tree", ids[0], []) is None  # done belongs to another tree
    pending = journal.pending("tree")
    assert [(p.id, p.batch, p.execution_id, p.job) for p in pending] == [
        (ids[0], ids[0], "e", {"n": 1}),
        (ids[1], ids[0], "f", {"n": 2}),
    ]
    assert journal.commit("tree", ids[0], []) == []
    assert [p.id for p in journal.pending("tree")] == [ids[1]]


def test_a_job_is_done_by_exactly_one_of_many_workers(backends, other):
    journal = backends.journal
    jobs = journal.commit("tree", None, [("e", {"n": n}) for n in range(40)])
    winners: list[tuple[int, int]] = []
    lock = threading.Lock()

    def worker(store) -> None:
        for job_id in jobs:  # every worker tries every job
            if store.journal.commit("tree", job_id, [("e", {"after": job_id})]) is not None:
                with lock:
                    winners.append(job_id)

    threads = [threading.Thread(target=worker, args=(s,)) for s in (backends, other) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == jobs  # each job crossed out once, by one worker
    assert sorted(p.job["after"] for p in journal.pending("tree")) == jobs


def test_rolled_back_transaction_leaves_neither_context_write_nor_job(backends, other):
    access = contexts(backends)
    access.save("e", {"x": [1]})
    with pytest.raises(Boom), backends.journal.transaction():
        access.write_field("e", "x", 2)
        backends.context.append_context_field("e", "y", "new")
        backends.telemetry.log_event("e", "inside", timestamp="t")
        backends.journal.commit("tree", None, [("e", {"n": 1})])
        raise Boom
    assert backends.context.get_context("e") == {"x": [1]}
    assert backends.journal.pending("tree") == []
    assert backends.telemetry.get_events("e") == []


def test_committed_transaction_is_invisible_to_others_until_it_ends(backends, other):
    access = contexts(backends)
    access.save("e", {"x": [1]})
    with backends.journal.transaction():
        access.write_field("e", "x", 2)
        ids = backends.journal.commit("tree", None, [("e", {"n": 1})])
        assert backends.context.get_context("e")["x"] == [1, 2]  # own writes are visible
        assert other.context.get_context("e")["x"] == [1]
        assert other.journal.pending("tree") == []
    assert other.context.get_context("e")["x"] == [1, 2]
    assert [p.id for p in other.journal.pending("tree")] == ids


def test_nested_transaction_failure_undoes_only_the_inner_block(backends):
    access = contexts(backends)
    journal = backends.journal
    with journal.transaction():
        access.write_field("e", "x", "outer")
        journal.commit("tree", None, [("e", {"n": "outer"})])
        with pytest.raises(Boom), journal.transaction():
            access.write_field("e", "x", "inner")
            journal.commit("tree", None, [("e", {"n": "inner"})])
            raise Boom
        with pytest.raises(Boom):
            access.update("e", _write_then_fail)
        access.write_field("e", "x", "after")
    assert backends.context.get_context("e") == {"x": ["outer", "after"]}
    assert [p.job for p in journal.pending("tree")] == [{"n": "outer"}]


def _write_then_fail(context: dict) -> None:
    context["z"] = [1]
    raise Boom


def test_ids_grow_across_stores_and_cleanup(backends, other):
    first = backends.journal.commit("a", None, [("a", {})])
    second = other.journal.commit("b", None, [("b", {}), ("b", {})])
    backends.cleanup_all()
    assert backends.journal.pending("a") == [] and backends.journal.pending("b") == []
    third = backends.journal.commit("a", None, [("a", {})])
    assert first[0] < second[0] < second[1] < third[0]
    assert backends.journal.commit("a", None, []) == []


def test_execution_summaries_update_forget_and_order(backends, other):
    journal = backends.journal
    journal.record_execution("b", {"workflow": "w", "status": "running", "created": "2026-02"})
    journal.record_execution("a", {"workflow": "w", "status": "running", "created": "2026-01"})
    journal.record_execution("n", {"workflow": "w", "extra": {"k": [1]}})  # no created: first
    other.journal.update_execution("b", {"status": "failed", "error": "Boom: x"})
    journal.update_execution("missing", {"status": "idle"})  # nothing to update
    assert [r["execution_id"] for r in journal.executions()] == ["n", "a", "b"]
    record = journal.execution("b")
    assert record["status"] == "failed" and record["error"] == "Boom: x"
    assert record["workflow"] == "w" and record["parent_execution_id"] is None
    assert journal.execution("n")["extra"] == {"k": [1]}
    assert journal.execution("missing") is None
    journal.record_execution("b", {"status": "running"})  # replaces the summary
    assert journal.execution("b")["workflow"] is None
    journal.commit("tree", None, [("b", {"n": 1}), ("c", {"n": 2})])
    journal.forget("b")
    assert journal.execution("b") is None
    assert [p.execution_id for p in journal.pending("tree")] == ["c"]
