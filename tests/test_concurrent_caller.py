"""The ``threads`` caller: nodes of one broadcast run side by side (issue [C]).

Parallelism is proven with barriers (a barrier of N parties only opens when
N nodes wait on it at the same time), never with timings.
"""

from __future__ import annotations

import threading

import pytest

from soe_core import Engine, Settings
from soe_core.errors import LimitExceededError

FAN_OUT = """
main:
  Spawn: {node_type: child, event_triggers: [START], child_workflow_name: worker,
          child_initial_signals: [GO], fan_out_field: items, child_input_field: item,
          signals_to_parent: [DONE], context_updates_to_parent: [answer]}
worker:
  Ask:
    node_type: llm
    event_triggers: [GO]
    prompt: "Answer {{ context.item }}"
    output_field: answer
    event_emissions: [{signal_name: DONE}]
"""

SWARM = """
vote:
  A: {node_type: tool, event_triggers: [START], tool_name: meet, parameters: {who: a},
      output_field: votes, event_emissions: [{signal_name: VOTED}]}
  B: {node_type: tool, event_triggers: [START], tool_name: meet, parameters: {who: b},
      output_field: votes, event_emissions: [{signal_name: VOTED}]}
  C: {node_type: tool, event_triggers: [START], tool_name: meet, parameters: {who: c},
      output_field: votes, event_emissions: [{signal_name: VOTED}]}
"""

STORES = ["memory://", "sqlite:///{tmp}/soe.db", "file://{tmp}/data"]


@pytest.fixture(params=STORES, ids=["memory", "sqlite", "file"])
def store(request, tmp_path):
    return request.param.format(tmp=tmp_path)


def test_fan_out_children_run_concurrently_and_each_result_lands_once(store):
    """CHILD-4 under concurrency: 50 children, 50 answers, none lost or doubled."""
    engine = Engine(store, llm="fake", llm_options={"latency": 0.05}, caller="threads")
    try:
        run = engine.run(FAN_OUT, "main", ["START"], {"items": list(range(50))})
        answers = run.history("answer")
        assert len(answers) == 50
        assert len(run.signals) == 1 + 50  # START, then one DONE per child
        children = [e for e in run.events() if e["event_type"] == "child_started"]
        assert len(children) == 50
    finally:
        engine.close()


def test_siblings_of_one_broadcast_run_at_the_same_time(store):
    """Three voters wait on one barrier: it opens only if all three run at once."""
    barrier = threading.Barrier(3, timeout=10)

    def meet(who):
        barrier.wait()
        return who

    engine = Engine(store, tools={"meet": meet}, caller="threads")
    try:
        run = engine.run(SWARM, "vote", ["START"])
        assert sorted(run.history("votes")) == ["a", "b", "c"]
        assert run.signals.count("VOTED") == 3
    finally:
        engine.close()


def test_sync_caller_runs_siblings_one_after_another():
    """The same workflow deadlocks the barrier on the synchronous caller: proof of contrast."""
    barrier = threading.Barrier(2, timeout=0.2)

    def meet(who):
        barrier.wait()
        return who

    engine = Engine("memory://", tools={"meet": meet})
    run = engine.run(SWARM, "vote", ["START"])
    # each tool call timed out on its own: the error text was stored as the output
    assert all("Broken" in str(value) or value == "" for value in run.history("votes"))


def test_errors_stop_the_run_and_reach_the_caller():
    def explode(execution_id, node_config):
        raise RuntimeError("boom")

    engine = Engine("memory://?journal=1", caller="threads")
    engine.nodes["_explode"] = explode
    flow = "main:\n  X: {node_type: _explode, event_triggers: [START]}\n"
    with pytest.raises(RuntimeError, match="boom") as caught:
        engine.run(flow, "main", ["START"])
    assert engine.execution(caught.value.execution_id).status == "failed"


def test_step_limit_holds_across_worker_threads():
    engine = Engine("memory://", caller="threads", settings=Settings(max_node_executions=50))
    loop = """
loop:
  Step: {node_type: router, event_triggers: [START, AGAIN], event_emissions: [{signal_name: AGAIN}]}
"""
    with pytest.raises(LimitExceededError):
        engine.run(loop, "loop", ["START"])


def test_thread_count_is_bounded():
    seen: set[str] = set()
    lock = threading.Lock()

    def note(who):
        with lock:
            seen.add(threading.current_thread().name)
        return who

    engine = Engine(
        "memory://", tools={"meet": note}, caller="threads", caller_options={"max_workers": 2}
    )
    engine.run(SWARM, "vote", ["START"])
    assert 1 <= len(seen) <= 2


def test_engine_signal_goes_through_the_chosen_caller():
    """CORE-69 with the threads caller: an external signal's listeners run in parallel too."""
    barrier = threading.Barrier(3, timeout=10)

    def meet(who):
        barrier.wait()
        return who

    engine = Engine("memory://", tools={"meet": meet}, caller="threads")
    waiting = engine.run(SWARM.replace("[START]", "[GO]"), "vote", ["START"])
    assert waiting.history("votes") == []
    waiting.signal("GO")
    assert sorted(waiting.history("votes")) == ["a", "b", "c"]


JOIN = """
  Join:
    node_type: router
    event_triggers: [DONE]
    event_emissions:
      - signal_name: ALL_DONE
        condition: "{{ context.answer | accumulated | length == 20 }}"
"""
COUNTING_JOIN = FAN_OUT.replace("\nworker:", JOIN.rstrip("\n") + "\nworker:", 1)


@pytest.mark.parametrize("store", ["memory://", "sqlite:///{tmp}/soe.db"], ids=["memory", "sqlite"])
def test_a_counting_join_fires_once_as_with_the_sync_caller(store, tmp_path):
    """CHILD-4/CORE-44 under concurrency: the arrivals' engine work never interleaves.

    Twenty children answer within the same few milliseconds; each arrival is
    written and delivered to the join before the next one is written, so the
    count reaches 20 exactly once, in every run.
    """
    engine = Engine(
        store.format(tmp=tmp_path), llm="fake", llm_options={"latency": 0.01}, caller="threads"
    )
    try:
        for _ in range(15):
            run = engine.run(COUNTING_JOIN, "main", ["START"], {"items": list(range(20))})
            assert len(run.history("answer")) == 20
            assert run.signals.count("DONE") == 20
            assert run.signals.count("ALL_DONE") == 1
    finally:
        engine.close()


def test_waits_overlap_while_engine_work_takes_turns():
    """Tools wait together (a barrier of 3), yet no two nodes run engine code at once."""
    barrier = threading.Barrier(3, timeout=10)
    inside = threading.Semaphore(1)
    overlaps = []

    def meet(who):
        barrier.wait()  # all three tool calls are in flight together
        return who

    engine = Engine("memory://", tools={"meet": meet}, caller="threads")

    def watch(execution_id, event_type, data):
        # events are logged by engine code: two at once would mean interleaved work
        if not inside.acquire(blocking=False):
            overlaps.append(event_type)
            return
        try:
            threading.Event().wait(0.001)
        finally:
            inside.release()

    from soe_core.telemetry import observing

    with observing(watch):
        run = engine.run(SWARM, "vote", ["START"])
    assert sorted(run.history("votes")) == ["a", "b", "c"]
    assert overlaps == []


def test_engine_close_stops_the_pool_threads_and_a_later_run_restarts_them():
    engine = Engine("memory://", caller="threads", caller_options={"max_workers": 4})
    pool = engine.broadcast.pool
    threads = list(pool._threads)
    assert len(threads) == 3 and all(thread.is_alive() for thread in threads)
    engine.close()
    assert not any(thread.is_alive() for thread in threads)
    flow = (
        "main:\n"
        "  A: {node_type: router, event_triggers: [START], event_emissions: [{signal_name: X}]}\n"
    )
    assert engine.run(flow, "main", ["START"]).signals == ["START", "X"]
    engine.close()
