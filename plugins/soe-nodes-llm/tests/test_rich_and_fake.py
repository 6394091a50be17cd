"""The richer provider interface (CALL-8, CALL-8a) and the ``fake`` provider."""

from __future__ import annotations

import time

import pytest
from soe_nodes_llm import FakeLlm, RichLlm
from soe_nodes_llm.fake import instance
from soe_nodes_llm.testing import ScriptedLlm

from soe_core.llm import get_llm

CONFIG = """
workflows:
  wf:
    Ask:
      node_type: llm
      event_triggers: [START]
      prompt: "Classify {{ context.text }}"
      output_field: label
      identity: analyst
      event_emissions:
        - {signal_name: GOOD, condition: "the text is good"}
        - {signal_name: BAD}
identities:
  analyst: You are an analyst.
"""


class Chat:
    """A rich provider: records what it gets, answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[tuple[list, dict, dict]] = []
        self.plain_calls = 0

    def call_llm(self, prompt, config):
        self.plain_calls += 1
        return '{"label": "plain"}'

    __call__ = call_llm

    def complete(self, messages, schema, config):
        self.requests.append((messages, schema, config))
        return self.answers[min(len(self.requests), len(self.answers)) - 1]


def test_call_8a_rich_provider_gets_messages_and_schema(run):
    chat = Chat('{"label": "pos", "selected_signals": ["GOOD"]}')
    assert isinstance(chat, RichLlm)
    result = run(CONFIG, chat, context={"text": "nice"})
    assert chat.plain_calls == 0
    (messages, schema, config), = chat.requests
    assert messages[0] == {"role": "system", "content": "You are an analyst."}
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"].startswith(
        '{"prompt":"Classify nice","context":"{\\n  \\"text\\": \\"nice\\"\\n}",'
        '"conversation_history":""}\n\nRespond ONLY'
    )
    assert schema["title"] == "LabelResponse"
    assert schema["properties"]["selected_signals"]["items"]["enum"] == ["GOOD", "BAD"]
    assert config["name"] == "Ask" and "prompt" in config
    assert result.context["label"] == ["pos"]
    assert result.signals == ["START", "GOOD"]


def test_call_8a_same_outcome_as_plain_and_history_as_turns(run):
    answers = ('not json', '{"label": "pos", "selected_signals": ["GOOD"]}')
    chat_run = run(CONFIG, Chat(*answers), context={"text": "nice"})
    plain_run = run(CONFIG, ScriptedLlm(*answers), context={"text": "nice"})
    assert chat_run.signals == plain_run.signals
    assert chat_run.context["label"] == plain_run.context["label"]
    assert chat_run.history() == plain_run.history()


def test_call_8a_retry_messages_and_history_turns(run):
    chat = Chat("bad one", "bad two", '{"label": "x"}')
    run(CONFIG, chat, context={"text": "t"})
    messages = chat.requests[2][0]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "bad two"  # only the last failure
    assert messages[3]["content"].startswith("Validation failed. Fix these fields:")
    # a second run of the node sees the first turn as real messages
    chat = Chat('{"label": "a"}', '{"label": "b"}')
    first = run(CONFIG, chat, context={"text": "t"})
    first.nodes.broadcast_caller(first.execution_id, ["START"])
    messages = chat.requests[1][0]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "Classify t"
    assert messages[2]["content"] == "a"


def test_call_8_plain_callable_still_gets_the_envelope(run):
    llm = ScriptedLlm('{"label": "x"}')
    run(CONFIG, llm, context={"text": "t"})
    assert llm.prompts[0].startswith('{"prompt":"Classify t"')
    assert '"conversation_history":"[system]: You are an analyst."' in llm.prompts[0]


# -- the fake provider -------------------------------------------------------------


def test_fake_is_registered_and_rich():
    llm = get_llm("fake:demo", latency=0)
    assert isinstance(llm, FakeLlm) and isinstance(llm, RichLlm)
    assert llm.model == "demo"
    assert get_llm("fake").model == "fake"


def test_fake_picks_the_first_offered_signal_and_valid_values(run):
    fake = FakeLlm()
    result = run(CONFIG, fake, context={"text": "t"})
    assert result.signals == ["START", "GOOD"]
    assert result.context["label"] == ["fake"]
    assert len(fake.calls) == 1


def test_fake_signal_and_output_from_node_config(run):
    config = CONFIG.replace("identity: analyst", "fake_signal: BAD\n      fake_output: {n: 1}")
    result = run(config, FakeLlm(), context={"text": "t"})
    assert result.signals == ["START", "BAD"]
    assert result.context["label"] == [{"n": 1}]


def test_fake_unknown_signal_exercises_the_failure_path(run):
    config = CONFIG.replace(
        "identity: analyst", "fake_signal: NOPE\n      retries: 1\n      llm_failure_signal: F"
    )
    fake = FakeLlm()
    result = run(config, fake, context={"text": "t"})
    assert result.signals == ["START", "F"]
    assert len(fake.calls) == 2


def test_fake_answers_schema_valid_values_for_context_schemas(run):
    config = {
        "workflows": {"wf": {
            "A": {"node_type": "llm", "event_triggers": ["START"], "prompt": "p",
                  "output_field": "person", "event_emissions": [{"signal_name": "NEXT"}]},
            "B": {"node_type": "llm", "event_triggers": ["NEXT"], "prompt": "q",
                  "output_field": "scores"},
        }},
        "context_schema": {
            "person": {"type": "object", "properties": {
                "name": "string", "age": "integer", "ok": "boolean",
                "nick": {"type": "string", "required": False},
                "pets": {"type": "list", "items": {"type": "object",
                                                   "properties": {"kind": "string"}}},
            }},
            "scores": {"type": "list", "items": "number"},
        },
    }
    result = run(config, FakeLlm())
    assert result.context["person"] == [
        {"name": "fake", "age": 1, "ok": True, "nick": None, "pets": [{"kind": "fake"}]}
    ]
    assert result.context["scores"] == [[1.0]]


def test_fake_agent_calls_listed_tools_once_then_finishes(run):
    calls = []

    def lookup(query: str, limit: int = 3) -> str:
        calls.append((query, limit))
        return f"found {query}"

    config = """
wf:
  Agent:
    node_type: agent
    event_triggers: [START]
    prompt: "Find things"
    tools: [lookup]
    fake_tools: [lookup]
    fake_tool_args: {lookup: {query: cats}}
    output_field: answer
"""
    fake = FakeLlm()
    result = run(config, fake, tools={"lookup": lookup})
    assert calls == [("cats", 3)]
    assert result.context["answer"] == ["fake"]
    assert len(fake.calls) == 4  # router, parameters, router, response


def test_fake_latency_option():
    fake = get_llm("fake", latency=0.05)
    started = time.perf_counter()
    fake('{"prompt":"x"}', {})
    assert time.perf_counter() - started >= 0.05


@pytest.mark.parametrize(
    ("json_schema", "value"),
    [
        ({"type": "string"}, "fake"),
        ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, 1),
        ({"enum": ["b", "a"]}, "b"),
        ({"const": 3}, 3),
        ({"type": "array"}, []),
        ({}, "fake"),
    ],
)
def test_fake_instance_rules(json_schema, value):
    assert instance(json_schema, {}) == value


def test_fake_without_schema_answers_output_text():
    assert FakeLlm()("free text prompt", {}) == '"fake"'
