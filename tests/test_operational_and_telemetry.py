"""Operational state, runtime checks, limits and telemetry.

Spec: 01-core.md CORE-62..68 (operational state, validators, limits), CORE-80..86 (telemetry),
CORE-93 (telemetry off keeps counters).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from soe.validation.operational import validate_backends, validate_operational
from soe_backends_local import (
    InMemoryContextBackend,
    InMemoryTelemetryBackend,
    InMemoryWorkflowBackend,
)

from soe_core import (
    LimitExceededError,
    LocalBackends,
    OperationalValidationError,
    Settings,
    WorkflowValidationError,
    broadcast_signals,
    create_all_nodes,
    create_in_memory_backends,
    create_local_backends,
    orchestrate,
)
from soe_core.telemetry import register_event

IDLE_ROUTER = """
main:
  R: {node_type: router, event_triggers: [S], event_emissions: [{signal_name: X}]}
"""
START_ROUTER = IDLE_ROUTER.replace("[S]", "[START]")
OPERATIONAL_KEYS = {"signals", "nodes", "llm_calls", "tool_calls", "errors", "main_execution_id"}


def start(backends, config, workflow="main", signals=("START",), context=None, tools=None,
          **kwargs):
    nodes, broadcast = create_all_nodes(backends, tools_registry=tools, **kwargs)
    execution_id = orchestrate(config, workflow, list(signals), context or {}, backends, broadcast)
    return execution_id, nodes


def operational(backends, execution_id):
    return backends.context.get_context(execution_id)["__operational__"]


# --- CORE-62: fresh operational state ----------------------------------------------------


def test_core62_fresh_operational_state(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [NEVER]
    event_emissions: [{signal_name: X}]
"""
    run = run_workflow(config, "main", ["START"])
    op = run.context["__operational__"]
    assert set(op) == OPERATIONAL_KEYS
    assert op == {
        "signals": ["START"], "nodes": {}, "llm_calls": 0, "tool_calls": 0, "errors": 0,
        "main_execution_id": run.execution_id,
    }


@pytest.mark.parametrize("field", ["__operational__", "__parent__"])
def test_core62_forged_reserved_initial_context_rejected(run_workflow, field):
    """CORE-62 / WP-14: a root orchestrate() does not trust __operational__/__parent__."""
    config = IDLE_ROUTER
    forged = {"signals": [], "nodes": {}, "llm_calls": 5, "tool_calls": 0, "errors": 0,
              "main_execution_id": "other", "parent_execution_id": "other"}
    with pytest.raises(WorkflowValidationError, match=field):
        run_workflow(config, "main", ["START"], context={field: forged})


# --- CORE-63 / CORE-64: counters and their update points -------------------------------


def test_core63_signals_recorded_per_broadcast_with_duplicates(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: X}, {signal_name: X}, {signal_name: UNHEARD}]
"""
    run = run_workflow(config, "main", ["START", "START", "OTHER"])
    # the router fires once for its broadcast even though START appears twice (CORE-34)
    assert run.signals == ["START", "START", "OTHER", "X", "X", "UNHEARD"]
    assert run.context["__operational__"]["nodes"] == {"R": 1}


def test_core63_node_count_incremented_before_node_runs(run_workflow):
    """CORE-65: a node sees its own current run in ``nodes``."""
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: SEES_ONE
        condition: "{{ context.__operational__.nodes.R == 1 }}"
      - signal_name: SEES_ZERO
        condition: "{{ context.__operational__.nodes.get('R', 0) == 0 }}"
"""
    run = run_workflow(config, "main", ["START"])
    assert "SEES_ONE" in run.signals
    assert "SEES_ZERO" not in run.signals


def test_core64_router_executor_event_does_not_count(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: DONE}]
"""
    run = run_workflow(config, "main", ["START"])
    executions = run.events("node_execution")
    assert [e["context"] for e in executions] == [
        {"node_name": "R", "node_type": "router"},
        {"node_type": "router"},
    ]
    assert run.context["__operational__"]["nodes"] == {"R": 1}


def test_core63_tool_and_error_counters(run_workflow):
    config = """
main:
  Good:
    node_type: tool
    event_triggers: [START]
    tool_name: good
    event_emissions: [{signal_name: NEXT}]
  Bad:
    node_type: tool
    event_triggers: [NEXT]
    tool_name: bad
"""

    def bad():
        raise RuntimeError("boom")

    run = run_workflow(
        config, "main", ["START"],
        tools={"good": lambda: 1, "bad": {"function": bad, "max_retries": 2}},
    )
    op = run.context["__operational__"]
    assert op["tool_calls"] == 2  # one per tool node execution, retries not counted
    assert op["errors"] == 3  # two retried attempts + the final failure
    assert op["llm_calls"] == 0
    assert op["nodes"] == {"Good": 1, "Bad": 1}


def test_core63_mutation_events_with_tool_key_do_not_count_nodes(memory_backends):
    """§15 #19 / WP-15: built-in mutation events keep node_name but do not bump ``nodes``."""
    config = IDLE_ROUTER
    execution_id, _ = start(memory_backends, config, signals=["NONE"])
    register_event(
        memory_backends, execution_id, "node_execution",
        {"tool": "soe_inject_node", "node_name": "R", "workflow_name": "main"},
    )
    register_event(memory_backends, execution_id, "node_execution", {"node_name": "R"})
    assert operational(memory_backends, execution_id)["nodes"] == {"R": 1}
    logged = [e["context"] for e in memory_backends.telemetry.get_events(execution_id)
              if e["event_type"] == "node_execution"]
    assert logged[0] == {"tool": "soe_inject_node", "node_name": "R", "workflow_name": "main"}


def test_core63_other_counter_events(memory_backends):
    config = IDLE_ROUTER
    execution_id, _ = start(memory_backends, config, signals=["NONE"])
    for event in ("llm_call", "llm_call", "agent_tool_call", "tool_call", "node_error"):
        register_event(memory_backends, execution_id, event, {})
    register_event(memory_backends, execution_id, "context_warning", {"warnings": []})
    op = operational(memory_backends, execution_id)
    assert (op["llm_calls"], op["tool_calls"], op["errors"]) == (2, 2, 1)
    assert op["signals"] == ["NONE"]


def test_core65_loop_guard_on_node_count(run_workflow):
    config = """
main:
  Worker:
    node_type: tool
    event_triggers: [START, CONTINUE]
    tool_name: work
    output_field: out
    event_emissions: [{signal_name: STEP_DONE}]
  Guard:
    node_type: router
    event_triggers: [STEP_DONE]
    event_emissions:
      - signal_name: CONTINUE
        condition: "{{ context.__operational__.nodes.get('Worker', 0) < 5 }}"
      - signal_name: STOP
        condition: "{{ not (context.__operational__.nodes.get('Worker', 0) < 5) }}"
"""
    counter = iter(range(100))
    run = run_workflow(config, "main", ["START"], tools={"work": lambda: next(counter)})
    assert run.context["out"] == [0, 1, 2, 3, 4]
    assert run.signals.count("STOP") == 1
    assert run.context["__operational__"]["nodes"] == {"Worker": 5, "Guard": 5}
    assert run.context["__operational__"]["tool_calls"] == 5


def test_core65_and_join_over_signals(run_workflow):
    config = """
main:
  Fan:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: A_DONE}, {signal_name: B_DONE}]
  Join:
    node_type: router
    event_triggers: [A_DONE, B_DONE]
    event_emissions:
      - signal_name: BOTH
        condition: "{{ 'A_DONE' in context.__operational__.signals
                       and 'B_DONE' in context.__operational__.signals }}"
"""
    run = run_workflow(config, "main", ["START"])
    assert run.signals.count("BOTH") == 1


# --- CORE-66 / CORE-67: runtime validators ------------------------------------------------


def good_operational():
    return {"signals": [], "nodes": {}, "llm_calls": 0, "tool_calls": 0, "errors": 0,
            "main_execution_id": "e1"}


@pytest.mark.parametrize(
    "context, fragment",
    [
        (None, "No context found for execution_id 'e1'"),
        ({}, "No context found for execution_id 'e1'"),
        ({"x": [1]}, "Missing '__operational__'"),
        ({"__operational__": {"signals": []}}, r"Missing fields: \[.*'nodes'.*'errors'.*\]"),
        ({"__operational__": {**good_operational(), "signals": "S"}},
         r"Invalid '__operational__\.signals'"),
        ({"__operational__": {**good_operational(), "nodes": []}},
         r"Invalid '__operational__\.nodes'"),
        ({"__operational__": {**good_operational(), "llm_calls": "1"}},
         r"Invalid '__operational__\.llm_calls'"),
        ({"__operational__": {**good_operational(), "tool_calls": 1.5}},
         r"Invalid '__operational__\.tool_calls'"),
        ({"__operational__": {**good_operational(), "errors": None}},
         r"Invalid '__operational__\.errors'"),
    ],
)
def test_core66_validate_operational_messages(memory_backends, context, fragment):
    if context is not None:
        memory_backends.context.save_context("e1", context)
    with pytest.raises(OperationalValidationError, match=fragment):
        validate_operational("e1", memory_backends)


def test_core66_validate_operational_returns_context(memory_backends):
    memory_backends.context.save_context("e1", {"__operational__": good_operational(), "x": [1]})
    assert validate_operational("e1", memory_backends)["x"] == [1]


def test_core66_broadcast_on_broken_state_raises_before_recording(memory_backends):
    config = IDLE_ROUTER
    execution_id, nodes = start(memory_backends, config, signals=["NONE"])
    ctx = memory_backends.context.get_context(execution_id)
    ctx["__operational__"]["nodes"] = "broken"
    memory_backends.context.save_context(execution_id, ctx)
    before = len(memory_backends.telemetry.get_events(execution_id))
    with pytest.raises(OperationalValidationError, match=r"Invalid '__operational__\.nodes'"):
        broadcast_signals(execution_id, ["S"], nodes, memory_backends)
    assert len(memory_backends.telemetry.get_events(execution_id)) == before
    with pytest.raises(OperationalValidationError, match="No context found"):
        broadcast_signals("no-such-id", ["S"], nodes, memory_backends)


@pytest.mark.parametrize("missing", ["context", "workflow"])
def test_core67_validate_backends(missing):
    backends = LocalBackends(InMemoryContextBackend(), InMemoryWorkflowBackend())
    validate_backends(backends)  # complete: no error
    setattr(backends, missing, None)
    message = f"Invalid backends: missing required attribute '{missing}'"
    with pytest.raises(OperationalValidationError, match=re.escape(message)):
        validate_backends(backends)

    class Bare:
        pass

    bare = Bare()
    for name in ("context", "workflow"):
        if name != missing:
            setattr(bare, name, object())
    with pytest.raises(OperationalValidationError, match=re.escape(message)):
        validate_backends(bare)


def test_core67_orchestrate_validates_backends():
    backends = LocalBackends(InMemoryContextBackend(), None)
    config = IDLE_ROUTER
    with pytest.raises(OperationalValidationError, match="'workflow'"):
        orchestrate(config, "main", ["S"], {}, backends, lambda *a: None)


# --- CORE-68: no native recursion; opt-in limits --------------------------------------------


def test_core68_long_loop_does_not_hit_recursion_limit(run_workflow):
    config = """
main:
  Loop:
    node_type: tool
    event_triggers: [START, AGAIN]
    tool_name: step
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ result < 3000 }}"
"""
    counter = iter(range(1, 10_000))
    run = run_workflow(config, "main", ["START"], tools={"step": lambda: next(counter)})
    assert run.context["__operational__"]["nodes"]["Loop"] == 3000


def test_core68_max_node_executions_limit(run_workflow):
    config = """
main:
  Loop:
    node_type: router
    event_triggers: [START, AGAIN]
    event_emissions: [{signal_name: AGAIN}]
"""
    with pytest.raises(LimitExceededError, match="max_node_executions=20"):
        run_workflow(config, "main", ["START"], settings=Settings(max_node_executions=20))


# --- CORE-80 / CORE-81 / CORE-83: event shape and readers ------------------------------------


class RecordingTelemetry:
    def __init__(self):
        self.calls: list = []

    def log_event(self, execution_id, event_type, **event_data):
        self.calls.append((execution_id, event_type, event_data))


def test_core80_log_event_keywords_and_timestamp():
    telemetry = RecordingTelemetry()
    backends = LocalBackends(InMemoryContextBackend(), InMemoryWorkflowBackend(), telemetry)
    config = START_ROUTER
    execution_id, _ = start(backends, config)
    assert telemetry.calls
    for logged_id, _event_type, data in telemetry.calls:
        assert logged_id == execution_id
        assert set(data) == {"timestamp", "context"}
        assert isinstance(data["context"], dict)
        stamp = data["timestamp"]
        assert stamp.endswith("Z")
        parsed = datetime.fromisoformat(stamp[:-1])
        assert parsed.tzinfo is None
        now = datetime.now(UTC).replace(tzinfo=None)
        assert abs((now - parsed).total_seconds()) < 60
    assert telemetry.calls[0][1:] == (
        "orchestration_start", {"timestamp": telemetry.calls[0][2]["timestamp"],
                                "context": {"workflow_name": "main"}},
    )


def telemetry_backends(kind, tmp_path):
    if kind == "memory":
        return create_in_memory_backends()
    return create_local_backends(
        context_storage_dir=str(tmp_path / "c"), workflow_storage_dir=str(tmp_path / "w"),
        telemetry_storage_dir=str(tmp_path / "t"),
    )


@pytest.mark.parametrize("kind", ["memory", "files"])
def test_core81_core83_stored_event_shape(kind, tmp_path):
    backends = telemetry_backends(kind, tmp_path)
    config = START_ROUTER
    execution_id, _ = start(backends, config)
    events = backends.telemetry.get_events(execution_id)
    assert events[0]["event_type"] == "orchestration_start"
    for event in events:
        assert set(event) == {"event_type", "timestamp", "context"}
        assert event["timestamp"].endswith("Z")
    assert backends.telemetry.get_events("unknown-id") == []
    backends.telemetry.log_event(execution_id, "custom", foo=1, bar="x")
    assert backends.telemetry.get_events(execution_id)[-1] == {
        "event_type": "custom", "foo": 1, "bar": "x"
    }


def test_core82_each_execution_has_its_own_stream(run_workflow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [DONE]
kid:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: DONE}]
"""
    run = run_workflow(config, "main", ["START"])
    (started,) = run.events("child_started")
    child_id = started["context"]["child_execution_id"]
    child_events = run.events(execution_id=child_id)
    assert child_events[0]["event_type"] == "orchestration_start"
    assert child_events[0]["context"] == {"workflow_name": "kid"}
    (to_parent,) = [e for e in child_events if e["event_type"] == "signals_to_parent"]
    assert to_parent["context"] == {"signals": ["DONE"], "parent_id": run.execution_id}
    assert run.events("signals_to_parent") == []  # not in the parent's stream
    child_exec = [e["context"] for e in run.events("node_execution")]
    assert {"node_type": "child", "child_workflow": "kid",
            "parent_id": run.execution_id} in child_exec


# --- CORE-84 / CORE-86: exact sequence ------------------------------------------------------


def test_core86_exact_event_sequence(run_workflow):
    config = """
main:
  A:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: X}, {signal_name: Y}]
  B:
    node_type: router
    event_triggers: [X]
    event_emissions: [{signal_name: Z}]
"""
    run = run_workflow(config, "main", ["START"])
    sequence = [(e["event_type"], e["context"]) for e in run.events()]
    assert sequence == [
        ("orchestration_start", {"workflow_name": "main"}),
        ("signals_broadcast", {"signals": ["START"]}),
        ("node_execution", {"node_name": "A", "node_type": "router"}),
        ("node_execution", {"node_type": "router"}),
        ("signals_broadcast", {"signals": ["X", "Y"]}),
        ("node_execution", {"node_name": "B", "node_type": "router"}),
        ("node_execution", {"node_type": "router"}),
        ("signals_broadcast", {"signals": ["Z"]}),
    ]


def test_core35_depth_first_order_in_events(run_workflow):
    """A's subtree (B) completes before D, declared after A, runs (CORE-35)."""
    config = """
main:
  A:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: X}]
  D:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: D_DONE}]
  B:
    node_type: router
    event_triggers: [X]
    event_emissions: [{signal_name: B_DONE}]
"""
    run = run_workflow(config, "main", ["START"])
    names = [e["context"]["node_name"] for e in run.events("node_execution")
             if "node_name" in e["context"]]
    assert names == ["A", "B", "D"]
    assert run.signals == ["START", "X", "B_DONE", "D_DONE"]


# --- CORE-93: telemetry off ----------------------------------------------------------------


def test_core93_no_telemetry_still_maintains_counters():
    backends = LocalBackends(InMemoryContextBackend(), InMemoryWorkflowBackend())
    assert backends.telemetry is None
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: flaky
    event_emissions: [{signal_name: DONE}]
"""
    attempts = iter([RuntimeError("first"), "ok"])

    def flaky():
        value = next(attempts)
        if isinstance(value, Exception):
            raise value
        return value

    execution_id, _ = start(
        backends, config, tools={"flaky": {"function": flaky, "max_retries": 1}}
    )
    op = operational(backends, execution_id)
    assert op["signals"] == ["START", "DONE"]
    assert op["nodes"] == {"T": 1}
    assert op["tool_calls"] == 1
    assert op["errors"] == 1


def test_core93_file_backends_without_telemetry(tmp_path):
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "c"), workflow_storage_dir=str(tmp_path / "w")
    )
    assert backends.telemetry is None
    config = START_ROUTER
    execution_id, _ = start(backends, config)
    assert operational(backends, execution_id)["nodes"] == {"R": 1}
    assert operational(backends, execution_id)["signals"] == ["START", "X"]


def test_core80_in_memory_telemetry_detached_from_payload():
    telemetry = InMemoryTelemetryBackend()
    payload = {"signals": ["A"]}
    telemetry.log_event("e", "signals_broadcast", context=payload)
    payload["signals"].append("B")
    assert telemetry.get_events("e")[0]["context"] == {"signals": ["A"]}
