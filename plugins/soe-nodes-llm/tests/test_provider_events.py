"""Providers log events on the execution they serve (execution_scope, TEL-1)."""

from __future__ import annotations

from soe_core.telemetry import register_scoped_event

FLOW = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Say something"
    output_field: said
    event_emissions: [{signal_name: SAID}]
  Act:
    node_type: agent
    event_triggers: [SAID]
    prompt: "Act on {{ context.said }}"
    output_field: done
"""


def test_llm_and_agent_calls_run_in_the_execution_scope(run):
    def call_llm(prompt, config):
        register_scoped_event("provider_probe", {"node": config["name"]})
        if '"available_tools":' in prompt:
            return '{"action": "finish"}'
        return '{"said": "hi"}' if config["name"] == "Ask" else '{"done": "yes"}'

    result = run(FLOW, call_llm)
    assert result.context["done"] == ["yes"]
    assert [d["node"] for d in result.data("provider_probe")] == ["Ask", "Act", "Act"]
    assert register_scoped_event("provider_probe", {}) is False  # the scope ended
