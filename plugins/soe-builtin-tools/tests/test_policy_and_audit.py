"""Operator policy over built-ins and the audit trail of every modification.

Spec 03: BUILTIN-27, WP-13 (allow-lists, audit telemetry), WP-15, WP-16;
01-core §15 #10, #19.
"""

from __future__ import annotations

import json

import pytest
from soe_builtin_tools import (
    BUILTIN_TOOLS,
    BuiltinPermissionError,
    BuiltinPolicy,
    BuiltinPolicyError,
    create_soe_get_available_tools_tool,
    create_soe_get_context_tool,
    create_soe_update_context_tool,
    current_policy,
    using_policy,
)

IDLE = (
    "main:\n  Idle: {node_type: router, event_triggers: [N], "
    "event_emissions: [{signal_name: X}]}\n"
)

INJECT = """
main:
  Inject:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_inject_node
    parameters:
      workflow_name: main
      node_name: Added
      node_config_data: '{"node_type": "router", "event_triggers": ["A"],
                          "event_emissions": [{"signal_name": "B"}]}'
    output_field: out
    event_emissions: [{signal_name: INJECTED}]
  OnFailure:
    node_type: router
    event_triggers: [NEVER]
    event_emissions: [{signal_name: X}]
"""


def test_everything_is_allowed_by_default():
    policy = current_policy()
    assert policy == BuiltinPolicy()
    assert all(policy.allows(name) for name in BUILTIN_TOOLS)
    assert not policy.cross_execution


def test_denied_builtin_fails_as_a_tool_failure_and_changes_nothing(flow, monkeypatch):
    monkeypatch.setenv("SOE_BUILTINS_DENY", "soe_inject_*, soe_remove_*")
    run = flow(INJECT)
    assert "disabled by the operator's policy" in run.latest("out")
    assert "INJECTED" not in run.signals
    assert "Added" not in run.registry["main"]
    assert run.context["__operational__"]["errors"] == 1
    refused = run.events("builtin_refused")
    assert refused[0]["tool"] == "soe_inject_node"
    assert refused[0]["actor"]["node_name"] == "Inject"
    assert refused[0]["error_type"] == "BuiltinPermissionError"


def test_allow_list_permits_only_matching_builtins(flow, monkeypatch):
    monkeypatch.setenv("SOE_BUILTINS_ALLOW", "soe_get_*,soe_explore_docs")
    run = flow(IDLE, context={"a": 1})
    assert create_soe_get_context_tool(run.backends, run.execution_id)(field="a") == {"a": [1]}
    with pytest.raises(BuiltinPermissionError, match="soe_update_context"):
        create_soe_update_context_tool(run.backends, run.execution_id)({"a": 2})
    assert run.context["a"] == [1]
    listed = create_soe_get_available_tools_tool(run.execution_id, run.backends)()
    assert listed["builtin_tools"] == [
        n for n in BUILTIN_TOOLS if n.startswith("soe_get_") or n == "soe_explore_docs"
    ]


def test_deny_wins_over_allow_and_policy_can_be_set_in_code(flow):
    run = flow(IDLE)
    policy = BuiltinPolicy(allow={"*"}, deny={"soe_get_context"})
    with using_policy(policy):
        with pytest.raises(BuiltinPermissionError):
            create_soe_get_context_tool(run.backends, run.execution_id)()
    assert create_soe_get_context_tool(run.backends, run.execution_id)() == {}


def test_a_typo_in_the_policy_fails_closed(flow, monkeypatch):
    with pytest.raises(BuiltinPolicyError, match="soe_inject_workfow"):
        BuiltinPolicy(deny={"soe_inject_workfow"})
    monkeypatch.setenv("SOE_BUILTINS_DENY", "soe_inject_workfow")
    run = flow(IDLE)
    with pytest.raises(BuiltinPolicyError):
        create_soe_get_context_tool(run.backends, run.execution_id)()


def test_injectable_node_types_can_be_limited(flow, monkeypatch):
    monkeypatch.setenv("SOE_BUILTINS_INJECT_NODE_TYPES", "tool")
    run = flow(INJECT)
    assert "node_type 'router' may not be injected" in run.latest("out")
    assert "Added" not in run.registry["main"]


def test_every_modification_is_audited_with_who_what_before_after(flow):
    run = flow(INJECT)
    (audit,) = run.events("builtin_modification")
    assert audit["tool"] == "soe_inject_node"
    assert audit["actor"] == {
        "execution_id": run.execution_id,
        "main_execution_id": run.execution_id,
        "node_name": "Inject",
    }
    assert audit["target"] == {"workflow_name": "main", "node_name": "Added"}
    assert audit["before"] is None
    assert audit["after"]["event_emissions"] == [{"signal_name": "B"}]
    # audit events never touch the counters (WP-15)
    assert run.context["__operational__"]["nodes"] == {"Inject": 1}


def test_direct_python_calls_are_audited_without_a_node(flow):
    run = flow(IDLE)
    create_soe_update_context_tool(run.backends, run.execution_id)({"k": "v"})
    (audit,) = run.events("builtin_modification")
    assert audit["actor"]["node_name"] is None
    assert audit["after"] == {"k": "v"}


def test_audit_survives_file_telemetry(flow, tmp_path):
    """Audit payloads are JSON-serialisable for file telemetry (before/after configs)."""
    from soe_core import create_local_backends

    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "c"),
        workflow_storage_dir=str(tmp_path / "w"),
        telemetry_storage_dir=str(tmp_path / "t"),
    )
    run = flow(INJECT, backends=backends)
    lines = (tmp_path / "t" / f"{run.execution_id}.jsonl").read_text().splitlines()
    kinds = [json.loads(line)["event_type"] for line in lines]
    assert "builtin_modification" in kinds
