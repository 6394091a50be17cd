"""Request text and answer parsing.

RES-1..3, RES-7..10, LLM-6, LLM-7, COMPAT-1..3, CALL-5, WEAK-8, WEAK-21, WEAK-24.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from soe_nodes_llm.envelope import (
    FORMAT_LABEL,
    LlmInput,
    ParameterInput,
    ResponseStageInput,
    RouterInput,
    build_prompt,
    context_json,
    referenced_fields,
)
from soe_nodes_llm.parsing import candidates, parse_response, reference_candidate
from soe_nodes_llm.responses import RouterResponse, build_response_model
from soe_nodes_llm.schema import root_schema
from soe_nodes_llm.testing import request_record as envelope
from soe_nodes_llm.testing import request_schema as schema_in

SUMMARY = build_response_model("summary", None, None)


def test_res_1_records_keys_and_order():
    assert list(LlmInput.model_fields) == ["prompt", "context", "conversation_history"]
    assert list(RouterInput.model_fields) == [
        "instructions", "task_description", "context", "available_tools", "conversation_history"
    ]
    assert list(ParameterInput.model_fields) == [
        "task_description", "context", "tool_name", "conversation_history"
    ]
    assert list(ResponseStageInput.model_fields) == [
        "task_description", "context", "conversation_history"
    ]


def test_res_1_compact_json_with_non_ascii_as_is_and_standard_escapes():
    record = LlmInput(prompt='Résumé "quoted"\nline', context="", conversation_history="")
    text = record.model_dump_json()
    assert text == '{"prompt":"Résumé \\"quoted\\"\\nline","context":"","conversation_history":""}'


def test_res_2_request_text_layout():
    prompt = build_prompt(LlmInput(prompt="p"), SUMMARY)
    head, tail = prompt.split("\n\n", 1)
    assert head == '{"prompt":"p","context":"","conversation_history":""}'
    label, schema_line, sentence = tail.split("\n")
    assert label == FORMAT_LABEL == "Respond ONLY with a valid JSON object matching this schema:"
    assert schema_line == json.dumps(SUMMARY.model_json_schema())
    assert ", " in schema_line and ": " in schema_line  # json.dumps default separators
    assert sentence.startswith("Do not return the schema itself.")


def test_res_3_and_res_8_summary_schema_matches_the_spec_example():
    assert SUMMARY.model_json_schema() == {
        "properties": {"summary": {"description": "The summary value", "title": "Summary"}},
        "required": ["summary"],
        "title": "SummaryResponse",
        "type": "object",
    }


def test_res_8_model_rules_and_titles():
    dynamic = build_response_model(None, None, None).model_json_schema()
    assert dynamic["title"] == "DynamicResponse"
    assert dynamic["properties"]["output"] == {
        "description": "The final output/result", "title": "Output", "type": "string"
    }
    assert build_response_model("person_data", None, None).__name__ == "Person_DataResponse"
    root = root_schema("count", "integer")
    assert build_response_model("count", root, None) is root.model  # bare value
    from soe_nodes_llm.responses import SignalOption

    options = (SignalOption("HIGH", "count above 5"), SignalOption("LOW"))
    wrapped = build_response_model("count", root, options).model_json_schema()
    assert wrapped["properties"]["count"] == {
        "description": "The count value matching the expected schema",
        "title": "Count",
        "type": "integer",
    }
    selected = wrapped["properties"]["selected_signals"]
    assert selected["default"] == []
    assert selected["items"] == {"enum": ["HIGH", "LOW"], "type": "string"}
    assert selected["description"] == (
        "Select ALL signals that apply (can be none, one, or multiple):\n"
        "- HIGH: count above 5\n- LOW"
    )


def test_agent_7_router_model():
    schema = RouterResponse.model_json_schema()
    assert schema["title"] == "RouterResponse"
    assert schema["description"] == "Output model for the Router stage."
    assert schema["properties"]["action"]["enum"] == ["call_tool", "finish"]
    assert schema["required"] == ["action"]
    assert "required when action is call_tool" in schema["properties"]["tool_name"]["description"]


# -- RES-7 parsing -------------------------------------------------------------


class Out(BaseModel):
    output: str


class Num(BaseModel):
    n: int
    flag: bool = False
    x: float = 0.0


@pytest.mark.parametrize(
    "text",
    [
        '{"output": "x"}',
        '  {"output": "x"}  ',
        '<think>I think {"output": "no"}</think>{"output": "x"}',
        'Here you go:\n```json\n{"output": "x"}\n```\nThanks',
        '```\n{"output": "x"}\n```',
        'Sure! The answer is {"output": "x"} -- hope that helps',
        '{"output": "x", "extra": 1}',  # extra keys ignored
        '{"output": "x"} {"output": "second"}',  # the first valid value wins
        'See [1]. {"output": "x"}',  # WEAK-8: the reference failed here
        'prose {"output": "x"',  # unbalanced first... then nothing: still fails below
    ][:-1],
)
def test_res_7_tolerated_shapes(text):
    assert parse_response(text, Out).output == "x"


def test_res_7_brackets_inside_strings_are_not_misread():
    text = 'Answer: {"output": "a } ] { [ b \\" }"} and [then] more'
    assert parse_response(text, Out).output == 'a } ] { [ b " }'
    assert reference_candidate(text) == '{"output": "a } ] { [ b \\" }"}'


def test_res_7_lax_coercions_and_strictness():
    value = parse_response('{"n": "42", "flag": "yes", "x": 3}', Num)
    assert (value.n, value.flag, value.x) == (42, True, 3.0)
    assert parse_response('{"n": 4.0}', Num).n == 4
    with pytest.raises(ValidationError):
        parse_response('{"output": 42}', Out)  # a number where a string is required


def test_res_7_bare_scalars_for_root_models():
    assert parse_response("42", root_schema("n", "integer").model).root == 42
    assert parse_response("true", root_schema("b", "boolean").model).root is True
    text_root = root_schema("s", "string").model
    assert parse_response('"text"', text_root).root == "text"
    assert parse_response('"Hello {name}"', text_root).root == "Hello {name}"  # WEAK-8
    assert parse_response('["a", "b"]', root_schema("l", "list").model).root == ["a", "b"]


def test_res_7_errors_when_nothing_fits():
    with pytest.raises(ValidationError) as info:
        parse_response("not json at all", Out)
    assert info.value.errors()[0]["type"] == "json_invalid"
    with pytest.raises(ValidationError) as info:
        parse_response('Result: {"output": 1}', Out)  # content error beats syntax errors
    assert info.value.errors()[0]["loc"] == ("output",)


def test_call_5_non_string_answers():
    assert parse_response({"output": "x"}, Out).output == "x"
    assert parse_response(Out(output="y"), Out).output == "y"
    with pytest.raises(TypeError, match="must return a str"):
        parse_response(42, Out)


def test_res_7_candidates_skip_nested_values():
    text = 'x {"a": {"b": 1}} [2]'
    assert candidates(text) == [text, '{"a": {"b": 1}}', "[2]"]


# -- LLM-6 referenced fields ---------------------------------------------------


def test_llm_6_fields_in_first_appearance_order_from_the_syntax_tree():
    template = (
        "{{ context.b }} {{ context['a'] ~ context.c }} {% if context.d %}x{% endif %} "
        "{{ context.b }} {{ context.e.f }} {{ other.g }}"
    )
    assert referenced_fields(template) == ["b", "a", "c", "d", "e"]
    assert referenced_fields("no template") == []
    assert referenced_fields("{{ context.a }} {{ broken") == ["a"]  # fallback scan


def test_llm_6_context_json():
    view: dict[str, Any] = {"a": "é", "b": None, "n": 1}
    text = context_json("{{ context.n }} {{ context.a }} {{ context.missing }}", view, empty="")
    assert text == '{\n  "n": 1,\n  "a": "\\u00e9"\n}'  # indent=2, ASCII-escaped
    assert context_json("plain", view, empty="") == ""
    assert context_json("{{ context.missing }}", view, empty="{}") == "{}"
    assert json.loads(context_json("{{ context.s }}", {"s": {1, 2}}, empty=""))  # WEAK-24


# -- the full first request (LLM-7 example), COMPAT-1/2 ---------------------------


CONFIG = """
wf:
  Summarize:
    node_type: llm
    event_triggers: [START]
    prompt: "Summarize {{ context.text }}"
    output_field: summary
    event_emissions: [{signal_name: DONE}]
"""


def test_llm_7_first_request_example(run, stub):
    llm = stub('{"summary": "Short"}')
    run(CONFIG, llm, context={"text": "hello"})
    expected_head = (
        '{"prompt":"Summarize hello","context":"{\\n  \\"text\\": \\"hello\\"\\n}",'
        '"conversation_history":""}'
    )
    assert llm.prompts[0] == build_prompt(
        LlmInput(prompt="Summarize hello", context='{\n  "text": "hello"\n}'), SUMMARY
    )
    assert llm.prompts[0].startswith(expected_head + "\n\n" + FORMAT_LABEL + "\n")
    assert schema_in(llm.prompts[0])["title"] == "SummaryResponse"


def test_compat_2_user_text_and_context_values_are_json_escaped(run, stub):
    llm = stub('{"summary": "ok"}')
    run(CONFIG, llm, context={"text": 'say "hi"\nnow'})
    assert envelope(llm.prompts[0])["prompt"] == 'Summarize say "hi"\nnow'
    assert 'Summarize say \\"hi\\"\\nnow' in llm.prompts[0]


def test_res_9_outputs_are_plain_json_data():
    from soe_nodes_llm.responses import extract_output

    root = root_schema("people", {"type": "list", "items": {"type": "object",
                                                            "properties": {"name": "string"}}})
    value = extract_output(parse_response('[{"name": "A", "x": 1}]', root.model), "people")
    assert value == [{"name": "A", "x": 1}] and type(value[0]) is dict
    wrapped = build_response_model("people", root, None)
    assert wrapped is root.model
    model = build_response_model("summary", None, None)
    assert extract_output(parse_response('{"summary": {"a": [1]}}', model), "summary") == \
        {"a": [1]}
    model = build_response_model(None, None, None)
    assert extract_output(parse_response('{"output": "text"}', model), None) == "text"


def test_res_10_selected_signals_extraction():
    from soe_nodes_llm.responses import SignalOption, extract_signals

    options = (SignalOption("A"), SignalOption("B"))
    model = build_response_model("f", None, options)
    assert extract_signals(parse_response('{"f": 1, "selected_signals": ["B", "A", "B"]}',
                                          model)) == ["B", "A"]
    assert extract_signals(parse_response('{"f": 1}', model)) == []
    assert extract_signals(parse_response('{"f": 1}', build_response_model("f", None, None))) \
        == []
