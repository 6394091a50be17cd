"""Config format and static validation (spec 01-core §2, §3: CORE-6..22)."""

from __future__ import annotations

import pytest
from soe_nodes_core.child import validate_child
from soe_nodes_core.router import validate_router
from soe_nodes_core.tool import validate_tool, validate_tool_node_config

import soe_core
from soe_core import WorkflowValidationError, orchestrate, parse_yaml
from soe_core.templating import validate_jinja_syntax
from soe_core.validation.config import (
    validate_config,
    validate_initial_workflow,
    validate_orchestrate_params,
    validate_workflow,
)

SIMPLE = """
wf:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: DONE
"""


def _router(**overrides):
    config = {
        "node_type": "router",
        "event_triggers": ["START"],
        "event_emissions": [{"signal_name": "DONE"}],
    }
    config.update(overrides)
    return config


def _tool(**overrides):
    config = {"node_type": "tool", "event_triggers": ["START"], "tool_name": "t"}
    config.update(overrides)
    return config


def _child(**overrides):
    config = {
        "node_type": "child",
        "event_triggers": ["START"],
        "child_workflow_name": "sub",
        "child_initial_signals": ["GO"],
    }
    config.update(overrides)
    return config


def _without(config, *keys):
    return {k: v for k, v in config.items() if k not in keys}


def _run(config, workflow="wf", signals=("START",), context=None, tools=None):
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends, tools_registry=tools)
    execution_id = orchestrate(config, workflow, list(signals), context or {}, backends, caller)
    return backends, execution_id


def _signals(backends, execution_id):
    return backends.context.get_context(execution_id)["__operational__"]["signals"]


# --------------------------------------------------------------------------- CORE-6


def test_core_6_yaml_string_and_dict_configs_run_identically():
    backends_s, id_s = _run(SIMPLE)
    backends_d, id_d = _run(parse_yaml(SIMPLE))
    assert _signals(backends_s, id_s) == ["START", "DONE"]
    assert _signals(backends_d, id_d) == ["START", "DONE"]
    assert backends_s.workflow.get_workflows_registry(id_s) == parse_yaml(SIMPLE)
    assert backends_d.workflow.get_workflows_registry(id_d) == parse_yaml(SIMPLE)


def test_core_6_yaml_is_loaded_with_a_safe_loader():
    evil = "wf: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(ValueError, match="^Invalid YAML configuration:"):
        parse_yaml(evil)
    with pytest.raises(ValueError, match="Invalid YAML configuration:"):
        _run(evil)


# --------------------------------------------------------------------------- CORE-7 / CORE-8


def test_core_7_combined_form_extracts_sections():
    config = """
workflows:
  wf:
    Start:
      node_type: router
      event_triggers: [START]
      event_emissions: [{signal_name: DONE}]
identities:
  helper: "You answer briefly."
context_schema:
  priority: integer
something_else: 42
"""
    backends, execution_id = _run(config)
    assert _signals(backends, execution_id) == ["START", "DONE"]
    # CORE-8: only the workflows portion becomes the registry
    registry = backends.workflow.get_workflows_registry(execution_id)
    assert list(registry) == ["wf"]
    assert backends.identity.get_identities(execution_id) == {"helper": "You answer briefly."}
    assert backends.context_schema.get_context_schema(execution_id) == {"priority": "integer"}


def test_core_7_legacy_form_treats_identities_key_as_a_workflow():
    config = SIMPLE + "identities:\n  helper: You answer briefly.\n"
    with pytest.raises(WorkflowValidationError, match="Workflow 'identities'.*node 'helper'"):
        validate_config(config)


def test_core_7_legacy_workflow_named_workflows_switches_to_combined_form():
    # Meant as a workflow called "workflows" with a node "Start": read as the combined
    # form, "Start" becomes a workflow whose "nodes" are node_type, event_triggers...
    config = """
workflows:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: DONE}]
"""
    with pytest.raises(WorkflowValidationError, match="Start"):
        validate_config(config)


def test_core_7_legacy_form_saves_no_identities_or_schema():
    backends, execution_id = _run(SIMPLE)
    assert not backends.identity.get_identities(execution_id)
    assert not backends.context_schema.get_context_schema(execution_id)


def test_core_8_node_order_follows_yaml_order():
    config = """
wf:
  Zeta:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: Z}]
  Alpha:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: A}]
  Mid:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: M}]
"""
    backends, execution_id = _run(config)
    assert list(backends.workflow.get_workflows_registry(execution_id)["wf"]) == [
        "Zeta", "Alpha", "Mid",
    ]
    assert _signals(backends, execution_id) == ["START", "Z", "A", "M"]


# --------------------------------------------------------------------------- CORE-9


def test_core_9_parse_yaml():
    assert parse_yaml("a: [1, 2]") == {"a": [1, 2]}
    data = {"already": "parsed"}
    assert parse_yaml(data) is data
    assert parse_yaml(5) == 5
    assert parse_yaml("") is None
    assert parse_yaml("   \n") is None
    assert parse_yaml("# only a comment\n") is None
    with pytest.raises(ValueError) as info:
        parse_yaml("a: [1, 2\nb: {")
    assert str(info.value).startswith("Invalid YAML configuration:")


def test_core_9_compat_parse_yaml_is_the_same():
    from soe.lib.yaml_parser import parse_yaml as compat_parse

    with pytest.raises(ValueError, match="^Invalid YAML configuration:"):
        compat_parse("key: : :\n  - [")


# --------------------------------------------------------------------------- CORE-10


def test_core_10_returns_parsed_dict():
    parsed = validate_config(SIMPLE)
    assert parsed == {
        "wf": {
            "Start": {
                "node_type": "router",
                "event_triggers": ["START"],
                "event_emissions": [{"signal_name": "DONE"}],
            }
        }
    }


GOOD_WF = {"wf": {"Start": _router()}}
NOT_AN_OBJECT = r"Workflow 'wf' must be an object containing node definitions"


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"workflows": ["wf"]}, r"'workflows' section must be an object"),
        ({"workflows": None}, r"'workflows' section must be an object"),
        ({"workflows": {"wf": "text"}}, NOT_AN_OBJECT),
        ({"wf": ["a", "b"]}, NOT_AN_OBJECT),
        (
            {"workflows": GOOD_WF, "context_schema": ["x"]},
            r"'context_schema' section must be an object",
        ),
        (
            {"workflows": GOOD_WF, "context_schema": {"priority": 5}},
            r"context_schema\.priority: schema must be an object or type string",
        ),
        ({"workflows": GOOD_WF, "identities": "x"}, r"'identities' section must be an object"),
        (
            {"workflows": GOOD_WF, "identities": {"helper": 5}},
            r"identities\.helper: identity prompt must be a string.*got int",
        ),
    ],
)
def test_core_10_config_level_messages(config, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_config(config)


def test_core_10_null_sections_are_accepted():
    parsed = validate_config({"workflows": GOOD_WF, "context_schema": None, "identities": None})
    assert parsed["workflows"] == GOOD_WF


def test_core_10_schema_entries_may_be_mappings_or_strings():
    validate_config(
        {"workflows": GOOD_WF, "context_schema": {"a": "string", "b": {"type": "integer"}}}
    )


def test_core_10_order_workflows_then_schema_then_identities():
    bad_all = {
        "workflows": {"wf": {}},
        "context_schema": "nope",
        "identities": "nope",
    }
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf' is empty"):
        validate_config(bad_all)
    bad_all["workflows"] = GOOD_WF
    with pytest.raises(WorkflowValidationError, match="'context_schema' section"):
        validate_config(bad_all)
    bad_all["context_schema"] = None
    with pytest.raises(WorkflowValidationError, match="'identities' section"):
        validate_config(bad_all)


# --------------------------------------------------------------------------- CORE-11


def test_core_11_empty_workflow():
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf' is empty"):
        validate_workflow("wf", {})


def test_core_11_reserved_node_name_checked_before_node_type():
    with pytest.raises(WorkflowValidationError, match="node name '__secret' is reserved"):
        validate_workflow("wf", {"__secret": {}})


@pytest.mark.parametrize("node_type", [None, "", "MISSING"])
def test_core_11_node_type_required(node_type):
    config = {"event_triggers": ["START"]}
    if node_type != "MISSING":
        config["node_type"] = node_type
    fragment = "Workflow 'wf', node 'N'.*'node_type' is required"
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_workflow("wf", {"N": config})


def test_core_11_underscore_node_types_are_skipped():
    # nothing of this config would pass a real validator
    validate_workflow("wf", {"N": {"node_type": "_internal", "event_triggers": "not a list"}})
    validate_config({"wf": {"N": {"node_type": "_x"}}})


@pytest.mark.parametrize("node_type", ["nonsense", "Router", "ROUTER"])
def test_core_11_unknown_node_type_lists_valid_types(node_type):
    with pytest.raises(WorkflowValidationError) as info:
        validate_workflow("wf", {"N": {"node_type": node_type, "event_triggers": ["S"]}})
    message = str(info.value)
    assert f"unknown node_type '{node_type}'" in message
    assert "Workflow 'wf', node 'N'" in message
    tail = message.split(f"unknown node_type '{node_type}'", 1)[1]
    for name in ("router", "child", "tool"):
        assert name in tail


def test_core_11_type_validator_errors_are_prefixed():
    with pytest.raises(WorkflowValidationError) as info:
        validate_workflow("wf", {"Good": _router(), "Bad": _router(event_triggers=None)})
    assert str(info.value).startswith("Workflow 'wf', node 'Bad': ")
    assert "'event_triggers' is required" in str(info.value)


def test_core_11_nodes_validated_in_order():
    workflow = {"First": _router(event_emissions=None), "Second": {"node_type": "bogus"}}
    fragment = "node 'First'.*'event_emissions' is required"
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_workflow("wf", workflow)


# --------------------------------------------------------------------------- CORE-12


@pytest.mark.parametrize("node_config", [5, "router", ["router"], None])
def test_core_12_node_config_not_a_mapping(node_config):
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'N'"):
        validate_config({"wf": {"N": node_config}})


def test_core_12_non_string_node_name():
    config = "wf:\n  1:\n    node_type: router\n    event_triggers: [S]\n"
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node '1'"):
        validate_config(config)


@pytest.mark.parametrize("node_type", [5, ["router"], {"a": 1}, True])
def test_core_12_non_string_node_type(node_type):
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'N'"):
        validate_config({"wf": {"N": {"node_type": node_type, "event_triggers": ["S"]}}})


@pytest.mark.parametrize("text", ["just a scalar", "- a\n- b\n", "42", "# nothing\n"])
def test_core_12_yaml_that_is_not_a_mapping(text):
    with pytest.raises(WorkflowValidationError):
        validate_config(text)
    with pytest.raises(WorkflowValidationError):
        _run(text)


def test_core_12_malformed_emission_items_and_triggers():
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'N'"):
        validate_config({"wf": {"N": _router(event_emissions=["DONE"])}})
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'N'"):
        validate_config({"wf": {"N": _tool(event_emissions=[5])}})


# --------------------------------------------------------------------------- CORE-13


def test_core_13_unknown_keys_are_ignored():
    config = """
wf:
  Start:
    node_type: router
    description: does things
    tags: [a, b]
    event_triggers: [START]
    event_emissions:
      - signal_name: GUARDED
        when: "{{ false }}"
        if: "{{ false }}"
        note: whatever
"""
    backends, execution_id = _run(config)
    # `when:`/`if:` are not conditions: the emission is unconditional
    assert _signals(backends, execution_id) == ["START", "GUARDED"]


def test_core_13_duplicate_yaml_keys_last_wins():
    config = """
wf:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: FIRST}]
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: SECOND}]
"""
    backends, execution_id = _run(config)
    assert _signals(backends, execution_id) == ["START", "SECOND"]


# --------------------------------------------------------------------------- CORE-14 router


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"event_triggers": None}, r"'event_triggers' is required"),
        ({"event_triggers": []}, r"'event_triggers' is required"),
        ({"event_triggers": ""}, r"'event_triggers' is required"),
        ({"event_triggers": "START"}, r"'event_triggers' must be a list"),
        ({"event_triggers": {"a": 1}}, r"'event_triggers' must be a list"),
        ({"event_emissions": None}, r"'event_emissions' is required"),
        ({"event_emissions": []}, r"'event_emissions' is required"),
        ({"event_emissions": "DONE"}, r"'event_emissions' must be a list"),
        (
            {"event_emissions": [{"signal_name": "A"}, "B"]},
            r"must be an object with 'signal_name'.*position 2",
        ),
        (
            {"event_emissions": [{"signal_name": "A"}, {"condition": "x"}]},
            r"Event emission at position 2 is missing 'signal_name'",
        ),
        (
            {"event_emissions": [{"signal_name": ""}]},
            r"Event emission at position 1 is missing 'signal_name'",
        ),
        (
            {"event_emissions": [{"signal_name": "A", "condition": 5}]},
            r"Event emission at position 1 has invalid 'condition'",
        ),
        (
            {"event_emissions": [{"signal_name": "A", "condition": True}]},
            r"Event emission at position 1 has invalid 'condition'",
        ),
        (
            {"event_emissions": [{"signal_name": "A", "condition": "{{ context.x "}]},
            r"Event emission 'A' condition: Jinja syntax error - ",
        ),
        (
            {"event_emissions": [{"signal_name": "B", "condition": "{% if context.x %}yes"}]},
            r"Event emission 'B' condition: Jinja syntax error - ",
        ),
        (
            {"event_emissions": [{"signal_name": "C", "condition": "{{ context.x | nope }}"}]},
            r"Jinja syntax error.*No filter named 'nope'",
        ),
        (
            {"event_emissions": [{"signal_name": "D", "condition": "{{ context.x is nope }}"}]},
            r"Jinja syntax error.*No test named 'nope'",
        ),
    ],
)
def test_core_14_router_messages(overrides, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_router(_router(**overrides))
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'R': .*" + fragment):
        validate_config({"wf": {"R": _router(**overrides)}})


def test_core_14_router_check_order():
    # triggers before emissions; item shape before condition type
    with pytest.raises(WorkflowValidationError, match="'event_triggers' is required"):
        validate_router({"node_type": "router"})
    with pytest.raises(WorkflowValidationError, match="position 1 is missing 'signal_name'"):
        validate_router(_router(event_emissions=[{"condition": 5}]))


def test_core_14_valid_router_conditions():
    validate_router(
        _router(
            event_emissions=[
                {"signal_name": "A", "condition": "{{ context.x > 3 }}"},
                {"signal_name": "B", "condition": None},
                {"signal_name": "C", "condition": "plain text, when happy"},
                {"signal_name": "D", "condition": "{{ context.items | accumulated | length }}"},
                {"signal_name": "E", "condition": "{% if context.x %}yes{% endif %}"},
            ]
        )
    )


# --------------------------------------------------------------------------- CORE-16


def test_core_16_jinja_check_skipped_without_template_markers():
    validate_jinja_syntax("{ not jinja } }}", "desc")
    validate_jinja_syntax("plain text", "desc")


def test_core_16_runtime_errors_not_detected_statically():
    validate_jinja_syntax("{{ undefined_thing.attr.deeper }}", "desc")
    validate_jinja_syntax("{{ 1 / 0 }}", "desc")
    validate_router(_router(event_emissions=[{"signal_name": "A", "condition": "{{ 1/0 }}"}]))


def test_core_16_jinja_errors_carry_description():
    with pytest.raises(WorkflowValidationError, match="^my thing: Jinja syntax error - "):
        validate_jinja_syntax("{{ x ", "my thing")


def test_core_16_only_router_conditions_are_jinja_checked():
    broken = [{"signal_name": "A", "condition": "{{ unclosed"}]
    validate_tool(_tool(event_emissions=broken))
    validate_child(_child(event_emissions=broken))


# --------------------------------------------------------------------------- CORE-17 tool


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        (_tool(event_triggers=None), r"'event_triggers' is required"),
        (_tool(event_triggers="START"), r"'event_triggers' must be a list"),
        (_without(_tool(), "tool_name"), r"'tool_name' is required"),
        (_tool(event_emissions="DONE"), r"'event_emissions' must be a list"),
        (
            _tool(event_emissions=[{"signal_name": "A"}, "B"]),
            r"'event_emissions\[1\]' must be a dict",
        ),
        (
            _tool(event_emissions=[{"condition": "x"}]),
            r"'event_emissions\[0\]' must have 'signal_name'",
        ),
        (_tool(output_field=5), r"'output_field' must be a string"),
        (_tool(output_field="__operational__"), r"cannot be '__operational__'"),
        (_tool(parameters=["a"]), r"'parameters' must be a dict"),
        (_tool(parameters="a=1"), r"'parameters' must be a dict"),
        (
            _tool(parameters={"a": 1}, context_parameter_field="args"),
            r"Cannot specify both 'parameters' and 'context_parameter_field'",
        ),
    ],
)
def test_core_17_tool_messages(config, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_tool(config)
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'T': .*" + fragment):
        validate_config({"wf": {"T": config}})


def test_core_17_tool_lenient_parts():
    validate_tool(_tool(tool_name=None))  # only the key's presence is checked
    validate_tool(_tool(event_emissions=[{"signal_name": None}]))  # value not checked
    validate_tool(_tool(event_emissions=[{"signal_name": "A", "condition": 5}]))
    validate_tool(_tool(event_emissions=None, parameters=None, context_parameter_field="x"))
    validate_tool(_tool(parameters={}, context_parameter_field=None))


def test_core_17_tool_check_order():
    with pytest.raises(WorkflowValidationError, match="'event_triggers' is required"):
        validate_tool({"node_type": "tool"})
    with pytest.raises(WorkflowValidationError, match="'tool_name' is required"):
        validate_tool({"node_type": "tool", "event_triggers": ["S"], "parameters": 5})
    with pytest.raises(WorkflowValidationError, match="'event_emissions' must be a list"):
        validate_tool(_tool(event_emissions="x", output_field=5))
    with pytest.raises(WorkflowValidationError, match="'output_field' must be a string"):
        validate_tool(_tool(output_field=5, parameters=5))


def test_core_56_tool_output_field_parent_rejected():
    with pytest.raises(WorkflowValidationError, match="__parent__"):
        validate_tool(_tool(output_field="__parent__"))


# --------------------------------------------------------------------------- CORE-18


def _fn():
    return 1


BAD_RETRIES = r"'max_retries' must be a non-negative integer"


@pytest.mark.parametrize(
    ("registry", "fragment"),
    [
        ({}, r"Tool 't' not found in tools_registry or builtin tools"),
        ({"other": _fn}, r"Tool 't' not found in tools_registry or builtin tools"),
        ({"t": 5}, r"registry entry must be a callable or dict with 'function' key"),
        ({"t": "fn"}, r"registry entry must be a callable or dict with 'function' key"),
        ({"t": {"max_retries": 1}}, r"registry entry dict must have 'function' key"),
        ({"t": {"function": "fn"}}, r"'function' must be callable"),
        ({"t": {"function": _fn, "max_retries": -1}}, BAD_RETRIES),
        ({"t": {"function": _fn, "max_retries": "2"}}, BAD_RETRIES),
        ({"t": {"function": _fn, "failure_signal": 5}}, r"'failure_signal' must be a string"),
    ],
)
def test_core_18_tool_registry_checks(registry, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_tool_node_config(_tool(), registry)


def test_core_18_registry_check_runs_static_part_first():
    with pytest.raises(WorkflowValidationError, match="'event_triggers' is required"):
        validate_tool_node_config(_tool(event_triggers=None), {"t": 5})


def test_core_18_valid_registry_entries():
    validate_tool_node_config(_tool(), {"t": _fn})
    validate_tool_node_config(_tool(), {"t": {"function": _fn}})
    validate_tool_node_config(
        _tool(), {"t": {"function": _fn, "max_retries": 0, "failure_signal": "FAIL"}}
    )


def test_core_18_registry_not_checked_by_orchestrate_static_pass():
    config = {
        "wf": {
            "Start": _router(),
            "Never": _tool(event_triggers=["NEVER"], tool_name="missing_tool"),
        }
    }
    backends, execution_id = _run(config, tools={})
    assert _signals(backends, execution_id) == ["START", "DONE"]
    # ...but it fails when the node runs
    config["wf"]["Never"]["event_triggers"] = ["START"]
    with pytest.raises(WorkflowValidationError, match="Tool 'missing_tool' not found"):
        _run(config, tools={})


# --------------------------------------------------------------------------- CORE-19 child


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        (_child(child_workflow_name=None), r"'child_workflow_name' is required"),
        (_child(child_workflow_name=5), r"'child_workflow_name' must be a string"),
        (_child(child_initial_signals=None), r"'child_initial_signals' is required"),
        (_child(child_initial_signals=[]), r"'child_initial_signals' is required"),
        (_child(child_initial_signals="GO"), r"'child_initial_signals' must be a list"),
        (_child(event_triggers=None), r"'event_triggers' is required"),
        (_child(event_triggers="START"), r"'event_triggers' must be a list"),
        (_child(signals_to_parent="DONE"), r"'signals_to_parent' must be a list"),
        (_child(signals_to_parent=["DONE", 5]), r"'signals_to_parent'.*must be strings.*int"),
        (_child(context_updates_to_parent="x"), r"'context_updates_to_parent' must be a list"),
        (
            _child(context_updates_to_parent=[["x"]]),
            r"'context_updates_to_parent'.*must be strings.*list",
        ),
        (_child(input_fields="x"), r"'input_fields' must be a list"),
        (_child(fan_out_field=5), r"'fan_out_field' must be a string"),
        (
            _child(fan_out_field="items"),
            r"'child_input_field' is required when 'fan_out_field' is set",
        ),
        (
            _child(fan_out_field="items", child_input_field=5),
            r"'child_input_field' must be a string",
        ),
        (_child(spawn_interval="1"), r"'spawn_interval' must be a number"),
        (_child(spawn_interval=-0.5), r"'spawn_interval' must be non-negative"),
        (_child(event_emissions="DONE"), r"'event_emissions' must be a list"),
        (
            _child(event_emissions=[{"condition": "x"}]),
            r"Event emission at position 1 is missing 'signal_name'",
        ),
        (
            _child(event_emissions=[{"signal_name": "A", "condition": 3}]),
            r"Event emission at position 1 has invalid 'condition'",
        ),
    ],
)
def test_core_19_child_messages(config, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_child(config)
    with pytest.raises(WorkflowValidationError, match="Workflow 'wf', node 'C': .*" + fragment):
        validate_config({"wf": {"C": config}})


def test_core_19_child_check_order():
    config: dict = {"node_type": "child", "spawn_interval": -1}
    with pytest.raises(WorkflowValidationError, match="'child_workflow_name' is required"):
        validate_child(config)
    config["child_workflow_name"] = "sub"
    with pytest.raises(WorkflowValidationError, match="'child_initial_signals' is required"):
        validate_child(config)
    config["child_initial_signals"] = ["GO"]
    with pytest.raises(WorkflowValidationError, match="'event_triggers' is required"):
        validate_child(config)
    config["event_triggers"] = ["START"]
    with pytest.raises(WorkflowValidationError, match="'spawn_interval' must be non-negative"):
        validate_child(config)
    config["spawn_interval"] = 0
    validate_child(config)


def test_core_19_valid_child_and_no_registry_check():
    validate_child(
        _child(
            signals_to_parent=["DONE"],
            context_updates_to_parent=["x"],
            input_fields=["a"],
            fan_out_field="items",
            child_input_field="item",
            spawn_interval=1,
        )
    )
    validate_child(_child(spawn_interval=0.25, input_fields=None))
    # child_workflow_name is not checked against the registry statically
    ghost = _child(event_triggers=["NEVER"], child_workflow_name="ghost")
    config = {"wf": {"Start": _router(), "C": ghost}}
    backends, execution_id = _run(config)
    assert _signals(backends, execution_id) == ["START", "DONE"]


# --------------------------------------------------------------------------- CORE-21


@pytest.mark.parametrize(
    ("name", "signals", "fragment"),
    [
        ("wf", "START", r"'initial_signals' must be a list.*str"),
        ("wf", ("START",), r"'initial_signals' must be a list.*tuple"),
        ("wf", None, r"'initial_signals' must be a list.*NoneType"),
        ("wf", [], r"'initial_signals' cannot be empty"),
        ("", ["START"], r"'initial_workflow_name' must be a non-empty string"),
        (None, ["START"], r"'initial_workflow_name' must be a non-empty string"),
        (5, ["START"], r"'initial_workflow_name' must be a non-empty string"),
        (None, [], r"'initial_signals' cannot be empty"),  # signals are checked first
    ],
)
def test_core_21_orchestrate_params(name, signals, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        validate_orchestrate_params(name, signals)
    backends = soe_core.create_in_memory_backends()
    _nodes, caller = soe_core.create_all_nodes(backends)
    with pytest.raises(WorkflowValidationError, match=fragment):
        orchestrate(SIMPLE, name, signals, {}, backends, caller)


# --------------------------------------------------------------------------- CORE-22


def test_core_22_initial_workflow_must_exist():
    fragment = r"Workflow 'nope' not found in config"
    with pytest.raises(WorkflowValidationError, match=fragment) as info:
        validate_initial_workflow("nope", {"wf": {}, "other": {}})
    assert "Available workflows: ['wf', 'other']" in str(info.value)
    validate_initial_workflow("wf", {"wf": {}})
    with pytest.raises(WorkflowValidationError, match="Available workflows: \\['wf'\\]"):
        _run(SIMPLE, workflow="nope")


def test_core_22_unwired_node_types_fail_only_when_triggered():
    config = {
        "wf": {
            "Start": _router(),
            "Custom": {"node_type": "_unwired", "event_triggers": ["LATER"]},
        }
    }
    backends, execution_id = _run(config)
    assert _signals(backends, execution_id) == ["START", "DONE"]
    config["wf"]["Custom"]["event_triggers"] = ["DONE"]
    with pytest.raises(KeyError):
        _run(config)
