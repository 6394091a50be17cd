"""Built-ins used by agents (resolved by the agent plugin through ``wiring.resolve_tool``).

Spec 03: BUILTIN-26, PATTERN-8 (f); skipped when soe-nodes-llm is not installed.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("soe_nodes_llm")

from soe_core import create_all_nodes, create_in_memory_backends, orchestrate  # noqa: E402


class Script:
    """Answers the agent's router, parameter and response stages in turn."""

    def __init__(self, calls):
        self.calls = list(calls)  # (tool_name, arguments) pairs, then finish
        self.prompts: list[str] = []
        self.pending: list = []

    def __call__(self, prompt, config):
        self.prompts.append(prompt)
        if '"available_tools":' in prompt:
            if self.calls:
                name, args = self.calls.pop(0)
                self.pending.append(args)
                return json.dumps({"action": "call_tool", "tool_name": name})
            return json.dumps({"action": "finish"})
        if '"tool_name":' in prompt:
            return json.dumps(self.pending.pop(0))
        return json.dumps({"result": "done"})


AGENT = """
main:
  Agent:
    node_type: agent
    event_triggers: [START]
    prompt: "Improve the workflow"
    tools: [soe_explore_docs, soe_inject_node, soe_get_workflows]
    output_field: result
    event_emissions: [{signal_name: EVOLVED}]
  Try:
    node_type: router
    event_triggers: [EVOLVED]
    event_emissions: [{signal_name: PING}]
"""


def test_pattern8f_agent_discovers_docs_then_injects_a_node():
    node = {"node_type": "router", "event_triggers": ["PING"],
            "event_emissions": [{"signal_name": "PONG"}]}
    llm = Script([
        ("soe_explore_docs", {"path": "docs/", "action": "list"}),
        ("soe_inject_node", {"workflow_name": "main", "node_name": "Pong",
                             "node_config_data": node}),
    ])
    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends, call_llm=llm, tools_registry={})
    execution_id = orchestrate(AGENT, "main", ["START"], {}, backends, broadcast)
    context = backends.context.get_context(execution_id)
    assert context["__operational__"]["signals"] == ["START", "EVOLVED", "PING", "PONG"]
    listing = [p for p in llm.prompts if '"available_tools":' in p][0]
    assert "soe_explore_docs(path: str, action:" in listing  # registry names (WP-7)
    assert "soe_soe_inject_node" not in listing
    audit = [e["context"] for e in backends.telemetry.get_events(execution_id)
             if e["event_type"] == "builtin_modification"]
    assert audit[0]["actor"]["node_name"] == "Agent"
