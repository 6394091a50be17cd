"""The Engine entry point (DESIGN §2) and switching workflows (ECO-2)."""

from __future__ import annotations

import pytest

from soe_core import Engine, WorkflowValidationError

FLOW = """
main:
  Add:
    node_type: tool
    event_triggers: [START]
    tool_name: add
    parameters: {a: "{{ context.a }}", b: "{{ context.b }}"}
    output_field: total
    event_emissions: [{signal_name: ADDED}]
  Wait:
    node_type: router
    event_triggers: [APPROVE]
    event_emissions: [{signal_name: APPROVED}]
other:
  Hello:
    node_type: router
    event_triggers: [PING]
    event_emissions: [{signal_name: PONG}]
"""


def add(a, b):
    return int(a) + int(b)


def test_engine_runs_and_continues_an_execution():
    engine = Engine("memory://", tools={"add": add})
    run = engine.run(FLOW, "main", ["START"], {"a": 2, "b": 3})
    assert run.context["total"] == 5
    assert run.history("total") == [5]
    assert run.signals == ["START", "ADDED"]
    run.signal("APPROVE")
    assert run.signals == ["START", "ADDED", "APPROVE", "APPROVED"]
    assert [e["event_type"] for e in run.events()][:2] == [
        "orchestration_start",
        "signals_broadcast",
    ]


def test_switch_workflow_takes_effect_on_next_broadcast():
    engine = Engine("memory://", tools={"add": add})
    run = engine.run(FLOW, "main", ["START"], {"a": 1, "b": 1})
    engine.switch_workflow(run.execution_id, "other")
    run.signal("PING")
    assert run.signals[-2:] == ["PING", "PONG"]
    with pytest.raises(WorkflowValidationError, match="Workflow 'nope' not found.*'main', 'other'"):
        engine.switch_workflow(run.execution_id, "nope")


def test_engine_on_file_store(tmp_path):
    engine = Engine(f"file://{tmp_path}", tools={"add": add})
    run = engine.run(FLOW, "main", ["START"], {"a": 4, "b": 4})
    assert run.context["total"] == 8
    assert (tmp_path / "contexts" / f"{run.execution_id}.json").is_file()
