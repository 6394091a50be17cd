"""The llm node through the public API.

CALL-1..4, CALL-7, CALL-9, LLM-3..14, TEL-1, TEL-2, WEAK-3.
"""

from __future__ import annotations

import pytest
from soe import create_all_nodes, orchestrate
from soe_nodes_llm.testing import ScriptedLlm
from soe_nodes_llm.testing import request_record as record

from soe_core import create_in_memory_backends
from soe_core.errors import NodeTypeNotWiredError

ONE = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Summarize {{ context.text }}"
    output_field: summary
    model: gpt-4o
    temperature: 0.2
    event_emissions: [{signal_name: DONE}]
"""

FAILING = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Summarize"
    output_field: summary
    retries: 1
    llm_failure_signal: FAILED
    event_emissions: [{signal_name: DONE}]
"""


def test_call_1_to_4_positional_call_with_node_config_and_name(run):
    received = []

    def call_llm(text, cfg):  # parameter names are irrelevant (CALL-2)
        received.append((text, cfg))
        return '{"summary": "short"}'

    result = run(ONE, call_llm, context={"text": "hello"})
    assert result.context["summary"] == ["short"]
    (prompt, config), = received
    assert isinstance(prompt, str) and prompt.startswith('{"prompt":"Summarize hello"')
    assert config == {
        "node_type": "llm",
        "event_triggers": ["START"],
        "prompt": "Summarize {{ context.text }}",  # raw template
        "output_field": "summary",
        "model": "gpt-4o",
        "temperature": 0.2,
        "event_emissions": [{"signal_name": "DONE"}],
        "name": "Ask",
    }


def test_call_7_llm_types_need_call_llm():
    backends = create_in_memory_backends()
    nodes, caller = create_all_nodes(backends)
    assert "llm" not in nodes and "agent" not in nodes
    with pytest.raises(NodeTypeNotWiredError, match="without call_llm") as info:
        orchestrate(ONE, "wf", ["START"], {}, backends, caller)
    assert isinstance(info.value, KeyError)
    nodes, _ = create_all_nodes(backends, call_llm=ScriptedLlm())
    assert {"llm", "agent"} <= set(nodes)


def test_llm_3_and_llm_4_events_in_order_and_counters(run):
    llm = ScriptedLlm("bad", "worse", '{"summary": "s"}')
    result = run(ONE, llm, context={"text": "hello"})
    kinds = [e["event_type"] for e in result.events()]
    start = kinds.index("node_execution")
    assert kinds[start:start + 3] == ["node_execution", "llm_call", "signals_broadcast"]
    assert result.data("llm_call") == [{"identity": None}]
    assert result.operational["llm_calls"] == 1  # LLM-4, TEL-2: node runs, not requests
    assert llm.calls == 3
    assert result.signals == ["START", "DONE"]


def test_llm_3_render_warnings_are_reported(run):
    config = ONE.replace("{{ context.text }}", "{{ context.text }} {{ context.gone }}")
    result = run(config, ScriptedLlm('{"summary": "s"}'), context={"text": ""})
    (warning,) = result.data("context_warning")
    assert warning == {"warnings": [
        "Context field 'text' is empty string",
        "Context field 'gone' referenced in prompt but not found in context",
    ]}


def test_llm_5_render_error_keeps_the_raw_template(run):
    config = ONE.replace('"Summarize {{ context.text }}"', '"Sum {{ context.text | nofilter }}"')
    llm = ScriptedLlm('{"summary": "s"}')
    result = run(config, llm, context={"text": "x"})
    assert record(llm.prompts[0])["prompt"] == "Sum {{ context.text | nofilter }}"
    assert "Template rendering error" in result.data("context_warning")[0]["warnings"][-1] or \
        "Jinja syntax error" in result.data("context_warning")[0]["warnings"][-1]


def test_llm_8_without_output_field_output_key_is_required(run):
    config = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Hello"
    identity: helper
"""
    llm = ScriptedLlm('{"summary": "wrong key"}', '{"output": "hi there"}')
    result = run(config, llm)
    assert llm.calls == 2
    assert set(result.context) == {"__operational__"}
    assert result.history()[-1] == {"role": "assistant", "content": "hi there"}


def test_llm_9_objects_are_stored_as_parsed_and_usable_downstream(run):
    config = """
wf:
  Review:
    node_type: llm
    event_triggers: [START]
    prompt: "Review"
    output_field: review
    event_emissions: [{signal_name: REVIEWED}]
  Check:
    node_type: router
    event_triggers: [REVIEWED]
    event_emissions:
      - signal_name: REVISE
        condition: "{{ context.review.needs_revision }}"
"""
    result = run(config, ScriptedLlm('{"review": {"needs_revision": true, "notes": [1, 2]}}'))
    assert result.context["review"] == [{"needs_revision": True, "notes": [1, 2]}]
    assert type(result.context["review"][0]) is dict
    assert result.signals == ["START", "REVIEWED", "REVISE"]


def test_llm_12_and_weak_4_outputs_are_stored_once_per_run(run):
    """Conditions run after the output is saved and see it as the current value."""
    config = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START, AGAIN]
    prompt: "Count"
    output_field: n
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ context.n | accumulated | length < 4 }}"
"""
    result = run(config, ScriptedLlm('{"n": 1}', '{"n": 2}', '{"n": 3}'), context={"n": 0})
    assert result.context["n"] == [0, 1, 2, 3]


def test_llm_3_falsy_values_are_stored_and_none_is_not(run):
    for answer, stored in (('""', [""]), ("0", [0]), ("false", [False]), ("[]", [[]])):
        result = run(ONE, ScriptedLlm(f'{{"summary": {answer}}}'))
        assert result.context["summary"] == stored
    result = run(ONE, ScriptedLlm('{"summary": null}'))
    assert "summary" not in result.context
    assert result.signals == ["START", "DONE"]


@pytest.mark.parametrize(
    "answer",
    [
        "I cannot answer that.",  # not JSON
        '{"summary": "x", "selected_signals": ["NOPE"]}',  # unknown signal (with selection)
        '{"wrong": 1}',  # wrong shape
        "",  # empty
    ],
)
def test_llm_13_malformed_answers_retry_then_failure_signal(run, answer):
    config = FAILING.replace(
        "event_emissions: [{signal_name: DONE}]",
        "event_emissions: [{signal_name: DONE}, {signal_name: OTHER}]",
    )
    llm = ScriptedLlm(answer)
    result = run(config, llm)
    assert llm.calls == 2  # retries: 1
    assert result.signals == ["START", "FAILED"]
    (error,) = result.data("node_error")
    assert error["node_type"] == "llm"
    assert error["error"].startswith("Max retries (1) exceeded. Last error: ")
    assert result.operational["errors"] == 1
    assert "summary" not in result.context  # nothing written on failure


def test_llm_14_without_failure_signal_raises_runtime_error(run):
    config = FAILING.replace("    llm_failure_signal: FAILED\n", "")
    with pytest.raises(RuntimeError, match="Max retries") as info:
        run(config, ScriptedLlm("nope"))
    assert type(info.value) is RuntimeError


def test_llm_13_call_llm_exception_is_a_failure(run):
    llm = ScriptedLlm(ValueError("provider down"))
    result = run(FAILING, llm)
    assert llm.calls == 1  # CALL-6
    assert result.signals == ["START", "FAILED"]
    assert result.data("node_error") == [{"node_type": "llm", "error": "provider down"}]
    with pytest.raises(RuntimeError, match="provider down"):
        run(FAILING.replace("    llm_failure_signal: FAILED\n", ""), llm)


def test_weak_3_downstream_failures_are_not_blamed_on_the_emitter(run):
    config = """
wf:
  A:
    node_type: llm
    event_triggers: [START]
    prompt: "A"
    output_field: a
    llm_failure_signal: A_FAILED
    event_emissions: [{signal_name: DONE}]
  B:
    node_type: llm
    event_triggers: [DONE]
    prompt: "B"
    output_field: b
    retries: 0
"""

    def answer(prompt, config):
        return '{"a": 1}' if config["name"] == "A" else "garbage"

    backends = create_in_memory_backends()
    with pytest.raises(RuntimeError, match="Max retries") as info:
        run(config, ScriptedLlm(answer), backends=backends)
    context = backends.context.get_context(info.value.execution_id)
    assert context["__operational__"]["signals"] == ["START", "DONE"]  # no A_FAILED
    assert context["__operational__"]["errors"] == 1


def test_call_9_one_call_per_llm_run(run):
    llm = ScriptedLlm('{"summary": "s"}')
    run(ONE, llm)
    assert llm.calls == 1


def test_call_5_dict_answer_is_accepted(run):
    result = run(ONE, ScriptedLlm(lambda prompt, config: {"summary": "from dict"}))
    assert result.context["summary"] == ["from dict"]
