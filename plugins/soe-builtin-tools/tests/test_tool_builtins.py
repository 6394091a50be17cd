"""``soe_get_available_tools`` and ``soe_call_tool``.

Spec 03: BUILTIN-2, BUILTIN-23, BUILTIN-24, WP-1.
"""

from __future__ import annotations

import pytest
from soe_builtin_tools import (
    BUILTIN_TOOLS,
    create_soe_call_tool_tool,
    create_soe_get_available_tools_tool,
)

IDLE = (
    "main:\n  Idle: {node_type: router, event_triggers: [N], "
    "event_emissions: [{signal_name: X}]}\n"
)


def test_builtin23_lists_builtins_and_only_user_entries(flow):
    config = """
main:
  First:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_available_tools
    output_field: first
    event_emissions: [{signal_name: AGAIN}]
  Second:
    node_type: tool
    event_triggers: [AGAIN]
    tool_name: soe_get_available_tools
    output_field: second
"""
    registry = {"add": lambda a, b: a + b}
    run = flow(config, tools=registry)
    expected = {"builtin_tools": list(BUILTIN_TOOLS), "user_tools": ["add"]}
    assert run.latest("first") == expected
    assert run.latest("second") == expected  # nothing cached by the first call (WP-1)
    assert list(registry) == ["add"]


def test_builtin24_calls_user_tools_and_logs_a_tool_call(flow):
    config = """
main:
  Call:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_call_tool
    parameters:
      tool_name: add
      arguments: '{"a": 2, "b": 3}'
    output_field: called
"""
    run = flow(config, tools={"add": {"function": lambda a, b: a + b, "max_retries": 5}})
    assert run.latest("called") == {"success": True, "tool_name": "add", "result": 5}
    meta = [e for e in run.events("tool_call") if e.get("meta_tool")]
    assert meta == [
        {"meta_tool": "call_tool", "invoked_tool": "add", "arguments": {"a": 2, "b": 3}}
    ]
    assert run.context["__operational__"]["tool_calls"] == 2  # the node and the meta call


def test_builtin24_can_call_a_builtin_bound_to_the_calling_execution(flow):
    config = """
main:
  Call:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_call_tool
    parameters:
      tool_name: soe_update_context
      arguments: '{"updates": {"via_meta": true}}'
    output_field: called
"""
    registry: dict = {}
    first = flow(config, tools=registry)
    second = flow(config, tools=registry, backends=first.backends, nodes=first.nodes)
    assert second.latest("called")["result"] == {"status": "updated", "fields": ["via_meta"]}
    assert first.context["via_meta"] == [True] and second.context["via_meta"] == [True]
    assert registry == {}


def test_builtin24_errors_are_returned_not_raised(flow):
    run = flow(IDLE)
    registry = {
        "add": lambda a, b: a + b,
        "boom": lambda: 1 / 0,
        "weird": 42,
        "broken": {"function": "not callable"},
    }
    call = create_soe_call_tool_tool(run.execution_id, run.backends, registry)
    assert call("add", "")["error"].startswith("Argument error for 'add':")
    assert call("add", '{"a": 1}')["error"].startswith("Argument error for 'add':")
    assert call("add", "[1, 2]")["error"].startswith("Argument error for 'add':")
    assert call("add", "{nope")["error"].startswith("Invalid JSON arguments:")
    assert call("boom")["error"].startswith("Tool 'boom' failed:")
    assert call("weird") == {"error": "Invalid tool registry entry for 'weird'"}
    assert call("broken") == {"error": "Tool 'broken' is not callable"}
    missing = call("ghost")
    assert missing["error"] == "Tool 'ghost' not found"
    assert missing["available_tools"][:4] == ["add", "boom", "weird", "broken"]
    assert len(missing["available_tools"]) == 20
    assert call("add", {"a": 1, "b": 1})["result"] == 2  # a mapping is accepted (BUILTIN-4)
    with pytest.raises(TypeError):
        call("add", 12)


def test_builtin24_empty_arguments_mean_no_arguments(flow):
    run = flow(IDLE)
    call = create_soe_call_tool_tool(run.execution_id, run.backends, {"now": lambda: "t"})
    assert call("now", "") == {"success": True, "tool_name": "now", "result": "t"}
    assert call("now") == {"success": True, "tool_name": "now", "result": "t"}


def test_builtin24_no_retries_and_no_failure_signal(flow):
    attempts = []

    def flaky():
        attempts.append(1)
        raise RuntimeError("down")

    run = flow(IDLE)
    registry = {"flaky": {"function": flaky, "max_retries": 3, "failure_signal": "FAILED"}}
    result = create_soe_call_tool_tool(run.execution_id, run.backends, registry)("flaky")
    assert result == {"error": "Tool 'flaky' failed: down", "tool_name": "flaky"}
    assert len(attempts) == 1 and "FAILED" not in run.signals


def test_available_tools_direct_call_with_no_registry():
    from soe_core import create_in_memory_backends

    listing = create_soe_get_available_tools_tool("e", create_in_memory_backends())()
    assert listing == {"builtin_tools": list(BUILTIN_TOOLS), "user_tools": []}
