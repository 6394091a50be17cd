"""The soe.nodes.llm and soe.nodes.agent shims; custom assembly (CORE-3, CORE-94, CORE-98)."""

from __future__ import annotations

import pytest
from soe import broadcast_signals, create_all_nodes, orchestrate
from soe.nodes.agent.factory import create_agent_node_caller
from soe.nodes.agent.validation import validate_node_config as validate_agent_config
from soe.nodes.agent.validation.operational import validate_agent_node_runtime
from soe.nodes.llm.factory import create_llm_node_caller
from soe.nodes.llm.validation import validate_node_config as validate_llm_config
from soe.nodes.llm.validation.operational import validate_llm_node_runtime
from soe.nodes.router.factory import create_router_node_caller
from soe_nodes_llm.testing import ScriptedLlm

from soe_core import OperationalValidationError, WorkflowValidationError, create_in_memory_backends
from soe_core.validation.config import validate_config

CONFIG = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Hi"
    output_field: greeting
    event_emissions: [{signal_name: ASKED}]
  Agent:
    node_type: agent
    event_triggers: [ASKED]
    prompt: "Add"
    tools: [add]
    output_field: total
    event_emissions: [{signal_name: DONE}]
  Route:
    node_type: router
    event_triggers: [DONE]
    event_emissions: [{signal_name: END}]
"""


def add(a: int, b: int) -> int:
    return a + b


def _answer(prompt, config):
    if '"available_tools":' in prompt:
        return '{"action": "call_tool", "tool_name": "add"}' if "[Tool: add]" not in prompt \
            else '{"action": "finish"}'
    if '"tool_name":' in prompt:
        return '{"a": 1, "b": 2}'
    return '{"greeting": "hello", "total": 3}'


def test_core_98_custom_assembly_with_per_type_factories():
    backends = create_in_memory_backends()
    llm = ScriptedLlm(_answer)
    nodes: dict = {}

    def caller(execution_id, signals):
        broadcast_signals(execution_id, signals, nodes, backends)

    nodes["router"] = create_router_node_caller(backends, caller)
    nodes["llm"] = create_llm_node_caller(backends, llm, caller)
    nodes["agent"] = create_agent_node_caller(
        backends, [{"function": add, "max_retries": 0}], llm, caller
    )
    execution_id = orchestrate(CONFIG, "wf", ["START"], {}, backends, caller)
    context = backends.context.get_context(execution_id)
    assert context["greeting"] == ["hello"] and context["total"] == [3]
    assert context["__operational__"]["signals"] == ["START", "ASKED", "DONE", "END"]


def test_core_98_agent_factory_accepts_bare_callables_keyed_by_function_name():
    backends = create_in_memory_backends()
    nodes: dict = {}

    def caller(execution_id, signals):
        broadcast_signals(execution_id, signals, nodes, backends)

    llm = ScriptedLlm(_answer)
    nodes["router"] = create_router_node_caller(backends, caller)
    nodes["llm"] = create_llm_node_caller(backends, llm, caller)
    nodes["agent"] = create_agent_node_caller(backends, [add, "not a tool"], llm, caller)
    execution_id = orchestrate(CONFIG, "wf", ["START"], {}, backends, caller)
    assert backends.context.get_context(execution_id)["total"] == [3]


def test_core_94_key_sets_with_the_plugin_installed():
    backends = create_in_memory_backends()
    nodes, _ = create_all_nodes(backends, call_llm=ScriptedLlm())
    assert set(nodes) == {"router", "child", "llm", "agent"}
    nodes, _ = create_all_nodes(backends, call_llm=ScriptedLlm(), tools_registry={})
    assert set(nodes) == {"router", "child", "tool", "llm", "agent"}


def test_core_3_validation_shims():
    validate_llm_config({"event_triggers": ["S"], "prompt": "p"})
    validate_agent_config({"event_triggers": ["S"], "prompt": "p", "tools": []})
    with pytest.raises(WorkflowValidationError, match="'tools' must be a list"):
        validate_agent_config({"event_triggers": ["S"], "prompt": "p", "tools": "x"})
    backends = create_in_memory_backends()
    for check in (validate_llm_node_runtime, validate_agent_node_runtime):
        with pytest.raises(OperationalValidationError, match="No context found"):
            check("missing", backends)


def test_core_11_unknown_type_lists_llm_and_agent():
    with pytest.raises(WorkflowValidationError) as info:
        validate_config({"wf": {"N": {"node_type": "lmm", "event_triggers": ["S"]}}})
    assert "Valid types: router, agent, llm, child, tool" in str(info.value)


def test_plugin_registers_through_the_entry_point():
    from soe_core.plugins import load_plugins

    registry = load_plugins(strict=True)
    info = next(i for i in registry.plugins if i.name == "nodes_llm")
    assert info.distribution == "soe-nodes-llm"
    assert info.provides["node type"] == ["llm", "agent"]
    assert info.provides["LLM provider"] == ["fake"]
    assert registry.node_type("llm").needs == registry.node_type("agent").needs == "llm"
