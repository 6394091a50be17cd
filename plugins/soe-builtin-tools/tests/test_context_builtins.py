"""Context built-ins through tool nodes; reserved fields and cross-execution refusals.

Spec 03: BUILTIN-13..16, BUILTIN-27, ECO-5, WP-16; 01-core CORE-91, §15 #10.
"""

from __future__ import annotations

import pytest
from soe_builtin_tools import (
    BuiltinPermissionError,
    BuiltinPolicy,
    create_soe_copy_context_tool,
    create_soe_get_context_tool,
    create_soe_list_contexts_tool,
    create_soe_update_context_tool,
    using_policy,
)

from soe_core import create_local_backends

IDLE = "  Idle: {node_type: router, event_triggers: [NEVER], event_emissions: [{signal_name: X}]}\n"
NOTHING = "main:\n" + IDLE


def test_builtin13_get_context_returns_histories_never_dunders(flow):
    config = """
main:
  All:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_context
    output_field: all
  One:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_context
    parameters: {field: a}
    output_field: one
  Some:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_context
    context_parameter_field: request
    output_field: some
"""
    run = flow(config, context={"a": 1, "request": {"fields": ["a", "missing", "__operational__"]}})
    assert run.latest("all") == {"a": [1], "request": [{"fields": ["a", "missing",
                                                                  "__operational__"]}]}
    assert run.latest("one") == {"a": [1]}
    assert run.latest("some") == {"a": [1], "missing": None, "__operational__": None}
    direct = create_soe_get_context_tool(run.backends, run.execution_id)
    assert direct(field="__operational__") == {"__operational__": None}
    assert "__operational__" not in direct()


def test_builtin14_update_context_appends_and_drops_dunder_keys(flow):
    config = """
main:
  Update:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_update_context
    context_parameter_field: change
    output_field: result
"""
    change = {"updates": {"a": 2, "new": "x", "__operational__": {}, "__parent__": {"p": 1}}}
    run = flow(config, context={"a": 1, "change": change})
    assert run.latest("result") == {"status": "updated", "fields": ["a", "new"]}
    context = run.context
    assert context["a"] == [1, 2] and context["new"] == ["x"]
    assert "__parent__" not in context
    assert context["__operational__"]["main_execution_id"] == run.execution_id
    audit = run.events("builtin_modification")[0]
    assert audit["tool"] == "soe_update_context"
    assert audit["before"] == {"a": 1, "new": None}
    assert audit["after"] == {"a": 2, "new": "x"}
    assert audit["actor"]["node_name"] == "Update"


def test_builtin14_status_messages(flow):
    run = flow(NOTHING)
    update = create_soe_update_context_tool(run.backends, run.execution_id)
    assert update() == {"status": "no updates provided"}
    assert update({}) == {"status": "no updates provided"}
    assert update({"__operational__": 1, "__x": 2}) == {
        "status": "no valid updates (operational fields cannot be updated)"
    }
    assert update('{"k": 1}') == {"status": "updated", "fields": ["k"]}  # JSON text too
    assert run.context["k"] == [1]


def test_builtin15_copy_fields_and_all_fields_within_the_execution(flow):
    run = flow(NOTHING, context={"a": 1, "b": "x"})
    copy_context = create_soe_copy_context_tool(run.backends, run.execution_id)
    assert copy_context(fields={"a": "a_copy"}) == {
        "status": "copied",
        "source_execution": run.execution_id,
        "target_execution": run.execution_id,
        "fields_copied": {"a": "a_copy"},
    }
    assert run.context["a_copy"] == [1]
    assert copy_context(fields={"nope": "x"}) == {
        "error": f"Source field 'nope' not found in execution {run.execution_id}"
    }
    assert copy_context() == {"error": "Must specify either 'fields' mapping or 'all_fields=True'"}


def test_builtin15_copy_between_parent_and_child_of_one_tree(flow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_DONE]
  Pull:
    node_type: tool
    event_triggers: [KID_DONE]
    tool_name: soe_copy_context
    parameters:
      source_execution_id: "{{ context.kid_id }}"
      fields: {secret: from_kid}
    output_field: pulled
kid:
  Remember:
    node_type: tool
    event_triggers: [GO]
    tool_name: soe_update_context
    parameters: {updates: {secret: 42}}
    event_emissions: [{signal_name: KID_DONE}]
"""
    first = flow(config.replace("{{ context.kid_id }}", "unknown"))
    (child,) = [e["child_execution_id"] for e in first.events("child_started")]
    copy_context = create_soe_copy_context_tool(first.backends, first.execution_id)
    result = copy_context(source_execution_id=child, fields={"secret": "from_kid"})
    assert result["status"] == "copied"
    assert first.context["from_kid"] == [42]
    # and from the child into its parent
    push = create_soe_copy_context_tool(first.backends, child)
    assert push(fields={"secret": "pushed"}, target_execution_id=first.execution_id)[
        "status"
    ] == "copied"
    assert first.context["pushed"] == [42]
    audits = first.events("builtin_modification")
    assert any(a["target"]["source_execution_id"] == child for a in audits)


@pytest.mark.parametrize("target", ["__operational__", "__parent__", "__anything"])
def test_wp16_copy_onto_a_dunder_target_is_refused(flow, target):
    config = """
main:
  Copy:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_copy_context
    context_parameter_field: request
    output_field: result
"""
    run = flow(config, context={"a": 1, "request": {"fields": {"a": target}}})
    assert "is reserved" in run.latest("result")
    operational = run.context["__operational__"]
    assert isinstance(operational, dict) and operational["main_execution_id"] == run.execution_id
    assert "__parent__" not in run.context
    assert run.events("builtin_refused")[0]["tool"] == "soe_copy_context"


def test_wp16_copy_from_or_to_another_tree_is_refused(flow):
    victim = flow(NOTHING, context={"secret": "s3cret"})
    attacker_config = """
main:
  Steal:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_copy_context
    context_parameter_field: request
    output_field: result
"""
    attacker = flow(
        attacker_config,
        backends=victim.backends,
        context={"request": {"source_execution_id": victim.execution_id,
                             "fields": {"secret": "loot"}}},
    )
    assert "not part of this execution tree" in attacker.latest("result")
    assert "loot" not in attacker.context
    write = flow(
        attacker_config,
        backends=victim.backends,
        nodes=attacker.nodes,
        context={"x": 1, "request": {"target_execution_id": victim.execution_id,
                                     "fields": {"x": "planted"}}},
    )
    assert "not part of this execution tree" in write.latest("result")
    assert "planted" not in victim.context
    fresh = create_soe_copy_context_tool(victim.backends, victim.execution_id)
    with pytest.raises(BuiltinPermissionError):
        fresh(fields={"secret": "s"}, target_execution_id="brand-new-id")
    assert victim.backends.context.get_context("brand-new-id") == {}


def test_wp16_cross_execution_copy_when_the_operator_allows_it(flow, monkeypatch):
    one = flow(NOTHING, context={"v": 1})
    two = flow(NOTHING, backends=one.backends, context={"w": 2})
    monkeypatch.setenv("SOE_BUILTINS_CROSS_EXECUTION", "1")
    copy_context = create_soe_copy_context_tool(one.backends, one.execution_id)
    assert copy_context(source_execution_id=two.execution_id, fields={"w": "w"})[
        "status"
    ] == "copied"
    assert one.context["w"] == [2]
    # a new id gets a context without __operational__ (BUILTIN-15)
    copy_context(all_fields=True, target_execution_id="elsewhere")
    assert "__operational__" not in one.backends.context.get_context("elsewhere")
    assert one.backends.context.get_context("elsewhere")["v"] == [1]
    # audit also lands on the target execution
    assert one.events("builtin_modification", execution_id=two.execution_id) == []
    assert one.events("builtin_modification", execution_id="elsewhere")


def test_builtin16_list_contexts_only_this_tree_by_default(flow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_DONE]
  List:
    node_type: tool
    event_triggers: [KID_DONE]
    tool_name: soe_list_contexts
    output_field: listed
kid:
  Done: {node_type: router, event_triggers: [GO], event_emissions: [{signal_name: KID_DONE}]}
"""
    other = flow(NOTHING, context={"user_request": "someone else's"})
    run = flow(config, backends=other.backends, context={"user_request": "mine"})
    (child,) = [e["child_execution_id"] for e in run.events("child_started")]
    listed = run.latest("listed")
    assert listed["current_execution_id"] == run.execution_id
    ids = {entry["execution_id"]: entry for entry in listed["contexts"]}
    assert set(ids) == {run.execution_id, child}
    mine = ids[run.execution_id]
    assert mine["is_current"] is True and mine["user_request"] == "mine"
    assert mine["signals"] == ["START", "KID_DONE"]
    assert mine["node_count"] == 2  # Spawn and List (counted when it starts)
    assert ids[child]["is_current"] is False and ids[child]["signals"] == ["GO", "KID_DONE"]
    no_current = create_soe_list_contexts_tool(run.backends, run.execution_id)(
        include_current="false"
    )
    assert [e["execution_id"] for e in no_current["contexts"]] == [child]
    with using_policy(BuiltinPolicy(cross_execution=True)):
        everything = create_soe_list_contexts_tool(run.backends, run.execution_id)()
    assert other.execution_id in {e["execution_id"] for e in everything["contexts"]}


def test_builtin16_list_contexts_on_file_backends(flow, tmp_path):
    """CORE-91: the file backend's ``list_context_ids`` capability is used."""
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "contexts"),
        workflow_storage_dir=str(tmp_path / "workflows"),
        telemetry_storage_dir=str(tmp_path / "telemetry"),
        conversation_history_storage_dir=None,
        context_schema_storage_dir=None,
        identity_storage_dir=None,
    )
    run = flow(NOTHING, backends=backends, context={"user_request": "on disk"})
    (tmp_path / "contexts" / "garbage.json").write_text("{not json")
    listed = create_soe_list_contexts_tool(backends, run.execution_id)()
    assert [e["execution_id"] for e in listed["contexts"]] == [run.execution_id]
    assert listed["contexts"][0]["user_request"] == "on disk"


def test_builtin16_without_listing_capability_the_list_is_empty(flow):
    class Opaque:
        def __init__(self, inner):
            self.inner = inner

        def save_context(self, id, context):
            self.inner.save_context(id, context)

        def get_context(self, id):
            return self.inner.get_context(id)

    run = flow(NOTHING)
    run.backends.context = Opaque(run.backends.context)
    listed = create_soe_list_contexts_tool(run.backends, run.execution_id)()
    assert listed == {"current_execution_id": run.execution_id, "contexts": []}


def test_builtin27_context_builtins_never_emit_or_sync_to_parent(flow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    context_updates_to_parent: [shared]
kid:
  Write:
    node_type: tool
    event_triggers: [GO]
    tool_name: soe_update_context
    parameters: {updates: {shared: from_builtin}}
"""
    run = flow(config)
    assert "shared" not in run.context  # no parent sync (BUILTIN-14)
    assert run.signals == ["START"]


def test_section15_10_unsafe_ids_never_become_paths(flow, tmp_path):
    """§15 #10 / CORE-92: even with cross-execution access, an id cannot escape the folder."""
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "contexts"),
        workflow_storage_dir=str(tmp_path / "workflows"),
        conversation_history_storage_dir=None,
        context_schema_storage_dir=None,
        identity_storage_dir=None,
    )
    run = flow(NOTHING, backends=backends, context={"a": 1})
    copy_context = create_soe_copy_context_tool(backends, run.execution_id)
    with pytest.raises(ValueError):
        copy_context(all_fields=True, target_execution_id="../outside")
    with using_policy(BuiltinPolicy(cross_execution=True)), pytest.raises(ValueError):
        copy_context(all_fields=True, target_execution_id="../outside")
    assert not (tmp_path / "outside.json").exists()
