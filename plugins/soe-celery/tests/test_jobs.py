"""What a worker does with one message (soe_celery.jobs), in process: no Redis, no Celery.

``drive`` plays the broker: it hands each job id returned by a job to
``run_pending_job``, in the order given, until nothing is left.
"""

from __future__ import annotations

import threading
from collections import deque

import pytest
from soe_celery.errors import UnknownExecution
from soe_celery.jobs import run_chain, run_pending_job
from soe_nodes_llm import FakeLlm

from soe_core import broadcast_signals, create_all_nodes, open_backends, orchestrate
from soe_core.context import get_accumulated
from soe_core.journal import FAILED, IDLE, RUNNING

from .flows import FAILING, FAN_OUT, expected, questions


def label(question, answer):
    return f"{question}={answer}"


@pytest.fixture
def store(tmp_path):
    backends = open_backends(f"sqlite:///{tmp_path / 'soe.db'}")
    yield backends
    backends.close()


def nodes_on(backends, llm=None):
    llm = llm or FakeLlm()
    nodes, _ = create_all_nodes(backends, call_llm=llm, tools_registry={"label": label})
    return nodes


def start(backends, nodes, config, context):
    """Start an execution whose root job is journaled but not run; return (id, root job id)."""
    roots: list = []

    def record_only(execution_id, signals):
        broadcast_signals(execution_id, signals, nodes, backends, runner=roots.append)

    execution_id = orchestrate(config, "main", ["START"], context, backends, record_only)
    return execution_id, roots[0].job_id


def drive(nodes, backends, tree, job_ids, *, lifo=False) -> int:
    queue, runs = deque(job_ids), 0
    while queue:
        job_id = queue.pop() if lifo else queue.popleft()
        queue.extend(run_pending_job(nodes, backends, tree, job_id))
        runs += 1
    return runs


def results(backends, execution_id):
    return sorted(get_accumulated(backends.context.get_context(execution_id), "result"))


@pytest.mark.parametrize("lifo", [False, True], ids=["fifo", "lifo"])
def test_jobs_run_one_by_one_finish_the_execution(store, lifo):
    nodes = nodes_on(store)
    execution_id, root = start(store, nodes, FAN_OUT, questions(5))
    assert store.journal.execution(execution_id)["status"] == RUNNING
    drive(nodes, store, execution_id, [root], lifo=lifo)
    assert results(store, execution_id) == expected(5)
    assert store.journal.pending(execution_id) == []
    assert store.journal.execution(execution_id)["status"] == IDLE


def test_a_job_done_already_is_skipped(store):
    nodes = nodes_on(store)
    execution_id, root = start(store, nodes, FAN_OUT, questions(3))
    drive(nodes, store, execution_id, [root])
    before = store.context.get_context(execution_id)
    assert run_pending_job(nodes, store, execution_id, root) == []
    assert run_pending_job(nodes, store, execution_id, root, redelivered=True) == []
    assert store.context.get_context(execution_id) == before


def test_a_redelivered_job_resends_what_its_dead_worker_never_sent(store):
    nodes = nodes_on(store)
    execution_id, root = start(store, nodes, FAN_OUT, questions(3))
    lost = run_pending_job(nodes, store, execution_id, root)  # committed, then the worker died
    assert lost
    resent = run_pending_job(nodes, store, execution_id, root, redelivered=True)
    assert set(lost) <= set(resent)
    assert run_pending_job(nodes, store, execution_id, root) == []  # not redelivered: no resend
    drive(nodes, store, execution_id, resent)
    assert results(store, execution_id) == expected(3)


def test_two_workers_running_the_same_job_commit_it_once(store):
    llm = FakeLlm(latency=0.2)
    nodes = nodes_on(store, llm)
    execution_id, root = start(store, nodes, FAN_OUT, questions(1))
    ask = root
    while store.journal.job(execution_id, ask).job.get("node") != "Ask":
        (ask,) = run_pending_job(nodes, store, execution_id, ask)
    outcomes: list = []
    threads = [
        threading.Thread(
            target=lambda: outcomes.append(run_pending_job(nodes, store, execution_id, ask))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(llm.calls) == 2  # both ran the node...
    assert sorted(map(len, outcomes)) == [0, 1]  # ...but the second commit was rolled back
    drive(nodes, store, execution_id, [ids[0] for ids in outcomes if ids])
    assert results(store, execution_id) == expected(1)


def test_a_failing_job_marks_the_tree_failed_and_stops_it(store):
    nodes = nodes_on(store)
    execution_id, root = start(store, nodes, FAILING, {})
    (ask,) = run_pending_job(nodes, store, execution_id, root)
    with pytest.raises(RuntimeError):
        run_pending_job(nodes, store, execution_id, ask)
    record = store.journal.execution(execution_id)
    assert record["status"] == FAILED and record["error"].startswith("RuntimeError")
    assert [job.id for job in store.journal.pending(execution_id)] == [ask]
    assert run_pending_job(nodes, store, execution_id, ask) == []  # stopped: left for resume


def test_an_execution_unknown_to_the_store_is_an_error(store):
    with pytest.raises(UnknownExecution, match="not in this worker's store"):
        run_pending_job(nodes_on(store), store, "no-such-execution", 1)


@pytest.mark.parametrize("budget", [0.0, 60.0])
def test_a_chain_goes_on_here_and_only_siblings_are_sent(store, budget):
    nodes = nodes_on(store)
    execution_id, root = start(store, nodes, FAN_OUT, questions(3))
    sent: list[list[int]] = []
    runs = run_chain(nodes, store, execution_id, root, sent.append, budget=budget)
    if budget:  # the Spawn node made 3 spawns: the first child's whole chain ran here
        assert runs > 3 and [len(ids) for ids in sent if ids] == [2]
    else:
        assert runs == 1 and [len(ids) for ids in sent] == [1]  # the Spawn node run
    queue = deque(job_id for ids in sent for job_id in ids)
    while queue:
        run_chain(nodes, store, execution_id, queue.popleft(), queue.extend, budget=budget)
    assert results(store, execution_id) == expected(3)
    assert store.journal.execution(execution_id)["status"] == IDLE
