"""``orchestrate()`` (spec 01-core §4: CORE-23..30, plus §15 #11 and CORE-21)."""

from __future__ import annotations

import inspect
import uuid

import pytest

import soe_core
from soe_core import WorkflowValidationError, broadcast_signals, orchestrate

SIMPLE = """
wf:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: DONE
  Next:
    node_type: router
    event_triggers: [DONE]
    event_emissions:
      - signal_name: FINISHED
"""

COMBINED = """
workflows:
  wf:
    Start:
      node_type: router
      event_triggers: [START]
      event_emissions: [{signal_name: DONE}]
identities:
  helper: "Be brief."
context_schema:
  answer: string
"""


def _setup(**kwargs):
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends, **kwargs)
    return backends, nodes, caller


def _event_types(backends, execution_id):
    return [event["event_type"] for event in backends.telemetry.get_events(execution_id)]


def _stored_items(backends):
    """Every entry held by the in-memory backends' internal stores."""
    found = {}
    for backend in backends.all():
        for name, value in vars(backend).items():
            if isinstance(value, dict) and value:
                found[f"{type(backend).__name__}.{name}"] = dict(value)
    return found


# --------------------------------------------------------------------------- CORE-23


def test_core_23_signature():
    params = list(inspect.signature(orchestrate).parameters.values())
    assert [p.name for p in params] == [
        "config",
        "initial_workflow_name",
        "initial_signals",
        "initial_context",
        "backends",
        "broadcast_signals_caller",
        "inherit_config_from_id",
        "inherit_context_from_id",
    ]
    assert all(p.default is inspect.Parameter.empty for p in params[:6])
    assert params[6].default is None and params[7].default is None


def test_core_23_positional_call_returns_uuid4_string():
    backends, _nodes, caller = _setup()
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {"user": "alice"}, backends, caller)
    assert isinstance(execution_id, str)
    assert uuid.UUID(execution_id).version == 4
    assert execution_id == str(uuid.UUID(execution_id))


def test_core_23_each_call_gets_a_new_id():
    backends, _nodes, caller = _setup()
    ids = {orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller) for _ in range(3)}
    assert len(ids) == 3


# --------------------------------------------------------------------------- CORE-24


def test_core_24_steps_and_stored_state():
    backends, _nodes, caller = _setup()
    execution_id = orchestrate(
        SIMPLE, "wf", ["START"], {"user": "alice", "items": [1, 2]}, backends, caller
    )
    events = backends.telemetry.get_events(execution_id)
    assert events[0]["event_type"] == "orchestration_start"
    assert events[0]["context"] == {"workflow_name": "wf"}
    assert events[1]["event_type"] == "signals_broadcast"
    assert events[1]["context"] == {"signals": ["START"]}
    # step 7 / 9: registry and current workflow name saved
    assert backends.workflow.get_workflows_registry(execution_id) == soe_core.parse_yaml(SIMPLE)
    assert backends.workflow.get_current_workflow_name(execution_id) == "wf"
    # step 10-12: wrapped context with operational state
    context = backends.context.get_context(execution_id)
    assert context["user"] == ["alice"]
    assert context["items"] == [[1, 2]]
    operational = context["__operational__"]
    assert operational["main_execution_id"] == execution_id
    assert operational["signals"] == ["START", "DONE", "FINISHED"]
    assert operational["nodes"] == {"Start": 1, "Next": 1}
    assert (operational["llm_calls"], operational["tool_calls"], operational["errors"]) == (0, 0, 0)


def test_core_24_context_is_saved_before_initial_broadcast():
    seen = {}
    backends, _nodes, caller = _setup()

    def spy(execution_id, signals):
        seen["context"] = backends.context.get_context(execution_id)
        seen["name"] = backends.workflow.get_current_workflow_name(execution_id)
        seen["events"] = _event_types(backends, execution_id)
        caller(execution_id, signals)

    orchestrate(SIMPLE, "wf", ["START"], {"user": "bob"}, backends, spy)
    assert seen["context"]["user"] == ["bob"]
    assert seen["context"]["__operational__"]["signals"] == []
    assert seen["name"] == "wf"
    assert seen["events"] == ["orchestration_start"]


def test_core_24_config_none_without_inheritance_is_rejected():
    backends, _nodes, caller = _setup()
    with pytest.raises(WorkflowValidationError, match=r"config.*inherit_config_from_id"):
        orchestrate(None, "wf", ["START"], {}, backends, caller)
    assert _stored_items(backends) == {}


def test_core_24_params_checked_before_config():
    backends, _nodes, caller = _setup()
    with pytest.raises(WorkflowValidationError, match="'initial_signals' must be a list"):
        orchestrate(None, "wf", "START", {}, backends, caller)


@pytest.mark.parametrize("falsy", ["", {}])
def test_core_24_falsy_config_is_skipped_with_inheritance(falsy):
    backends, _nodes, caller = _setup()
    source = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    new_id = orchestrate(
        falsy, "wf", ["START"], {}, backends, caller, inherit_config_from_id=source
    )
    assert new_id != source
    assert backends.workflow.get_workflows_registry(new_id) == soe_core.parse_yaml(SIMPLE)
    events = _event_types(backends, new_id)
    assert events[:2] == ["config_inheritance_start", "orchestration_start"]
    context = backends.context.get_context(new_id)
    assert context["__operational__"]["signals"] == ["START", "DONE", "FINISHED"]


def test_core_24_falsy_config_without_inheritance_fails_on_missing_workflow():
    backends, _nodes, caller = _setup()
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf' not found in config"):
        orchestrate({}, "wf", ["START"], {}, backends, caller)


def test_core_24_config_replaces_inherited_registry():
    backends, _nodes, caller = _setup()
    source = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    other = "other:\n  Only:\n    node_type: router\n    event_triggers: [GO]\n" \
            "    event_emissions: [{signal_name: WENT}]\n"
    new_id = orchestrate(
        other, "other", ["GO"], {}, backends, caller, inherit_config_from_id=source
    )
    assert list(backends.workflow.get_workflows_registry(new_id)) == ["other"]
    assert backends.context.get_context(new_id)["__operational__"]["signals"] == ["GO", "WENT"]


# --------------------------------------------------------------------------- CORE-25 / 26


def test_core_25_in_process_caller_completes_synchronously(run_workflow):
    run = run_workflow(SIMPLE, "wf", ["START"])
    assert run.signals == ["START", "DONE", "FINISHED"]


def test_core_25_custom_caller_returns_when_caller_returns():
    backends, nodes, _caller = _setup()
    queue = []
    execution_id = orchestrate(
        SIMPLE, "wf", ["START"], {}, backends, lambda i, s: queue.append((i, s))
    )
    assert queue == [(execution_id, ["START"])]
    assert backends.context.get_context(execution_id)["__operational__"]["signals"] == []
    # delivering the queued work later runs the cascade
    for queued_id, signals in queue:
        broadcast_signals(queued_id, signals, nodes, backends)
    context = backends.context.get_context(execution_id)
    assert context["__operational__"]["signals"] == ["START", "DONE", "FINISHED"]


def test_core_26_orchestrate_caller_used_only_for_initial_signals():
    backends, _nodes, caller = _setup()
    calls = []

    def recording(execution_id, signals):
        calls.append(list(signals))
        caller(execution_id, signals)

    execution_id = orchestrate(SIMPLE, "wf", ["START"], {}, backends, recording)
    assert calls == [["START"]]
    assert backends.context.get_context(execution_id)["__operational__"]["signals"] == [
        "START", "DONE", "FINISHED",
    ]


# --------------------------------------------------------------------------- CORE-27


def test_core_27_node_exception_propagates_with_execution_id():
    backends, nodes, caller = _setup()

    class Boom(RuntimeError):
        pass

    def explode(execution_id, node_config):
        raise Boom(f"failed in {node_config['name']}")

    nodes["_boom"] = explode
    config = SIMPLE + "  Explode:\n    node_type: _boom\n    event_triggers: [DONE]\n"
    with pytest.raises(Boom, match="failed in Explode") as info:
        orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert type(info.value) is Boom  # class unchanged
    execution_id = info.value.execution_id
    context = backends.context.get_context(execution_id)
    # state written so far stays in the backends
    assert context["__operational__"]["nodes"]["Explode"] == 1
    assert context["__operational__"]["signals"][:2] == ["START", "DONE"]
    assert "orchestration_start" in _event_types(backends, execution_id)


def test_core_27_unwired_node_type_raises_key_error_with_execution_id():
    backends, _nodes, caller = _setup()
    config = SIMPLE + "  Ghost:\n    node_type: _not_wired\n    event_triggers: [START]\n"
    with pytest.raises(KeyError) as info:
        orchestrate(config, "wf", ["START"], {}, backends, caller)
    execution_id = info.value.execution_id
    assert backends.workflow.get_current_workflow_name(execution_id) == "wf"


def test_core_27_runtime_tool_validation_error_propagates():
    backends, _nodes, caller = _setup(tools_registry={})
    config = """
wf:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: no_such_tool
"""
    with pytest.raises(WorkflowValidationError, match="no_such_tool") as info:
        orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert backends.context.get_context(info.value.execution_id)["__operational__"]["nodes"] == {
        "T": 1
    }


# --------------------------------------------------------------------------- CORE-28 (new)


def test_core_28_missing_initial_workflow_writes_nothing_in_memory():
    backends, _nodes, caller = _setup()
    with pytest.raises(WorkflowValidationError, match="Workflow 'nope' not found"):
        orchestrate(COMBINED, "nope", ["START"], {"x": 1}, backends, caller)
    assert _stored_items(backends) == {}


def test_core_28_invalid_config_writes_nothing_in_memory():
    backends, _nodes, caller = _setup()
    bad = COMBINED.replace("node_type: router", "node_type: nonsense")
    with pytest.raises(WorkflowValidationError, match="unknown node_type"):
        orchestrate(bad, "wf", ["START"], {}, backends, caller)
    assert _stored_items(backends) == {}


def test_core_28_missing_initial_workflow_writes_no_files(tmp_path):
    dirs = {
        name: tmp_path / name
        for name in ("contexts", "workflows", "telemetry", "conversations", "schemas", "ids")
    }
    backends = soe_core.create_local_backends(
        context_storage_dir=str(dirs["contexts"]),
        workflow_storage_dir=str(dirs["workflows"]),
        telemetry_storage_dir=str(dirs["telemetry"]),
        conversation_history_storage_dir=str(dirs["conversations"]),
        context_schema_storage_dir=str(dirs["schemas"]),
        identity_storage_dir=str(dirs["ids"]),
    )
    _nodes, caller = soe_core.create_all_nodes(backends)
    with pytest.raises(WorkflowValidationError, match="not found in config"):
        orchestrate(COMBINED, "nope", ["START"], {"x": 1}, backends, caller)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # sanity: a valid run on the same backends does write files
    orchestrate(COMBINED, "wf", ["START"], {"x": 1}, backends, caller)
    assert list(dirs["contexts"].glob("*.json"))
    assert list(dirs["telemetry"].glob("*.jsonl"))
    assert list(dirs["ids"].glob("*.yaml"))


# --------------------------------------------------------------------------- CORE-29 / 30

PARENT_CHILD = """
workflows:
  main:
    Spawn:
      node_type: child
      event_triggers: [START]
      child_workflow_name: sub
      child_initial_signals: [GO]
  sub:
    Work:
      node_type: router
      event_triggers: [GO]
      event_emissions: [{signal_name: WORKED}]
identities:
  helper: "Be brief."
context_schema:
  answer: string
"""


def _child_ids(backends, parent_id):
    return [
        event["context"]["child_execution_id"]
        for event in backends.telemetry.get_events(parent_id)
        if event["event_type"] == "child_started"
    ]


def test_core_29_main_execution_id_of_root_and_child():
    backends, _nodes, caller = _setup()
    parent_id = orchestrate(PARENT_CHILD, "main", ["START"], {}, backends, caller)
    all_ids = backends.context.list_context_ids()
    assert len(all_ids) == 2
    (child_id,) = [i for i in all_ids if i != parent_id]
    parent_ctx = backends.context.get_context(parent_id)
    child_ctx = backends.context.get_context(child_id)
    assert parent_ctx["__operational__"]["main_execution_id"] == parent_id
    assert child_ctx["__operational__"]["main_execution_id"] == parent_id
    assert child_ctx["__parent__"]["parent_execution_id"] == parent_id
    assert child_ctx["__operational__"]["signals"] == ["GO", "WORKED"]


def test_core_30_child_gets_registry_copy_but_no_identities_or_schema():
    backends, _nodes, caller = _setup()
    parent_id = orchestrate(PARENT_CHILD, "main", ["START"], {}, backends, caller)
    (child_id,) = [i for i in backends.context.list_context_ids() if i != parent_id]
    assert backends.identity.get_identities(parent_id) == {"helper": "Be brief."}
    assert backends.context_schema.get_context_schema(parent_id) == {"answer": "string"}
    assert not backends.identity.get_identities(child_id)
    assert not backends.context_schema.get_context_schema(child_id)
    parent_registry = backends.workflow.get_workflows_registry(parent_id)
    assert backends.workflow.get_workflows_registry(child_id) == parent_registry
    assert "workflows" not in backends.workflow.get_workflows_registry(child_id)
    assert backends.workflow.get_current_workflow_name(child_id) == "sub"


# --------------------------------------------------------------------------- §15 #11, CORE-21


@pytest.mark.parametrize(
    "forged",
    [
        {
            "__operational__": {
                "signals": [], "nodes": {"X": 99}, "llm_calls": 0, "tool_calls": 0,
                "errors": 0, "main_execution_id": "someone-else",
            }
        },
        {
            "__parent__": {
                "parent_execution_id": "victim", "signals_to_parent": ["DONE"],
                "context_updates_to_parent": [], "main_execution_id": "victim",
            }
        },
    ],
)
def test_core_62_forged_reserved_fields_rejected(forged):
    backends, _nodes, caller = _setup()
    with pytest.raises(WorkflowValidationError, match=next(iter(forged))):
        orchestrate(SIMPLE, "wf", ["START"], {"user": "x", **forged}, backends, caller)
    assert _stored_items(backends) == {}


def test_core_62_forged_parent_cannot_hijack_another_execution():
    backends, _nodes, caller = _setup()
    victim = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    before = backends.context.get_context(victim)
    forged = {
        "__parent__": {
            "parent_execution_id": victim, "signals_to_parent": ["DONE"],
            "context_updates_to_parent": [], "main_execution_id": victim,
        }
    }
    with pytest.raises(WorkflowValidationError):
        orchestrate(SIMPLE, "wf", ["START"], forged, backends, caller)
    assert backends.context.get_context(victim) == before


def test_core_56_other_reserved_fields_are_stored_raw():
    backends, _nodes, caller = _setup()
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {"__meta": {"a": 1}}, backends, caller)
    assert backends.context.get_context(execution_id)["__meta"] == {"a": 1}


@pytest.mark.parametrize("bad_context", [["a", "b"], "text", 5, ("k", "v")])
def test_core_21_non_dict_initial_context_rejected(bad_context):
    backends, _nodes, caller = _setup()
    with pytest.raises(WorkflowValidationError, match="initial_context"):
        orchestrate(SIMPLE, "wf", ["START"], bad_context, backends, caller)
    assert _stored_items(backends) == {}



SUB = """
sub:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: SUB_DONE}]
"""


def test_core_25_orchestrate_inside_a_tool_completes_before_returning():
    backends = soe_core.create_in_memory_backends()
    holder = {}

    def run_sub():
        sub_id = orchestrate(SUB, "sub", ["GO"], {}, backends, holder["caller"])
        return backends.context.get_context(sub_id)["__operational__"]["signals"]

    _nodes, caller = soe_core.create_all_nodes(backends, tools_registry={"run_sub": run_sub})
    holder["caller"] = caller
    config = """
wf:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: run_sub
    output_field: sub_signals
"""
    execution_id = orchestrate(config, "wf", ["START"], {}, backends, caller)
    context = backends.context.get_context(execution_id)
    assert context["sub_signals"] == [["GO", "SUB_DONE"]]


def test_core_25_98_orchestrate_inside_custom_node_completes_before_returning():
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    seen = {}

    def run_sub(execution_id, node_config):
        sub_id = orchestrate(SUB, "sub", ["GO"], {}, backends, caller)
        seen["sub"] = backends.context.get_context(sub_id)["__operational__"]["signals"]

    nodes["_run_sub"] = run_sub
    config = "wf:\n  C:\n    node_type: _run_sub\n    event_triggers: [START]\n"
    orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert seen["sub"] == ["GO", "SUB_DONE"]


def test_core_98_custom_node_emission_is_synchronous():
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    seen = {}

    def emit_then_look(execution_id, node_config):
        caller(execution_id, ["PING"])
        seen["signals"] = backends.context.get_context(execution_id)["__operational__"]["signals"]

    nodes["_emit"] = emit_then_look
    config = """
wf:
  E:
    node_type: _emit
    event_triggers: [START]
  P:
    node_type: router
    event_triggers: [PING]
    event_emissions: [{signal_name: PONG}]
"""
    orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert seen["signals"] == ["START", "PING", "PONG"]
