"""Whole workflows on the openai provider: the engine's nodes, retries, identities,
history, structured output, telemetry, and ``soe run`` on the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner
from soe_contrib_openai.structured import FORMAT_LABEL
from soe_contrib_openai.testing import Reply

from soe_core.api import Engine
from soe_core.cli import main as soe

SUMMARY = """
wf:
  Summarize:
    node_type: llm
    event_triggers: [START]
    prompt: "Summarize {{ context.text }}"
    output_field: summary
    temperature: 0
    event_emissions: [{signal_name: DONE}]
"""

TWO_TURNS = """
workflows:
  wf:
    First:
      node_type: llm
      event_triggers: [START]
      prompt: "Name a colour"
      output_field: colour
      identity: poet
      event_emissions: [{signal_name: NAMED}]
    Second:
      node_type: llm
      event_triggers: [NAMED]
      prompt: "Write a line about {{ context.colour }}"
      output_field: line
      identity: poet
identities:
  poet: You are a terse poet.
"""

PLAN_AND_SOLVE = """
workflows:
  wf:
    Plan:
      node_type: llm
      event_triggers: [START]
      prompt: "How would you add {{ context.a }} and {{ context.b }}?"
      output_field: plan
      identity: helper
      event_emissions: [{signal_name: PLANNED}]
    Solve:
      node_type: agent
      event_triggers: [PLANNED]
      prompt: "Add {{ context.a }} and {{ context.b }}. Plan: {{ context.plan }}"
      tools: [add]
      output_field: answer
      event_emissions: [{signal_name: SOLVED}]
identities:
  helper: You are a careful assistant.
context_schema:
  plan:
    type: object
    properties:
      steps: {type: list, items: string}
  answer: integer
"""


def engine_for(server, **options) -> Engine:
    options = {"base_url": server.url, "api_key": "test-key", "backoff": 0.001, **options}
    return Engine("memory://", llm="openai:test-model", llm_options=options, tools={"add": add})


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def request_text(body: dict) -> str:
    """The engine's request: the last user message holding the format label."""
    users = [m["content"] for m in body["messages"] if m["role"] == "user"]
    return next(text for text in reversed(users) if FORMAT_LABEL in text)


def events(run, event_type):
    return [e["context"] for e in run.events() if e["event_type"] == event_type]


def test_malformed_answer_is_retried_by_the_llm_node(server):
    """LLM-4, RES-4, RES-5: non-JSON where JSON is expected is retried with feedback."""
    server.push("Sure! Here is my summary: short", '{"summary": "short"}')
    run = engine_for(server).run(SUMMARY, "wf", ["START"], {"text": "a long text"})
    assert run.context["summary"] == "short" and run.signals == ["START", "DONE"]
    first, second = server.requests
    assert first["temperature"] == 0 and first["response_format"]["type"] == "json_schema"
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"] == "Sure! Here is my summary: short"
    assert second["messages"][2]["content"].startswith("Validation failed. Fix these fields:")
    requests = events(run, "llm_request")
    assert len(requests) == 2 and all(r["node_name"] == "Summarize" for r in requests)
    assert run.raw_context["__operational__"]["llm_calls"] == 1  # TEL-2: node runs


def test_identity_is_a_system_message_and_history_real_turns(server):
    """CALL-8a, ID-4, ID-8: the identity is a system message, earlier turns are chat turns."""
    server.push('{"colour": "teal"}', '{"line": "teal tides turn"}')
    run = engine_for(server).run(TWO_TURNS, "wf", ["START"])
    assert run.context == {"colour": "teal", "line": "teal tides turn"}
    first, second = server.requests
    assert first["messages"][0] == {"role": "system", "content": "You are a terse poet."}
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "user"]
    assert second["messages"][1]["content"] == "Name a colour"
    assert second["messages"][2]["content"] == "teal"
    request = request_text(second)
    assert request.startswith('{"prompt":"Write a line about teal"')
    assert '"conversation_history":""' in request  # the turns replace the text form


def test_context_schema_drives_structured_output(server):
    """SCHEMA-8, RES-8: with a context schema the server gets the answer's JSON Schema."""
    server.push('{"steps": ["add"]}', '{"action": "finish"}', "7")
    run = engine_for(server).run(PLAN_AND_SOLVE, "wf", ["START"], {"a": 3, "b": 4})
    plan_request, router_request, answer_request = server.requests
    schema = plan_request["response_format"]["json_schema"]["schema"]
    assert schema["type"] == "object" and "steps" in schema["properties"]
    assert "response_format" in router_request
    assert "response_format" not in answer_request  # a bare integer: asked for in words
    assert run.context["plan"] == {"steps": ["add"]} and run.context["answer"] == 7


def test_llm_and_agent_workflow(server):
    """AGENT-5, AGENT-7, AGENT-9, AGENT-10, TEL-1: a plan, a tool call, an answer, telemetry."""

    def respond(body: dict) -> str:
        text = request_text(body)
        if text.startswith('{"prompt":'):
            return '{"steps": ["call add", "report"]}'
        if '"available_tools":' in text:
            seen = any("[Tool: add]" in m["content"] for m in body["messages"])
            return '{"action": "finish"}' if seen else '{"action": "call_tool", "tool_name": "add"}'
        if '"tool_name":' in text:
            return '{"a": 3, "b": 4}'
        return "7"

    server.responder = respond
    run = engine_for(server).run(PLAN_AND_SOLVE, "wf", ["START"], {"a": 3, "b": 4})
    assert run.signals == ["START", "PLANNED", "SOLVED"]
    assert run.context["answer"] == 7 and run.context["plan"]["steps"][0] == "call add"
    assert len(server.requests) == 5  # plan, router, parameters, router, answer
    requests = events(run, "llm_request")
    assert [r["node_name"] for r in requests] == ["Plan"] + ["Solve"] * 4
    assert all(r["model"] == "test-model" and r["latency_ms"] >= 0 for r in requests)
    assert sum(r["total_tokens"] for r in requests) == run.engine.call_llm.totals.total_tokens > 0
    assert run.raw_context["__operational__"]["llm_calls"] == 2


def test_fallback_without_response_format_in_a_workflow(server):
    server.reject_response_format = True
    server.responder = lambda body: '{"summary": "short"}'
    run = engine_for(server).run(SUMMARY, "wf", ["START"], {"text": "x"})
    assert run.context["summary"] == "short"
    assert [r["structured_output"] for r in events(run, "llm_request")] == [False]
    assert ["response_format" in body for body in server.requests] == [True, False]


def test_provider_failure_takes_the_failure_signal(server):
    """LLM-13, LLM-14: the provider's final error goes to llm_failure_signal; no engine retry."""
    config = SUMMARY.replace(
        "    temperature: 0\n", "    temperature: 0\n    llm_failure_signal: FAILED\n"
    )
    server.responder = lambda body: Reply(status=500, error="overloaded")
    run = engine_for(server, max_retries=1).run(config, "wf", ["START"], {"text": "x"})
    assert run.signals == ["START", "FAILED"]
    (error,) = events(run, "node_error")
    assert "OpenAI API error 500" in error["error"] and "overloaded" in error["error"]
    assert len(server.requests) == 2
    assert "error" in events(run, "llm_request")[0]


def test_soe_run_with_the_openai_provider(server, tmp_path):
    """``soe run --llm openai:MODEL --llm-option base_url=...`` on memory storage."""
    path = tmp_path / "flow.yaml"
    path.write_text(SUMMARY)
    server.push('{"summary": "short"}')
    arguments = [
        "run", str(path), "-w", "wf", "-s", "START", "-c", "text=hello",
        "--store", "memory://", "--llm", "openai:cli-model",
        "--llm-option", f"base_url={server.url}", "--llm-option", "api_key=test-key",
        "--llm-option", "timeout=5", "--json",
    ]
    result = CliRunner().invoke(soe, arguments)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "completed" and report["context"]["summary"] == "short"
    assert server.requests[0]["model"] == "cli-model"


def test_soe_run_without_a_key_names_the_variable(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text(SUMMARY)
    arguments = ["run", str(path), "-w", "wf", "-s", "START", "--store", "memory://",
                 "--llm", "openai:gpt-4o-mini"]
    result = CliRunner().invoke(soe, arguments)
    assert result.exit_code != 0
    assert "OPENAI_API_KEY" in str(result.exception) + result.output
