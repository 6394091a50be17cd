"""The celery caller against a real Redis and two real worker processes (see conftest)."""

from __future__ import annotations

import threading
import time

import pytest
from soe_celery import ExecutionFailed, resubmit, wait
from soe_celery.app import make_app, send_jobs, send_root
from soe_celery.waiting import wait_until_done

from soe_core import broadcast_signals, create_all_nodes, open_backends, orchestrate
from soe_core.context import get_accumulated
from soe_core.journal import FAILED, IDLE

from .flows import FAILING, FAN_OUT, expected, questions


def results(backends, execution_id: str) -> list[str]:
    return sorted(get_accumulated(backends.context.get_context(execution_id), "result"))


def test_fan_out_of_50_runs_every_child_once(client):
    backends, _nodes, caller = client
    execution_id = orchestrate(FAN_OUT, "main", ["START"], questions(50), backends, caller)
    assert results(backends, execution_id) == expected(50)
    assert backends.journal.pending(execution_id) == []
    assert backends.journal.execution(execution_id)["status"] == IDLE
    children = [r for r in backends.journal.executions() if r["main_execution_id"] == execution_id]
    assert len(children) == 51  # the root and its 50 children


def test_a_job_delivered_twice_runs_once(client, redis_url):
    backends, nodes, _caller = client
    roots: list = []

    def record_only(execution_id, signals):  # journal the root job, send nothing
        broadcast_signals(execution_id, signals, nodes, backends, runner=roots.append)

    execution_id = orchestrate(FAN_OUT, "main", ["START"], questions(5), backends, record_only)
    (root,) = roots
    app = make_app(redis_url)
    send_jobs(app, root.tree, [root.job_id, root.job_id])  # two workers may take it at once
    wait_until_done(backends.journal, root.tree, timeout=30)
    before = backends.context.get_context(execution_id)
    assert results(backends, execution_id) == expected(5)

    send_root(app, root.tree, root.job_id).get(timeout=30)  # a finished job, once more
    assert backends.context.get_context(execution_id) == before
    assert backends.journal.pending(root.tree) == []


def test_a_client_may_start_without_waiting_and_wait_later(workers, store_url, redis_url):
    backends = open_backends(store_url)
    options = {"broker_url": redis_url, "wait": False}
    _nodes, caller = create_all_nodes(backends, caller="celery", caller_options=options)
    execution_id = orchestrate(FAN_OUT, "main", ["START"], questions(5), backends, caller)
    wait(execution_id, backends, timeout=30)
    assert results(backends, execution_id) == expected(5)
    backends.close()


def test_resubmit_finishes_an_execution_whose_messages_were_lost(client, redis_url):
    backends, nodes, _caller = client

    def record_only(execution_id, signals):  # as if the broker lost the message
        broadcast_signals(execution_id, signals, nodes, backends, runner=lambda task: None)

    execution_id = orchestrate(FAN_OUT, "main", ["START"], questions(5), backends, record_only)
    assert resubmit(execution_id, backends, broker_url=redis_url, timeout=30) == 1
    assert results(backends, execution_id) == expected(5)


def test_a_failing_node_raises_on_the_client(client):
    backends, _nodes, caller = client
    with pytest.raises(ExecutionFailed, match="failed on a worker: RuntimeError") as caught:
        orchestrate(FAILING, "main", ["START"], {}, backends, caller)
    execution_id = caught.value.execution_id
    record = backends.journal.execution(execution_id)
    assert record["status"] == FAILED
    assert record["error"].startswith("RuntimeError")
    assert backends.journal.pending(execution_id)  # left for `soe resume`
    caller(execution_id, ["NOBODY_LISTENS"])  # returns: the failed job has no message to wait for


def test_a_worker_on_another_store_is_reported(workers, redis_url, tmp_path):
    backends = open_backends(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    _nodes, caller = create_all_nodes(
        backends, caller="celery", caller_options={"broker_url": redis_url, "timeout": 30}
    )
    with pytest.raises(ExecutionFailed, match="not in this worker's store"):
        orchestrate(FAN_OUT, "main", ["START"], questions(1), backends, caller)
    backends.close()


def test_killing_a_worker_mid_run_loses_nothing(client, workers):
    backends, _nodes, caller = client
    started: list[str] = []
    killed = threading.Event()

    def kill_when_busy():
        while not started:
            time.sleep(0.01)
        reader = open_backends(workers.store)
        try:  # once some children answered, worker 1 holds jobs in flight
            while len(get_accumulated(reader.context.get_context(started[0]), "result")) < 10:
                time.sleep(0.02)
        finally:
            reader.close()
        workers.kill("w1")
        killed.set()

    def record_start(execution_id, signals):
        started.append(execution_id)
        caller(execution_id, signals)

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    try:
        execution_id = orchestrate(
            FAN_OUT, "main", ["START"], questions(50), backends, record_start
        )
        assert killed.is_set()
        log = workers.log("w1").read_text()
        assert log.count("] received") > log.count("] succeeded")  # it died holding jobs
        assert results(backends, execution_id) == expected(50)
        assert backends.journal.pending(execution_id) == []
    finally:
        killer.join(30)
        if "w1" not in workers.processes:
            workers.start("w1")
