"""Signals after a successful llm/agent answer: SIG-1..7, CORE-46, WEAK-20, WEAK-25, WEAK-27."""

from __future__ import annotations

import pytest
from soe_nodes_llm.outcome import is_jinja, signal_options
from soe_nodes_llm.testing import ScriptedLlm
from soe_nodes_llm.testing import request_schema as schema

HEAD = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Classify {{ context.text }}"
    output_field: result
"""


def _config(emissions: str) -> str:
    return HEAD + "    event_emissions:\n" + emissions if emissions else HEAD


def _broadcasts(result) -> list[list[str]]:
    return [e["context"]["signals"] for e in result.events("signals_broadcast")]


def test_sig_1_jinja_detection():
    assert is_jinja("{{ context.x }}")
    assert is_jinja("{{ context.x\n and context.y }}")  # WEAK-20: across lines
    assert is_jinja("{% if context.x %}yes{% endif %}")  # WEAK-20: statements count
    assert not is_jinja("the text is positive")
    assert not is_jinja(None) and not is_jinja("")


def test_sig_2_no_emissions_emit_nothing(run):
    llm = ScriptedLlm('{"result": "x"}')
    result = run(_config(""), llm)
    assert result.signals == ["START"]
    assert "selected_signals" not in schema(llm.prompts[0])["properties"]


def test_sig_5_single_emission_is_unconditional(run):
    llm = ScriptedLlm('{"result": "x"}')
    result = run(_config("      - {signal_name: DONE, condition: 'only if happy'}\n"), llm)
    assert result.signals == ["START", "DONE"]
    assert "selected_signals" not in schema(llm.prompts[0])["properties"]


SELECTION = (
    "      - {signal_name: POSITIVE, condition: 'the text is positive'}\n"
    "      - {signal_name: NEGATIVE, condition: 'the text is negative'}\n"
    "      - {signal_name: AUDIT}\n"
)


def test_sig_3_and_sig_7_selection_offered_and_broadcast_in_one_call(run):
    llm = ScriptedLlm('{"result": "x", "selected_signals": ["AUDIT", "POSITIVE"]}')
    result = run(_config(SELECTION), llm)
    selected = schema(llm.prompts[0])["properties"]["selected_signals"]
    assert selected["items"]["enum"] == ["POSITIVE", "NEGATIVE", "AUDIT"]
    assert selected["description"].endswith(
        "- POSITIVE: the text is positive\n- NEGATIVE: the text is negative\n- AUDIT"
    )
    assert result.signals == ["START", "AUDIT", "POSITIVE"]  # the model's order
    assert _broadcasts(result) == [["START"], ["AUDIT", "POSITIVE"]]


def test_sig_3_selection_without_any_condition(run):
    emissions = "      - {signal_name: A}\n      - {signal_name: B}\n"
    llm = ScriptedLlm('{"result": "x", "selected_signals": ["B"]}')
    assert run(_config(emissions), llm).signals == ["START", "B"]


def test_sig_3_empty_selection_emits_nothing_and_warns(run):
    result = run(_config(SELECTION), ScriptedLlm('{"result": "x", "selected_signals": []}'))
    assert result.signals == ["START"]
    assert result.operational["errors"] == 0
    warnings = [w for w in result.data("context_warning") if "message" in w]
    assert warnings == [{"node_name": "Ask", "message": "the model selected no signal to emit"}]
    result = run(_config(SELECTION), ScriptedLlm('{"result": "x"}'))  # default []
    assert result.signals == ["START"]


def test_weak_27_duplicate_selection_is_emitted_once(run):
    llm = ScriptedLlm('{"result": "x", "selected_signals": ["AUDIT", "AUDIT", "POSITIVE"]}')
    assert run(_config(SELECTION), llm).signals == ["START", "AUDIT", "POSITIVE"]


def test_sig_3_unknown_signal_is_invalid_and_retried(run):
    llm = ScriptedLlm('{"result": "x", "selected_signals": ["MAYBE"]}',
                      '{"result": "x", "selected_signals": ["NEGATIVE"]}')
    result = run(_config(SELECTION), llm)
    assert llm.calls == 2
    assert "selected_signals.0: Input should be 'POSITIVE', 'NEGATIVE' or 'AUDIT'" in llm.prompts[1]
    assert result.signals == ["START", "NEGATIVE"]


def test_sig_4_and_sig_6_jinja_conditions_see_the_new_output(run):
    emissions = (
        "      - {signal_name: SUCCESS, condition: \"{{ 'SUCCESS' in context.result }}\"}\n"
        "      - {signal_name: FAILURE, condition: \"{{ 'FAIL' in context.result }}\"}\n"
        "      - {signal_name: ALWAYS}\n"
        "      - {signal_name: PLAIN, condition: 'plain text always passes'}\n"
        "      - {signal_name: BROKEN, condition: '{{ context.result | nofilter }}'}\n"
        "      - signal_name: COUNT\n"
        "        condition: '{{ context.result | accumulated | length == 2 }}'\n"
    )
    llm = ScriptedLlm('{"result": "SUCCESS: done"}')
    result = run(_config(emissions), llm, context={"result": "FAIL earlier"})
    assert "selected_signals" not in schema(llm.prompts[0])["properties"]
    assert result.signals == ["START", "SUCCESS", "ALWAYS", "PLAIN", "COUNT"]
    assert _broadcasts(result)[-1] == ["SUCCESS", "ALWAYS", "PLAIN", "COUNT"]


def test_weak_20_multiline_condition_is_evaluated_not_offered(run):
    emissions = (
        "      - signal_name: AYE\n"
        "        condition: \"{{ context.result ==\\n 'y' }}\"\n"
        "      - signal_name: NAY\n"
        "        condition: \"{{ context.result != 'y' }}\"\n"
    )
    llm = ScriptedLlm('{"result": "y"}')
    assert run(_config(emissions), llm).signals == ["START", "AYE"]
    assert "selected_signals" not in schema(llm.prompts[0])["properties"]


def test_sig_3_options_helper():
    assert signal_options(None) is None
    assert signal_options([{"signal_name": "A"}]) is None
    assert signal_options([{"signal_name": "A"}, {"signal_name": "B", "condition": "{{ x }}"}]) \
        is None
    options = signal_options([{"signal_name": "A", "condition": "why"}, {"signal_name": "B"}])
    assert [(o.name, o.description) for o in options] == [("A", "why"), ("B", "")]


@pytest.mark.parametrize("node_type", ["llm", "agent"])
def test_core_46_failure_signal_replaces_emissions(run, node_type):
    config = _config(SELECTION).replace("node_type: llm", f"node_type: {node_type}")
    config += "    llm_failure_signal: BROKE\n    retries: 1\n"
    result = run(config, ScriptedLlm("???"))
    assert result.signals == ["START", "BROKE"]
