"""Public surface, compat import map, setup helpers (CORE-1..5, CORE-94..98, quick start)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import soe_core
from soe_core import NodeType, WorkflowValidationError, hookimpl, orchestrate

SIMPLE = """
wf:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: DONE
"""


def _signals(backends, execution_id):
    return backends.context.get_context(execution_id)["__operational__"]["signals"]


# --------------------------------------------------------------------------- CORE-1 / 2


CORE_1_NAMES = [
    "orchestrate", "broadcast_signals", "create_all_nodes", "setup_orchestration",
    "AgentRequest", "AgentResponse", "ToolNodeConfigurationError", "ToolParameterError",
    "Backends", "ContextBackend", "WorkflowBackend", "TelemetryBackend",
    "ConversationHistoryBackend", "ContextSchemaBackend", "IdentityBackend", "CallLlm",
]


@pytest.mark.parametrize("name", CORE_1_NAMES)
def test_core_1_top_level_exports(name):
    soe = importlib.import_module("soe")
    assert getattr(soe, name) is not None
    namespace: dict = {}
    exec(f"from soe import {name}", namespace)  # noqa: S102 - the import statement itself
    assert namespace[name] is getattr(soe, name)


def test_core_1_exports_are_the_kernel_objects():
    import soe

    assert soe.orchestrate is soe_core.orchestrate
    assert soe.broadcast_signals is soe_core.broadcast_signals
    assert soe.create_all_nodes is soe_core.create_all_nodes
    assert soe.setup_orchestration is soe_core.setup_orchestration
    request = soe.AgentRequest(agent_id="a", prompt="p", agent_config={})
    assert request.tool_responses == {}
    assert soe.AgentResponse().emitted_signals == []


def test_core_2_exception_hierarchy():
    from soe.types import SoeError, WorkflowValidationError
    from soe.validation.operational import OperationalValidationError

    assert issubclass(SoeError, Exception)
    assert issubclass(WorkflowValidationError, SoeError)
    assert issubclass(OperationalValidationError, SoeError)
    assert not issubclass(OperationalValidationError, WorkflowValidationError)
    import soe

    assert issubclass(soe.ToolNodeConfigurationError, Exception)
    assert issubclass(soe.ToolParameterError, Exception)
    with pytest.raises(ValueError):
        soe_core.parse_yaml("a: [")


# --------------------------------------------------------------------------- CORE-3

CORE_3_ROWS = {
    "soe.types": [
        "WorkflowValidationError", "SoeError", "EventTypes", "Backends", "CallLlm",
        "ContextBackend", "WorkflowBackend", "TelemetryBackend", "ConversationHistoryBackend",
        "ContextSchemaBackend", "IdentityBackend", "BroadcastSignalsCaller", "NodeCaller",
        "OrchestrateCaller",
    ],
    "soe.validation": [
        "validate_config", "validate_workflow", "validate_orchestrate_params",
        "validate_initial_workflow",
    ],
    "soe.validation.config": [
        "validate_config", "validate_workflow", "validate_orchestrate_params",
        "validate_initial_workflow",
    ],
    "soe.validation.operational": [
        "validate_operational", "validate_backends", "OperationalValidationError",
    ],
    "soe.lib.yaml_parser": ["parse_yaml"],
    "soe.lib.context_fields": ["set_field", "get_field", "get_accumulated"],
    "soe.local_backends": [
        "create_in_memory_backends", "create_local_backends", "LocalContextBackend",
        "LocalWorkflowBackend", "LocalTelemetryBackend", "LocalConversationHistoryBackend",
    ],
    "soe.local_backends.factory": ["LocalBackends"],
    "soe.nodes.router.factory": ["create_router_node_caller"],
    "soe.nodes.tool.factory": ["create_tool_node_caller"],
    "soe.nodes.child.factory": ["create_child_node_caller"],
    "soe.nodes.router.validation": ["validate_node_config"],
    "soe.nodes.tool.validation": ["validate_node_config"],
    "soe.nodes.child.validation": ["validate_node_config"],
    "soe.nodes.router.validation.operational": ["validate_router_node_runtime"],
    "soe.nodes.tool.validation.operational": ["validate_tool_node_runtime"],
    "soe.nodes.child.validation.operational": ["validate_child_node_runtime"],
    "soe.nodes.tool.validation.config": ["validate_tool_node_config"],
}


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in CORE_3_ROWS.items() for n in names]
)
def test_core_3_import_map(module, name):
    assert getattr(importlib.import_module(module), name) is not None


def test_core_3_types_are_the_kernel_types():
    import soe.types

    assert soe.types.WorkflowValidationError is soe_core.WorkflowValidationError
    assert soe.types.SoeError is soe_core.SoeError
    assert soe.types.EventTypes is soe_core.EventTypes


def test_core_3_context_fields_behave():
    from soe.lib.context_fields import get_accumulated, get_field, set_field

    ctx: dict = {}
    set_field(ctx, "x", 1)
    set_field(ctx, "x", 2)
    set_field(ctx, "__raw", {"a": 1})
    assert ctx == {"x": [1, 2], "__raw": {"a": 1}}
    assert get_field(ctx, "x") == 2
    assert get_field(ctx, "missing") is None
    assert get_accumulated(ctx, "x") == [1, 2]
    assert get_accumulated({"items": [[1, 2]]}, "items") == [1, 2]
    assert get_accumulated(ctx, "missing") == []


def test_core_3_validation_operational_behaves():
    from soe.validation.operational import (
        OperationalValidationError,
        validate_backends,
        validate_operational,
    )

    backends = soe_core.create_in_memory_backends()
    with pytest.raises(OperationalValidationError, match="No context found for execution_id 'x'"):
        validate_operational("x", backends)
    backends.context.save_context("y", {"a": [1]})
    with pytest.raises(OperationalValidationError, match="Missing '__operational__'"):
        validate_operational("y", backends)
    backends.context.save_context("z", {"__operational__": {"signals": []}})
    with pytest.raises(OperationalValidationError, match="Missing fields"):
        validate_operational("z", backends)

    class NoWorkflow:
        context = backends.context
        workflow = None

    with pytest.raises(OperationalValidationError, match="missing required attribute 'workflow'"):
        validate_backends(NoWorkflow())
    validate_backends(backends)


def test_core_3_local_backends_factory_container():
    from soe.local_backends import create_in_memory_backends
    from soe.local_backends.factory import LocalBackends

    backends = create_in_memory_backends()
    assert isinstance(backends, LocalBackends)
    for attr in ("context", "workflow", "telemetry", "conversation_history",
                 "context_schema", "identity"):
        assert getattr(backends, attr) is not None
    custom = LocalBackends(backends.context, backends.workflow)
    assert custom.telemetry is None and custom.identity is None


def test_core_3_compat_node_factories_assemble_a_workflow():
    from soe.nodes.child.factory import create_child_node_caller
    from soe.nodes.router.factory import create_router_node_caller
    from soe.nodes.router.validation import validate_node_config

    with pytest.raises(WorkflowValidationError, match="'event_triggers' is required"):
        validate_node_config({"node_type": "router"})
    backends = soe_core.create_in_memory_backends()
    nodes: dict = {}

    def caller(execution_id, signals):
        soe_core.broadcast_signals(execution_id, signals, nodes, backends)

    nodes["router"] = create_router_node_caller(backends, caller)
    nodes["child"] = create_child_node_caller(
        backends, lambda **kw: orchestrate(broadcast_signals_caller=caller, **kw)
    )
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    assert _signals(backends, execution_id) == ["START", "DONE"]


def test_core_4_event_types():
    from soe.types import EventTypes

    expected = {
        "ORCHESTRATION_START": "orchestration_start",
        "SIGNALS_BROADCAST": "signals_broadcast",
        "NODE_EXECUTION": "node_execution",
        "TOOL_CALL": "tool_call",
        "LLM_CALL": "llm_call",
        "SIGNALS_TO_PARENT": "signals_to_parent",
        "NODE_ERROR": "node_error",
        "CONTEXT_WARNING": "context_warning",
        "AGENT_TOOLS_LOADED": "agent_tools_loaded",
        "AGENT_TOOL_CALL": "agent_tool_call",
        "AGENT_TOOL_RESULT": "agent_tool_result",
        "AGENT_TOOL_NOT_FOUND": "agent_tool_not_found",
        "CONFIG_INHERITANCE_START": "config_inheritance_start",
        "CONTEXT_INHERITANCE_START": "context_inheritance_start",
        "CONTEXT_MERGE": "context_merge",
    }
    for attribute, value in expected.items():
        assert getattr(EventTypes, attribute) == value


# --------------------------------------------------------------------------- CORE-94


def _fake_llm(prompt, config):
    return "ok"


def test_core_94_key_sets():
    backends = soe_core.create_in_memory_backends()
    nodes, _ = soe_core.create_all_nodes(backends)
    assert set(nodes) == {"router", "child"}
    nodes, _ = soe_core.create_all_nodes(backends, tools_registry={})
    assert set(nodes) == {"router", "child", "tool"}
    nodes, _ = soe_core.create_all_nodes(backends, tools_registry={"f": _fake_llm})
    assert set(nodes) == {"router", "child", "tool"}
    # llm and agent come from soe-nodes-llm, installed with the repo
    nodes, _ = soe_core.create_all_nodes(backends, call_llm=_fake_llm)
    assert set(nodes) == {"router", "child", "llm", "agent"}
    nodes, _ = soe_core.create_all_nodes(backends, call_llm=_fake_llm, tools_registry={})
    assert set(nodes) == {"router", "child", "tool", "llm", "agent"}


def test_core_94_tool_type_usable_without_tools_registry():
    """TOOL-4: ``tool`` is not listed without a registry, but ``nodes["tool"]`` still works."""
    backends = soe_core.create_in_memory_backends()
    nodes, _ = soe_core.create_all_nodes(backends)
    assert "tool" not in nodes
    assert callable(nodes["tool"])
    assert "tool" in nodes


def test_core_94_caller_sees_later_additions_to_nodes():
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    calls = []
    config = SIMPLE + "  Late:\n    node_type: _late\n    event_triggers: [DONE]\n"
    nodes["_late"] = lambda execution_id, cfg: calls.append(cfg["name"])
    execution_id = orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert calls == ["Late"]
    assert _signals(backends, execution_id) == ["START", "DONE"]


def test_core_94_returns_caller_bound_to_nodes_and_backends():
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    caller(execution_id, ["START"])
    assert _signals(backends, execution_id) == ["START", "DONE", "START", "DONE"]


# --------------------------------------------------------------------------- CORE-97


def test_core_97_in_memory_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    backends, caller = soe_core.setup_orchestration(storage_dir=str(tmp_path / "ignored"))
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    assert _signals(backends, execution_id) == ["START", "DONE"]
    assert backends.telemetry.get_events(execution_id)
    assert list(tmp_path.iterdir()) == []


def test_core_97_local_storage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    storage = tmp_path / "store"
    backends, caller = soe_core.setup_orchestration(
        use_local_storage=True, storage_dir=str(storage)
    )
    for sub in ("contexts", "workflows", "telemetry", "conversations", "schemas", "identities"):
        assert (storage / sub).is_dir(), sub
    assert backends.telemetry is not None
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {"user": "alice"}, backends, caller)
    saved = json.loads((storage / "contexts" / f"{execution_id}.json").read_text())
    assert saved["user"] == ["alice"]
    assert saved["__operational__"]["signals"] == ["START", "DONE"]
    assert (storage / "workflows" / f"{execution_id}_workflows.json").exists()
    assert (storage / "telemetry" / f"{execution_id}.jsonl").exists()
    # the returned caller continues the execution
    caller(execution_id, ["START"])
    assert _signals(backends, execution_id) == ["START", "DONE", "START", "DONE"]


def test_core_97_local_storage_default_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    backends, caller = soe_core.setup_orchestration(use_local_storage=True)
    execution_id = orchestrate(SIMPLE, "wf", ["START"], {}, backends, caller)
    assert (tmp_path / "orchestration_data" / "contexts" / f"{execution_id}.json").exists()


def test_core_97_tools_registry_passed_through():
    seen = []

    def note(x):
        seen.append(x)
        return x

    backends, caller = soe_core.setup_orchestration(tools_registry={"note": note})
    config = SIMPLE + (
        "  Note:\n    node_type: tool\n    event_triggers: [DONE]\n    tool_name: note\n"
        "    context_parameter_field: payload\n"
    )
    orchestrate(config, "wf", ["START"], {"payload": {"x": 1}}, backends, caller)
    assert seen == [1]


# --------------------------------------------------------------------------- CORE-98


def test_core_98_custom_node_type_in_nodes_map():
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    received = []

    def shout(execution_id, node_config):
        context = backends.context.get_context(execution_id)
        soe_core.set_field(context, "shouted", soe_core.get_field(context, "text").upper())
        backends.context.save_context(execution_id, context)
        received.append(node_config["name"])
        caller(execution_id, [node_config["done_signal"]])

    nodes["_shout"] = shout
    config = SIMPLE + (
        "  Shout:\n"
        "    node_type: _shout\n"
        "    event_triggers: [DONE]\n"
        "    done_signal: SHOUTED\n"
        "  After:\n"
        "    node_type: router\n"
        "    event_triggers: [SHOUTED]\n"
        "    event_emissions:\n"
        "      - signal_name: CHECKED\n"
        "        condition: \"{{ context.shouted == 'HELLO' }}\"\n"
    )
    execution_id = orchestrate(config, "wf", ["START"], {"text": "hello"}, backends, caller)
    assert received == ["Shout"]
    assert _signals(backends, execution_id) == ["START", "DONE", "SHOUTED", "CHECKED"]
    assert backends.context.get_context(execution_id)["__operational__"]["nodes"]["Shout"] == 1


def test_core_98_custom_type_without_underscore_fails_static_validation():
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    nodes["shout"] = lambda execution_id, node_config: None
    config = SIMPLE + "  Shout:\n    node_type: shout\n    event_triggers: [DONE]\n"
    with pytest.raises(WorkflowValidationError, match="unknown node_type 'shout'"):
        orchestrate(config, "wf", ["START"], {}, backends, caller)


def test_core_98_plugin_registered_type_with_validator(soe_plugins):
    def validate(config):
        if not config.get("message"):
            raise WorkflowValidationError("'message' is required")

    def build(wiring):
        def execute(execution_id, node_config):
            wiring.broadcast(execution_id, [node_config["message"]])

        return execute

    class EchoPlugin:
        @hookimpl
        def soe_node_types(self):
            return [NodeType(name="echo", validate=validate, build=build)]

    soe_plugins(EchoPlugin())
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends)
    assert "echo" in nodes
    config = SIMPLE + "  Echo:\n    node_type: echo\n    event_triggers: [DONE]\n    message: HI\n"
    execution_id = orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert _signals(backends, execution_id) == ["START", "DONE", "HI"]
    bad = SIMPLE + "  Echo:\n    node_type: echo\n    event_triggers: [DONE]\n"
    with pytest.raises(WorkflowValidationError, match="node 'Echo': 'message' is required"):
        orchestrate(bad, "wf", ["START"], {}, backends, caller)


# --------------------------------------------------------------------------- README quick start

QUICK_START = '''
from soe import orchestrate, create_all_nodes
from soe.local_backends import create_local_backends

# Your workflow (can also be loaded from file or database)
workflow = """
example_workflow:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: DONE
"""

# Create backends (storage for context, workflows, etc.)
backends = create_local_backends("./data")

# Create all node handlers (pass your call_llm function)
nodes, broadcast = create_all_nodes(backends)

# Run the workflow
execution_id = orchestrate(
    config=workflow,
    initial_workflow_name="example_workflow",
    initial_signals=["START"],
    initial_context={"user": "alice"},
    backends=backends,
    broadcast_signals_caller=broadcast,
)
# When orchestrate() returns, the workflow is complete
'''


def test_readme_quick_start_runs_verbatim(tmp_path):
    script = tmp_path / "quick_start.py"
    script.write_text(QUICK_START)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # positionally, "./data" is the context directory only (spec §14)
    context_files = list((tmp_path / "data").glob("*.json"))
    assert len(context_files) == 1
    saved = json.loads(context_files[0].read_text())
    assert saved["user"] == ["alice"]
    assert saved["__operational__"]["signals"] == ["START", "DONE"]
