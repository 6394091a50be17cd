"""Config and context inheritance between executions.

Spec: 01-core.md section 10 (CORE-70..79) and CORE-24 / CORE-84 (inheritance events);
03-tools-child-builtins.md ECO-3.
"""

from __future__ import annotations

import pytest
from soe_backends_local import InMemoryContextBackend, InMemoryWorkflowBackend

from soe_core import (
    InheritanceError,
    LocalBackends,
    SoeError,
    WorkflowValidationError,
    broadcast_signals,
    create_all_nodes,
    create_in_memory_backends,
    orchestrate,
)

WORKFLOW = """
main:
  Echo:
    node_type: tool
    event_triggers: [START]
    tool_name: echo
    output_field: out
"""

COMBINED = """
workflows:
  main:
    Echo:
      node_type: tool
      event_triggers: [START]
      tool_name: echo
      output_field: out
identities:
  helper: You are helpful.
context_schema:
  out:
    type: string
"""


class Harness:
    def __init__(self, backends=None, tools=None):
        self.backends = backends or create_in_memory_backends()
        self.calls: list = []
        self.tools = tools or {"echo": self.echo}
        self.nodes, self.broadcast = create_all_nodes(self.backends, tools_registry=self.tools)

    def echo(self):
        self.calls.append("echo")
        return "echoed"

    def run(self, config, workflow="main", signals=("START",), context=None, **inherit):
        return orchestrate(
            config, workflow, list(signals), context or {}, self.backends, self.broadcast,
            **inherit,
        )

    def context(self, execution_id):
        return self.backends.context.get_context(execution_id)

    def events(self, execution_id, event_type=None):
        return [
            e for e in self.backends.telemetry.get_events(execution_id)
            if event_type is None or e["event_type"] == event_type
        ]


@pytest.fixture
def h():
    return Harness()


# --- CORE-70 / CORE-71 ------------------------------------------------------------------


def test_core70_config_or_inherit_config_required(h):
    with pytest.raises(WorkflowValidationError, match="config.*inherit_config_from_id"):
        h.run(None)


def test_core70_inherit_config_without_new_config(h):
    source = h.run(WORKFLOW)
    new = h.run(None, inherit_config_from_id=source)
    assert new != source
    assert h.backends.workflow.get_workflows_registry(new) == (
        h.backends.workflow.get_workflows_registry(source)
    )
    assert h.context(new)["out"] == ["echoed"]
    assert h.calls == ["echo", "echo"]


def test_core71_context_inheritance_does_not_imply_config(h):
    source = h.run(WORKFLOW, context={"topic": "cats"})
    other = """
other:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: DONE}]
"""
    new = h.run(other, workflow="other", signals=["GO"], inherit_context_from_id=source)
    assert list(h.backends.workflow.get_workflows_registry(new)) == ["other"]
    ctx = h.context(new)
    assert ctx["topic"] == ["cats"]
    assert ctx["out"] == ["echoed"]  # copied history from the source
    assert ctx["__operational__"]["signals"] == ["GO", "DONE"]


# --- CORE-72 / CORE-73 / CORE-74 / CORE-75 -------------------------------------------------


def test_core72_combined_config_sections_saved(h):
    new = h.run(COMBINED)
    assert h.backends.identity.get_identities(new) == {"helper": "You are helpful."}
    assert h.backends.context_schema.get_context_schema(new) == {"out": {"type": "string"}}
    assert list(h.backends.workflow.get_workflows_registry(new)) == ["main"]


def test_core72_empty_sections_and_legacy_form_save_nothing(h):
    legacy = h.run(WORKFLOW)
    assert not h.backends.identity.get_identities(legacy)
    assert not h.backends.context_schema.get_context_schema(legacy)
    empty = COMBINED.replace(
        "identities:\n  helper: You are helpful.\ncontext_schema:\n  out:\n    type: string\n",
        "identities: {}\ncontext_schema: {}\n",
    )
    assert "identities: {}" in empty
    new = h.run(empty)
    assert not h.backends.identity.get_identities(new)
    assert not h.backends.context_schema.get_context_schema(new)


def test_core73_inherits_current_registry_identities_and_schema(h):
    source = h.run(COMBINED)
    # runtime edits of the source are inherited (self-evolving workflows)
    registry = h.backends.workflow.get_workflows_registry(source)
    registry["extra"] = {
        "R": {"node_type": "router", "event_triggers": ["X"],
              "event_emissions": [{"signal_name": "Y"}]}
    }
    h.backends.workflow.save_workflows_registry(source, registry)
    h.backends.identity.save_identities(source, {"helper": "Edited.", "new": "Added."})
    new = h.run(None, workflow="extra", signals=["X"], inherit_config_from_id=source)
    assert set(h.backends.workflow.get_workflows_registry(new)) == {"main", "extra"}
    assert h.backends.identity.get_identities(new) == {"helper": "Edited.", "new": "Added."}
    assert h.backends.context_schema.get_context_schema(new) == {"out": {"type": "string"}}
    assert h.context(new)["__operational__"]["signals"] == ["X", "Y"]


def test_core74_config_registry_replaces_inherited_sections_kept_if_absent(h):
    source = h.run(COMBINED)
    replacement = """
replacement:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: DONE}]
"""
    new = h.run(replacement, workflow="replacement", signals=["GO"],
                inherit_config_from_id=source)
    assert list(h.backends.workflow.get_workflows_registry(new)) == ["replacement"]
    # legacy config provides no sections -> the inherited ones stay
    assert h.backends.identity.get_identities(new) == {"helper": "You are helpful."}
    assert h.backends.context_schema.get_context_schema(new) == {"out": {"type": "string"}}


def test_core74_non_empty_config_sections_overwrite_inherited(h):
    source = h.run(COMBINED)
    override = COMBINED.replace("helper: You are helpful.", "critic: You are critical.")
    override = override.replace("type: string", "type: integer")
    new = h.run(override, inherit_config_from_id=source)
    assert h.backends.identity.get_identities(new) == {"critic": "You are critical."}
    assert h.backends.context_schema.get_context_schema(new) == {"out": {"type": "integer"}}
    assert h.backends.identity.get_identities(source) == {"helper": "You are helpful."}


def test_core75_config_inheritance_copies_no_context_telemetry_or_workflow_name(h):
    two = WORKFLOW + """
second:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: DONE}]
"""
    source = h.run(two, context={"secret": "s"})
    h.backends.conversation_history.append_to_conversation_history(source, {"role": "user"})
    new = h.run(None, workflow="second", signals=["GO"], inherit_config_from_id=source)
    ctx = h.context(new)
    assert "secret" not in ctx and "out" not in ctx
    assert h.backends.workflow.get_current_workflow_name(new) == "second"
    assert h.backends.workflow.get_current_workflow_name(source) == "main"
    assert h.backends.conversation_history.get_conversation_history(new) == []
    event_types = [e["event_type"] for e in h.events(new)]
    assert "tool_call" not in event_types  # no telemetry copied from the source


def test_core75_initial_workflow_validated_against_inherited_registry(h):
    source = h.run(WORKFLOW)
    with pytest.raises(WorkflowValidationError, match=r"Workflow 'nope' not found in config"):
        h.run(None, workflow="nope", inherit_config_from_id=source)


# --- CORE-76: independent copies -----------------------------------------------------------


class LiveIdentityBackend:
    """Returns its internal dicts, like the reference in-memory backend did."""

    def __init__(self):
        self.store: dict = {}

    def save_identities(self, execution_id, identities):
        self.store[execution_id] = identities

    def get_identities(self, execution_id):
        return self.store.get(execution_id)

    def get_identity(self, execution_id, name):
        return (self.store.get(execution_id) or {}).get(name)

    def delete_identities(self, execution_id):
        return self.store.pop(execution_id, None) is not None


class LiveSchemaBackend:
    def __init__(self):
        self.store: dict = {}

    def save_context_schema(self, execution_id, schema):
        self.store[execution_id] = schema

    def get_context_schema(self, execution_id):
        return self.store.get(execution_id)

    def delete_context_schema(self, execution_id):
        return self.store.pop(execution_id, None) is not None


def test_core76_inherited_identities_and_schema_are_independent_copies():
    backends = LocalBackends(
        InMemoryContextBackend(), InMemoryWorkflowBackend(),
        identity_backend=LiveIdentityBackend(), context_schema_backend=LiveSchemaBackend(),
    )
    h = Harness(backends)
    source = h.run(COMBINED)
    new = h.run(None, inherit_config_from_id=source)
    assert backends.identity.store[new] == {"helper": "You are helpful."}
    # mutate the new execution's objects in place: the source must not change
    backends.identity.store[new]["helper"] = "Leaked?"
    backends.context_schema.store[new]["out"]["type"] = "integer"
    assert backends.identity.store[source] == {"helper": "You are helpful."}
    assert backends.context_schema.store[source] == {"out": {"type": "string"}}
    # and the other way round
    backends.identity.store[source]["extra"] = "x"
    assert "extra" not in backends.identity.store[new]


def test_core76_config_sections_not_shared_with_caller_dict():
    backends = LocalBackends(
        InMemoryContextBackend(), InMemoryWorkflowBackend(),
        identity_backend=LiveIdentityBackend(),
    )
    h = Harness(backends)
    config = {
        "workflows": {"main": {"Echo": {"node_type": "tool", "event_triggers": ["START"],
                                        "tool_name": "echo"}}},
        "identities": {"helper": "original"},
    }
    first = h.run(config)
    second = h.run(config)
    config["identities"]["helper"] = "changed by caller"
    backends.identity.store[first]["helper"] = "changed in first"
    assert backends.identity.store[second] == {"helper": "original"}


# --- CORE-77: errors -------------------------------------------------------------------------


def test_core77_missing_source_registry(h):
    with pytest.raises(ValueError) as info:
        h.run(None, inherit_config_from_id="ghost-config-id")
    message = str(info.value)
    assert "Cannot inherit config from execution 'ghost-config-id'" in message
    assert "no workflows registry found" in message
    assert isinstance(info.value, SoeError) and isinstance(info.value, InheritanceError)


def test_core77_missing_source_context(h):
    with pytest.raises(ValueError) as info:
        h.run(WORKFLOW, inherit_context_from_id="ghost-context-id")
    message = str(info.value)
    assert "Cannot inherit context from execution 'ghost-context-id'" in message
    assert "no context found" in message
    assert h.calls == []  # nothing ran


def test_core77_empty_source_context_is_an_error(h):
    h.backends.context.save_context("empty-src", {})
    with pytest.raises(ValueError, match="Cannot inherit context from execution 'empty-src'"):
        h.run(WORKFLOW, inherit_context_from_id="empty-src")


# --- CORE-78 / CORE-79: context inheritance ------------------------------------------------


def test_core78_context_inheritance_copy_merge_and_fresh_operational(h):
    source = h.run(WORKFLOW, context={"topic": "old", "__meta": {"v": 1}, "keep": [1, 2]})
    source_op = h.context(source)["__operational__"]
    assert source_op["nodes"] == {"Echo": 1}
    new = h.run(WORKFLOW, context={"topic": "new", "__meta": {"v": 2}},
                inherit_context_from_id=source)
    ctx = h.context(new)
    assert ctx["topic"] == ["old", "new"]  # appended, history preserved
    assert ctx["__meta"] == {"v": 2}  # reserved: overwritten
    assert ctx["keep"] == [[1, 2]]
    assert ctx["out"] == ["echoed", "echoed"]
    op = ctx["__operational__"]
    assert op["main_execution_id"] == new
    assert op["signals"] == ["START"]
    assert op["nodes"] == {"Echo": 1}
    assert op["tool_calls"] == 1
    # the source is untouched
    assert h.context(source)["topic"] == ["old"]
    assert h.context(source)["out"] == ["echoed"]


def test_core78_inheritance_events(h):
    source = h.run(WORKFLOW, context={"a": 1})
    new = h.run(None, context={"b": 2, "a": 3}, inherit_config_from_id=source,
                inherit_context_from_id=source)
    sequence = [(e["event_type"], e["context"]) for e in h.events(new)][:4]
    assert sequence == [
        ("config_inheritance_start", {"source_execution_id": source}),
        ("orchestration_start", {"workflow_name": "main"}),
        ("context_inheritance_start", {}),
        ("context_merge", {"fields": ["b", "a"]}),
    ]
    assert h.context(new)["a"] == [1, 3]


def test_core78_no_merge_event_without_initial_context(h):
    source = h.run(WORKFLOW)
    new = h.run(WORKFLOW, inherit_context_from_id=source)
    types = [e["event_type"] for e in h.events(new)]
    assert "context_inheritance_start" in types
    assert "context_merge" not in types


def test_core78_inherited_values_are_deep_copies(h):
    source = h.run(WORKFLOW, context={"cfg": {"nested": [1]}, "__raw": {"x": [1]}})
    new = h.run(WORKFLOW, inherit_context_from_id=source)
    ctx = h.context(new)
    ctx["cfg"][0]["nested"].append(2)
    ctx["__raw"]["x"].append(2)
    h.backends.context.save_context(new, ctx)
    assert h.context(source)["cfg"] == [{"nested": [1]}]
    assert h.context(source)["__raw"] == {"x": [1]}


def test_core78_core79_inheriting_a_child_context_drops_parent_link(h):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [DONE]
    context_updates_to_parent: [out]
kid:
  Echo:
    node_type: tool
    event_triggers: [GO]
    tool_name: echo
    output_field: out
    event_emissions: [{signal_name: DONE}]
"""
    root = h.run(config)
    (started,) = h.events(root, "child_started")
    child = started["context"]["child_execution_id"]
    assert "__parent__" in h.context(child)
    new = h.run(None, workflow="kid", signals=["GO"], inherit_config_from_id=child,
                inherit_context_from_id=child)
    ctx = h.context(new)
    assert "__parent__" not in ctx
    assert ctx["__operational__"]["main_execution_id"] == new
    # no propagation into the original parent (CORE-79)
    root_ctx = h.context(root)
    assert root_ctx["__operational__"]["signals"] == ["START", "DONE"]
    assert root_ctx["out"] == ["echoed"]
    assert h.events(new, "signals_to_parent") == []


def test_core79_source_unaffected_by_later_signals_to_new_execution(h):
    source = h.run(WORKFLOW)
    new = h.run(None, inherit_config_from_id=source, inherit_context_from_id=source)
    broadcast_signals(new, ["START"], h.nodes, h.backends)
    assert h.context(source)["out"] == ["echoed"]
    assert h.context(new)["out"] == ["echoed", "echoed", "echoed"]
    assert h.context(source)["__operational__"]["signals"] == ["START"]
