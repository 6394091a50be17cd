"""Identity and context-schema built-ins, resolved through ``main_execution_id``.

Spec 03: BUILTIN-5, BUILTIN-17..22, ECO-6, WP-11; 01-core §15 #26.
"""

from __future__ import annotations

import pytest
from soe_builtin_tools import (
    BuiltinPermissionError,
    create_soe_get_context_schema_tool,
    create_soe_get_identities_tool,
    create_soe_inject_context_schema_field_tool,
    create_soe_inject_identity_tool,
    create_soe_remove_context_schema_field_tool,
    create_soe_remove_identity_tool,
)

from soe_core import create_local_backends

COMBINED = """
identities:
  helper: You help.
context_schema:
  answer: {type: string}
workflows:
  main:
    Idle: {node_type: router, event_triggers: [NEVER], event_emissions: [{signal_name: X}]}
"""


def test_builtin17_get_identities_forms(flow):
    run = flow(COMBINED)
    get = create_soe_get_identities_tool(run.execution_id, run.backends)
    assert get() == {"helper": "You help."}
    assert get(list_only=True) == {"identity_names": ["helper"]}
    assert get(identity_name="helper", list_only="yes") == {"identity_names": ["helper"]}
    assert get(identity_name="helper") == {"identity_name": "helper", "system_prompt": "You help."}
    assert get(identity_name="ghost") == {
        "error": "Identity 'ghost' not found",
        "available": ["helper"],
    }
    bare = flow("main:\n  Idle: {node_type: router, event_triggers: [N], "
                "event_emissions: [{signal_name: X}]}\n")
    assert create_soe_get_identities_tool(bare.execution_id, bare.backends)() == {}


def test_builtin18_19_inject_and_remove_identity_through_tool_nodes(flow):
    config = COMBINED + """
    Add:
      node_type: tool
      event_triggers: [START]
      tool_name: soe_inject_identity
      parameters: {identity_name: critic, system_prompt: You criticise.}
      output_field: added
      event_emissions: [{signal_name: NEXT}]
    Replace:
      node_type: tool
      event_triggers: [NEXT]
      tool_name: soe_inject_identity
      parameters: {identity_name: helper, system_prompt: You help more.}
      output_field: replaced
      event_emissions: [{signal_name: DROP}]
    Drop:
      node_type: tool
      event_triggers: [DROP]
      tool_name: soe_remove_identity
      parameters: {identity_name: critic}
      output_field: dropped
      event_emissions: [{signal_name: DROP_AGAIN}]
    DropAgain:
      node_type: tool
      event_triggers: [DROP_AGAIN]
      tool_name: soe_remove_identity
      parameters: {identity_name: critic}
      output_field: dropped_again
"""
    run = flow(config)
    assert run.latest("added") == {
        "success": True,
        "identity_name": "critic",
        "action": "created",
        "message": "Identity 'critic' created successfully",
    }
    assert run.latest("replaced")["action"] == "updated"
    assert run.latest("dropped") == {
        "removed": True,
        "identity_name": "critic",
        "message": "Identity 'critic' removed successfully",
    }
    assert "Identity 'critic' not found" in run.latest("dropped_again")
    assert run.backends.identity.get_identities(run.execution_id) == {"helper": "You help more."}
    legacy = [e for e in run.events("node_execution") if e.get("tool")]
    assert legacy == [
        {"tool": "soe_inject_identity", "identity_name": "critic", "action": "created"},
        {"tool": "soe_inject_identity", "identity_name": "helper", "action": "updated"},
        {"tool": "soe_remove_identity", "identity_name": "critic"},
    ]
    audits = run.events("builtin_modification")
    assert [a["before"] for a in audits] == [None, "You help.", "You criticise."]


def test_builtin5_wp11_identity_and_schema_builtins_in_a_child_use_the_root(flow):
    """ECO-6: what a child reads and writes is the tree's shared configuration."""
    config = COMBINED + """
    Spawn:
      node_type: child
      event_triggers: [START]
      child_workflow_name: kid
      child_initial_signals: [GO]
  kid:
    Read:
      node_type: tool
      event_triggers: [GO]
      tool_name: soe_get_identities
      output_field: seen
      event_emissions: [{signal_name: WRITE}]
    Write:
      node_type: tool
      event_triggers: [WRITE]
      tool_name: soe_inject_identity
      parameters: {identity_name: kid_made, system_prompt: From the child.}
      event_emissions: [{signal_name: SCHEMA}]
    Schema:
      node_type: tool
      event_triggers: [SCHEMA]
      tool_name: soe_inject_context_schema_field
      parameters: {field_name: kid_field, field_definition: '{"type": "integer"}'}
      event_emissions: [{signal_name: READ_SCHEMA}]
    ReadSchema:
      node_type: tool
      event_triggers: [READ_SCHEMA]
      tool_name: soe_get_context_schema
      output_field: schema
"""
    run = flow(config)
    (child,) = [e["child_execution_id"] for e in run.events("child_started")]
    assert run.latest("seen", child) == {"helper": "You help."}
    assert run.backends.identity.get_identities(run.execution_id)["kid_made"] == "From the child."
    assert run.backends.context_schema.get_context_schema(run.execution_id) == {
        "answer": {"type": "string"},
        "kid_field": {"type": "integer"},
    }
    assert set(run.latest("schema", child)) == {"answer", "kid_field"}


def test_builtin20_22_context_schema_tools(flow):
    run = flow(COMBINED)
    get = create_soe_get_context_schema_tool(run.execution_id, run.backends)
    inject = create_soe_inject_context_schema_field_tool(run.execution_id, run.backends)
    remove = create_soe_remove_context_schema_field_tool(run.execution_id, run.backends)
    assert get() == {"answer": {"type": "string"}}
    assert get(field_name="answer") == {"field_name": "answer", "definition": {"type": "string"}}
    assert get(field_name="nope") == {
        "error": "Field 'nope' not found in context schema",
        "available": ["answer"],
    }
    assert inject("score", "type: integer\nminimum: 0") == {
        "success": True,
        "field_name": "score",
        "action": "created",
        "message": "Context schema field 'score' created successfully",
    }
    assert inject("score", {"type": "number"})["action"] == "updated"  # mappings too
    with pytest.raises(ValueError, match="Field definition must be a dictionary/object"):
        inject("bad", "just a string")
    with pytest.raises(BuiltinPermissionError, match="reserved"):
        inject("__operational__", '{"type": "object"}')
    assert remove("score") == {
        "removed": True,
        "field_name": "score",
        "message": "Context schema field 'score' removed successfully",
    }
    with pytest.raises(ValueError, match="Field 'score' not found in context schema"):
        remove("score")
    legacy = [e["tool"] for e in run.events("node_execution") if e.get("tool")]
    assert legacy == [
        "soe_inject_context_schema_field",
        "soe_inject_context_schema_field",
        "soe_remove_context_schema_field",
    ]


def test_identity_changes_without_a_backend_are_clear_errors(flow, tmp_path):
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "c"),
        workflow_storage_dir=str(tmp_path / "w"),
        conversation_history_storage_dir=None,
        context_schema_storage_dir=None,
        identity_storage_dir=None,
    )
    run = flow("main:\n  Idle: {node_type: router, event_triggers: [N], "
               "event_emissions: [{signal_name: X}]}\n", backends=backends)
    assert create_soe_get_identities_tool(run.execution_id, backends)() == {}
    assert create_soe_get_context_schema_tool(run.execution_id, backends)() == {}
    with pytest.raises(ValueError, match="No identity backend configured"):
        create_soe_inject_identity_tool(run.execution_id, backends)("a", "b")
    with pytest.raises(ValueError, match="No context schema backend configured"):
        create_soe_inject_context_schema_field_tool(run.execution_id, backends)("a", "{}")
    with pytest.raises(ValueError, match="Identity 'a' not found"):
        create_soe_remove_identity_tool(run.execution_id, backends)("a")
