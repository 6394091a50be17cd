"""The agent node: AGENT-1..18, CALL-9, COMPAT-1, COMPAT-4, WEAK-1, WEAK-2, WEAK-5, WEAK-7, WEAK-10,
WEAK-13, WEAK-14."""

from __future__ import annotations

import json

import pytest
from soe_nodes_llm import AgentToolNotFoundError
from soe_nodes_llm.testing import ScriptedLlm
from soe_nodes_llm.testing import request_record as record
from soe_nodes_llm.testing import request_schema as schema

from soe_core import ToolPack, hookimpl
from soe_core.registrations import Tool
from soe_core.store import contexts


class AgentScript:
    """A stub that tells the stages apart the way users' stubs do (COMPAT-1)."""

    def __init__(self, router, params=('{"a": 2, "b": 3}',), response=('{"result": "done"}',)):
        self.stages = {"router": list(router), "params": list(params), "response": list(response)}
        self.prompts: dict[str, list[str]] = {"router": [], "params": [], "response": []}
        self.order: list[str] = []

    def __call__(self, prompt: str, config: dict) -> str:
        if '"available_tools":' in prompt:
            stage = "router"
        elif '"tool_name":' in prompt:
            stage = "params"
        else:
            stage = "response"
        self.order.append(stage)
        prompts = self.prompts[stage]
        prompts.append(prompt)
        answers = self.stages[stage]
        answer = answers[min(len(prompts), len(answers)) - 1]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    @property
    def calls(self) -> int:
        return len(self.order)


CALL = '{"action": "call_tool", "tool_name": "calculator"}'
FINISH = '{"action": "finish"}'


def calculator(a: int, b: int = 0) -> int:
    """Add two integers.

    Returns the sum."""
    return a + b


def _config(tools="[calculator]", extra="", emissions="[{signal_name: DONE}]"):
    return f"""
wf:
  Agent:
    node_type: agent
    event_triggers: [START]
    prompt: "Compute {{{{ context.question }}}}"
    tools: {tools}
    output_field: result
    event_emissions: {emissions}
{extra}"""


TOOLS = {"calculator": calculator}


def test_agent_5_to_9_happy_path(run):
    llm = AgentScript([CALL, FINISH], ['{"a": 2, "b": 3}'], ['{"result": "5"}'])
    result = run(_config(), llm, context={"question": "2+3"}, tools=TOOLS)
    assert llm.order == ["router", "params", "router", "response"]  # CALL-9
    assert result.context["result"] == ["5"]
    assert result.signals == ["START", "DONE"]
    assert result.data("llm_call") == [{"stage": "router"}]
    assert result.operational["llm_calls"] == 1  # once per run (TEL-2)
    assert result.operational["tool_calls"] == 1
    assert result.data("agent_tools_loaded") == [
        {"node_name": "Agent", "agent_tools": ["calculator"], "registry_tools": ["calculator"]}
    ]
    assert result.data("agent_tool_call") == [
        {"node_name": "Agent", "tool_name": "calculator", "tool_args": {"a": 2, "b": 3}}
    ]
    assert result.data("agent_tool_result") == [
        {"node_name": "Agent", "tool_name": "calculator", "result_preview": "5",
         "result_length": 1}
    ]
    router = record(llm.prompts["router"][0])
    assert list(router) == [
        "instructions", "task_description", "context", "available_tools", "conversation_history"
    ]
    assert router["task_description"] == "Compute 2+3"
    assert router["context"] == '{\n  "question": "2+3"\n}'
    assert router["conversation_history"] == ""
    params = record(llm.prompts["params"][0])
    assert list(params) == ["task_description", "context", "tool_name", "conversation_history"]
    assert params["tool_name"] == "calculator"
    assert '"tool_name":"calculator"' in llm.prompts["params"][0]
    assert schema(llm.prompts["params"][0]) == {
        "properties": {"a": {"title": "A", "type": "integer"},
                       "b": {"default": 0, "title": "B", "type": "integer"}},
        "required": ["a"], "title": "calculatorSchema", "type": "object",
    }
    final = record(llm.prompts["response"][0])
    assert list(final) == ["task_description", "context", "conversation_history"]
    assert final["conversation_history"] == "[Tool: calculator]\n5"


def test_agent_4_tool_descriptions(run):
    def lookup(name: str, limit=None):
        return name

    llm = AgentScript([FINISH])
    run(_config(tools="[calculator, lookup]"), llm, tools={"calculator": calculator,
                                                           "lookup": lookup})
    assert record(llm.prompts["router"][0])["available_tools"] == (
        "calculator(a: int, b: int)\n  Add two integers.\n\nReturns the sum.\n\n"
        "lookup(name: str, limit: Any)\n  No description"
    )


def test_agent_6_context_is_braces_when_nothing_is_referenced(run):
    llm = AgentScript([FINISH])
    run(_config().replace("{{ context.question }}", "now"), llm, tools=TOOLS)
    assert record(llm.prompts["router"][0])["context"] == "{}"


def test_agent_7_invalid_router_answers_are_retried_in_the_stage(run):
    llm = AgentScript(['{"action": "dance"}', "nonsense", FINISH])
    result = run(_config(), llm, tools=TOOLS)
    assert llm.order == ["router"] * 3 + ["response"]
    assert "Previous response: nonsense" in llm.prompts["router"][2]
    assert result.signals == ["START", "DONE"]


def test_agent_7_one_answer_can_serve_router_and_response(run):
    both = '{"action": "finish", "result": "42"}'
    result = run(_config(), ScriptedLlm(both), tools=TOOLS)
    assert result.context["result"] == ["42"]


def test_agent_8_router_headings_follow_the_run(run):
    def flaky(a: int, b: int = 0) -> int:
        flaky.calls += 1
        if flaky.calls == 1:
            raise RuntimeError("first call fails")
        return a

    flaky.calls = 0
    llm = AgentScript([CALL, '{"action": "call_tool", "tool_name": "nope"}', CALL, FINISH])
    run(_config(extra="    retries: 5\n"), llm, tools={"calculator": flaky})
    headings = [record(p)["instructions"].split("\n\n")[1].split("\n")[0]
                for p in llm.prompts["router"]]
    assert headings == [
        "INITIAL EXECUTION:", "TOOL ERROR OCCURRED:", "RETRY NEEDED:", "TOOL RESPONSE RECEIVED:"
    ]
    first_line = record(llm.prompts["router"][0])["instructions"].split("\n")[0]
    assert "'call_tool'" in first_line and "'finish'" in first_line


def test_agent_10_unknown_tool_and_tool_errors(run):
    def boom(a: int) -> int:
        raise ValueError("bad input")

    llm = AgentScript(
        ['{"action": "call_tool", "tool_name": "nope"}', '{"action": "call_tool"}',
         '{"action": "call_tool", "tool_name": "boom"}', FINISH],
        ['{"a": 1}'],
    )
    result = run(_config(tools="[boom]", extra="    retries: 5\n"), llm, tools={"boom": boom})
    assert result.data("agent_tool_not_found") == [
        {"node_name": "Agent", "tool_name": "nope", "available_tools": ["boom"]},
        {"node_name": "Agent", "tool_name": None, "available_tools": ["boom"]},
    ]
    history = record(llm.prompts["response"][0])["conversation_history"]
    assert history == (
        "[System Error]\nTool 'nope' not found or not available.\n\n"
        "[System Error]\nTool 'None' not found or not available.\n\n"
        "[Tool Error: boom]\nError executing boom: bad input"
    )
    assert result.operational["tool_calls"] == 1
    assert result.operational["errors"] == 0  # no node_error for tool errors


def test_agent_10_parameter_stage_failures_become_tool_errors(run):
    llm = AgentScript([CALL, CALL, FINISH], ["no", "no", "no", RuntimeError("provider down")])
    result = run(_config(extra="    retries: 2\n    max_tool_errors: 3\n"), llm, tools=TOOLS)
    history = record(llm.prompts["response"][0])["conversation_history"]
    assert "[Tool Error: calculator]\nError executing calculator: Max retries (2) exceeded." \
        in history
    assert history.endswith("Error executing calculator: provider down")
    assert result.signals == ["START", "DONE"]


def test_agent_10_tool_max_retries_and_long_results(run):
    attempts = []

    def long(a: int) -> str:
        attempts.append(a)
        if len(attempts) < 3:
            raise RuntimeError("try again")
        return "x" * 1500

    llm = AgentScript(['{"action": "call_tool", "tool_name": "long"}', FINISH], ['{"a": 1}'])
    result = run(_config(tools="[long]"), llm,
                 tools={"long": {"function": long, "max_retries": 2}})
    assert len(attempts) == 3
    (event,) = result.data("agent_tool_result")
    assert event["result_preview"] == "x" * 1000 + "..."
    assert event["result_length"] == 1500
    assert record(llm.prompts["response"][0])["conversation_history"].endswith("x" * 1500)


def test_weak_28_tool_results_can_be_capped(run):
    def long(a: int) -> str:
        return "y" * 300

    llm = AgentScript(['{"action": "call_tool", "tool_name": "long"}', FINISH], ['{"a": 1}'])
    result = run(_config(tools="[long]", extra="    max_tool_result_chars: 100\n"), llm,
                 tools={"long": long})
    history = record(llm.prompts["response"][0])["conversation_history"]
    assert history == "[Tool: long]\n" + "y" * 100 + "\n... [truncated: 200 more characters]"
    assert result.data("agent_tool_result")[0]["result_length"] == 300


def test_agent_12_and_13_error_budget(run):
    llm = AgentScript(['{"action": "call_tool", "tool_name": "nope"}'])
    with pytest.raises(RuntimeError) as info:
        run(_config(extra="    retries: 2\n"), llm, tools=TOOLS)
    assert str(info.value) == (
        "Agent execution exceeded max retries (2). Last error: Tool 'nope' not found or "
        "not available."
    )
    assert llm.order == ["router", "router"]
    result = run(_config(extra="    retries: 2\n    llm_failure_signal: GAVE_UP\n"),
                 AgentScript(['{"action": "call_tool", "tool_name": "nope"}']), tools=TOOLS)
    assert result.signals == ["START", "GAVE_UP"]
    (error,) = result.data("node_error")
    assert error["node_type"] == "agent" and "exceeded max retries" in error["error"]


def test_agent_12_retries_zero_makes_no_call(run):
    llm = AgentScript([FINISH])
    result = run(_config(extra="    retries: 0\n    llm_failure_signal: FAILED\n"), llm,
                 tools=TOOLS)
    assert llm.calls == 0
    assert result.signals == ["START", "FAILED"]
    assert result.data("node_error")[0]["error"] == "Agent execution exceeded max retries (0)."
    assert result.operational["llm_calls"] == 1


def test_agent_12_max_tool_errors_separates_budget_from_parse_retries(run):
    llm = AgentScript([FINISH])
    result = run(_config(extra="    retries: 0\n    max_tool_errors: 1\n"), llm, tools=TOOLS)
    assert result.signals == ["START", "DONE"]


def test_weak_1_iteration_cap(run):
    llm = AgentScript([CALL])  # a working tool, forever
    with pytest.raises(RuntimeError, match=r"exceeded max iterations \(4\)"):
        run(_config(extra="    max_iterations: 4\n"), llm, tools=TOOLS)
    assert llm.order.count("router") == 4
    llm = AgentScript([CALL])
    result = run(_config(extra="    llm_failure_signal: LOOPED\n"), llm, tools=TOOLS)
    assert result.signals == ["START", "LOOPED"]
    assert llm.order.count("router") == 50  # the documented default


def test_weak_2_router_and_response_exhaustion_honour_failure_signal(run):
    extra = "    retries: 1\n    llm_failure_signal: FAILED\n"
    result = run(_config(extra=extra), AgentScript(["garbage"]), tools=TOOLS)
    assert result.signals == ["START", "FAILED"]
    assert result.data("node_error")[0]["error"].startswith("Max retries (1) exceeded.")
    result = run(_config(extra=extra), AgentScript([FINISH], response=['{"x": 1}']), tools=TOOLS)
    assert result.signals == ["START", "FAILED"]
    result = run(_config(extra=extra), AgentScript([RuntimeError("down")]), tools=TOOLS)
    assert result.signals == ["START", "FAILED"]
    with pytest.raises(RuntimeError, match="Max retries"):
        run(_config(extra="    retries: 1\n"), AgentScript(["garbage"]), tools=TOOLS)


def test_agent_16_only_listed_tools_can_be_called(run):
    secret_calls = []

    def secret() -> str:
        secret_calls.append(1)
        return "leaked"

    llm = AgentScript(['{"action": "call_tool", "tool_name": "secret"}', FINISH])
    result = run(_config(), llm, tools={"calculator": calculator, "secret": secret})
    assert secret_calls == []
    assert result.data("agent_tool_not_found")[0]["available_tools"] == ["calculator"]


def test_core_95_function_names_and_registry_keys_both_work(run):
    # listed by registry key, answered by function name
    llm = AgentScript(['{"action": "call_tool", "tool_name": "calculator"}', FINISH])
    result = run(_config(tools="[calc]"), llm, tools={"calc": calculator})
    assert result.data("agent_tool_call")[0]["tool_name"] == "calc"
    assert record(llm.prompts["router"][0])["available_tools"].startswith("calc(a: int")
    # listed by function name (the reference's keying), registry key differs
    llm = AgentScript([CALL, FINISH])
    result = run(_config(tools="[calculator]"), llm, tools={"add": calculator})
    assert result.data("agent_tool_result")[0]["result_preview"] == "5"


def test_agent_3_unknown_listed_tool_raises(run):
    with pytest.raises(AgentToolNotFoundError) as info:
        run(_config(tools="[missing]"), AgentScript([FINISH]), tools=TOOLS)
    assert isinstance(info.value, ValueError)
    assert "Tool 'missing' not found in registry or builtins" in str(info.value)


def test_agent_15_builtin_tools_resolve_per_execution(run, soe_plugins):
    bound = []

    def factory(execution_id, backends, tools_registry):
        def soe_test_note(text: str) -> str:
            """Write a note into the running execution."""
            bound.append(execution_id)
            contexts(backends).write_field(execution_id, "note", text)
            return "noted"

        return soe_test_note

    class Pack:
        @hookimpl
        def soe_tools(self):
            tool = Tool(name="soe_test_note", factory=factory)
            return [ToolPack(name="test-pack", tools=(tool,), builtin=True)]

    soe_plugins(Pack())
    config = _config(tools="[soe_test_note]").replace(
        "Compute {{ context.question }}", "Note {{ context.note }}"
    )
    llm = AgentScript(['{"action": "call_tool", "tool_name": "soe_test_note"}', FINISH],
                      ['{"text": "hello"}'])
    first = run(config, llm, context={"note": "none yet"})
    second = run(config, AgentScript(['{"action": "call_tool", "tool_name": "soe_test_note"}',
                                      FINISH], ['{"text": "again"}']))
    assert bound == [first.execution_id, second.execution_id]  # WEAK-6
    assert first.context["note"] == ["none yet", "hello"]
    # WEAK-13: the next router call sees the context the tool changed
    assert record(llm.prompts["router"][1])["task_description"] == "Note hello"


def test_weak_14_a_second_agent_starts_fresh(run):
    config = _config(extra="    identity: bot\n") + """
  Second:
    node_type: agent
    event_triggers: [DONE]
    prompt: "Again"
    tools: [calculator]
    identity: bot
"""
    llm = AgentScript([CALL, FINISH, FINISH], response=['{"result": "r"}', '{"output": "o"}'])
    result = run(config, llm, tools=TOOLS)
    second_router = record(llm.prompts["router"][2])
    assert "INITIAL EXECUTION:" in second_router["instructions"]
    assert second_router["conversation_history"] == "[Tool: calculator]\n5"  # shared history
    assert result.history() == [{"role": "tool", "tool_name": "calculator", "content": "5"}]


def test_agent_18_identity_history_and_persistence(run):
    config = {"workflows": json.loads(json.dumps({"wf": {
        "Agent": {"node_type": "agent", "event_triggers": ["START"], "prompt": "Go",
                  "tools": ["calculator"], "identity": "analyst", "output_field": "result"}}})),
              "identities": {"analyst": "You are an analyst."}}
    llm = AgentScript([CALL, FINISH])
    result = run(config, llm, tools=TOOLS)
    first = record(llm.prompts["router"][0])["conversation_history"]
    assert first == "You are an analyst."  # HIST-6: no label for system entries
    assert result.history() == [
        {"role": "system", "content": "You are an analyst."},
        {"role": "tool", "tool_name": "calculator", "content": "5"},
    ]  # HIST-4: each entry stored once; AGENT-9: no user/assistant turn


def test_agent_17_public_types_importable():
    from soe import AgentRequest, AgentResponse

    assert AgentResponse().emitted_signals == []
    assert AgentRequest(agent_id="a", prompt="p", agent_config={}).tool_responses == {}


def test_compat_4_substrings(run):
    with pytest.raises(RuntimeError, match="exceeded max retries"):
        run(_config(extra="    retries: 1\n"),
            AgentScript(['{"action": "call_tool", "tool_name": "x"}']), tools=TOOLS)
