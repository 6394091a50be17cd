"""Context schema validation of outputs: SCHEMA-1..9, RES-8, RES-9, WEAK-15, WEAK-16, WEAK-17."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from soe import create_all_nodes, orchestrate
from soe_nodes_llm.schema import root_schema
from soe_nodes_llm.testing import ScriptedLlm
from soe_nodes_llm.testing import request_schema as schema

from soe_core import create_local_backends


def _config(field_schema: Any, emissions: str = "[{signal_name: DONE}]", node: str = "llm",
            extra: str = "") -> dict:
    return {
        "workflows": {"wf": {"Extract": {
            "node_type": node,
            "event_triggers": ["START"],
            "prompt": "Extract the person from {{ context.text }}",
            "output_field": "person",
            "event_emissions": json.loads(json.dumps(_emissions(emissions))),
            **({"tools": []} if node == "agent" else {}),
            **json.loads(extra or "{}"),
        }}},
        "context_schema": {"person": field_schema} if field_schema is not None else None,
    }


def _emissions(text: str) -> list:
    import yaml

    return yaml.safe_load(text)


PERSON = {
    "type": "object",
    "properties": {
        "name": "string",
        "age": {"type": "integer", "required": False},
        "tags": {"type": "list", "items": "string"},
    },
}


@pytest.mark.parametrize(
    ("type_name", "good", "bad"),
    [
        ("string", '"a"', "42"), ("TEXT", '"a"', "true"), ("str", '"a"', "[]"),
        ("integer", "42", '"x"'), ("INT", '"7"', "1.5"),
        ("number", "1.5", '"x"'), ("float", "2", "[]"),
        ("boolean", '"yes"', '"maybe"'), ("bool", "false", "[]"),
        ("list", "[1, \"a\"]", "{}"), ("array", "[]", '"x"'),
        ("dict", '{"a": 1}', "[]"), ("object", "{}", "3"),
    ],
)
def test_schema_3_type_names(type_name, good, bad):
    model = root_schema("f", type_name).model
    model.model_validate_json(good)
    with pytest.raises(ValidationError):
        model.model_validate_json(bad)


@pytest.mark.parametrize("definition", ["any", "mystery", {}, {"description": "no type"}])
def test_schema_3_any_and_unknown_types_accept_everything(definition):
    model = root_schema("f", definition).model
    for text in ('"a"', "1", "null", "[1]", '{"a": 1}'):
        model.model_validate_json(text)


def test_schema_4_and_5_nested_models_names_and_rules():
    definition = {
        "type": "object",
        "description": "A person",
        "properties": {
            "name": {"type": "string", "description": "Full name"},
            "age": {"type": "integer", "required": False},
            "role": {"type": "string", "default": "member"},
            "address": {"type": "object", "properties": {"city": "string"}},
            "pets": {"type": "list", "items": {"type": "object", "properties": {"kind": "str"}}},
        },
    }
    model = root_schema("person", definition).model
    json_schema = model.model_json_schema()
    assert json_schema["title"] == "PersonRoot"
    assert json_schema["description"] == "A person"  # WEAK-16
    nested = json_schema["$defs"]["PersonRootNested"]
    assert nested["additionalProperties"] is True
    assert nested["required"] == ["name", "address", "pets"]
    assert nested["properties"]["name"]["description"] == "Full name"
    assert nested["properties"]["role"]["default"] == "member"
    assert "PersonRootNestedAddressNested" in json_schema["$defs"]
    assert "PersonRootNestedPetsItemNested" in json_schema["$defs"]
    value = model.model_validate_json(
        '{"name": "Ann", "address": {"city": "Oslo", "zip": "1"}, "pets": [{"kind": "cat"}],'
        ' "extra": true}'
    )
    assert value.model_dump(mode="json") == {
        "name": "Ann", "age": None, "role": "member", "address": {"city": "Oslo", "zip": "1"},
        "pets": [{"kind": "cat"}], "extra": True,
    }


def test_llm_10_schema_example_from_the_spec(run):
    llm = ScriptedLlm('{"person": {"name": "Ann", "tags": []}}', '{"name": "Ann", "tags": []}')
    result = run(_config(PERSON), llm, context={"text": "Ann is here"})
    assert llm.calls == 2  # the wrapped answer is rejected (SCHEMA-8)
    assert "  - name: Field required" in llm.prompts[1]
    assert result.context["person"] == [{"name": "Ann", "age": None, "tags": []}]
    assert schema(llm.prompts[0])["title"] == "PersonRoot"


def test_schema_8_bare_value_without_selection_wrapped_with_selection(run):
    llm = ScriptedLlm("7")
    result = run(_config("integer"), llm)
    assert result.context["person"] == [7]
    two = "[{signal_name: HIGH, condition: big}, {signal_name: LOW}]"
    llm = ScriptedLlm("7", '{"person": "8", "selected_signals": ["HIGH"]}')
    result = run(_config("integer", emissions=two), llm)
    assert llm.calls == 2
    assert schema(llm.prompts[0])["title"] == "PersonResponse"
    assert result.context["person"] == [8]
    assert result.signals == ["START", "HIGH"]


def test_schema_9_falsy_values_stored_none_not_and_exhaustion_fails(run):
    for definition, answer, stored in (("string", '""', ""), ("integer", "0", 0),
                                       ("boolean", "false", False), ("list", "[]", [])):
        assert run(_config(definition), ScriptedLlm(answer)).context["person"] == [stored]
    result = run(_config("any"), ScriptedLlm("null"))
    assert "person" not in result.context and result.signals == ["START", "DONE"]
    extra = '{"retries": 1, "llm_failure_signal": "BAD"}'
    result = run(_config("integer", extra=extra), ScriptedLlm('"many"'))
    assert result.signals == ["START", "BAD"]


def test_schema_9_agent_response_is_validated_too(run):
    answers = ['{"action": "finish"}', '{"name": 1}', '{"name": "Bo", "tags": ["x"]}']
    llm = ScriptedLlm(*answers)
    result = run(_config(PERSON, node="agent"), llm)
    assert result.context["person"] == [{"name": "Bo", "age": None, "tags": ["x"]}]


def test_schema_7_children_use_the_root_schema(run):
    config = {
        "workflows": {
            "parent": {"Spawn": {"node_type": "child", "event_triggers": ["START"],
                                 "child_workflow_name": "kid", "child_initial_signals": ["GO"]}},
            "kid": {"Count": {"node_type": "llm", "event_triggers": ["GO"], "prompt": "Count",
                              "output_field": "count"}},
        },
        "context_schema": {"count": "integer"},
    }
    llm = ScriptedLlm('{"count": 3}', "3")
    run(config, llm, workflow="parent")
    assert llm.calls == 2
    assert schema(llm.prompts[0])["title"] == "CountRoot"


def test_schema_7_warning_only_when_a_schema_lacks_the_field(run):
    config = _config("string")
    config["context_schema"] = {"other": "string"}
    result = run(config, ScriptedLlm('{"person": {"any": "thing"}}'))
    (warning,) = [w for w in result.data("context_warning") if "message" in w]
    assert warning == {
        "message": "Output field 'person' not found in context schema",
        "output_field": "person",
        "main_execution_id": result.execution_id,
    }
    assert result.context["person"] == [{"any": "thing"}]
    result = run(_config(None), ScriptedLlm('{"person": 1}'))
    assert [w for w in result.data("context_warning") if "message" in w] == []  # WEAK-17


def test_weak_15_lists_of_objects_are_stored_as_plain_data(tmp_path):
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "c"), workflow_storage_dir=str(tmp_path / "w"),
        context_schema_storage_dir=str(tmp_path / "s"),
    )
    definition = {"type": "list", "items": {"type": "object", "properties": {"n": "integer"}}}
    nodes, caller = create_all_nodes(backends, call_llm=ScriptedLlm('[{"n": "1", "x": 2}]'))
    execution_id = orchestrate(_config(definition), "wf", ["START"], {}, backends, caller)
    assert backends.context.get_context(execution_id)["person"] == [[{"n": 1, "x": 2}]]
