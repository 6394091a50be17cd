"""Jinja environment: sandbox, lenient undefined, error behaviour, tool parameter rendering.

Spec: 01-core.md CORE-42/43, CORE-52, CORE-60, CORE-61; 03-tools-child-builtins.md TOOL-9,
TOOL-16, WP-6, WP-9/WP-13 (sandboxed Jinja for injected templates).
"""

from __future__ import annotations

import pytest

ATTACKS = [
    "{{ context.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ context.__class__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ context._soe_histories }}",
    "{{ context.x.append(1) }}",
    "{{ context.d.update({'pwned': 1}) }}",
    "{{ context.__operational__.signals.append('FORGED') }}",
    "{{ context.__operational__.update({'errors': 99}) }}",
]


def router_config(condition: str) -> str:
    return f"""
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: HIT
        condition: "{condition}"
      - signal_name: ALWAYS
"""


def capture_tools(store: list):
    def capture(**kwargs):
        store.append(kwargs)
        return "ok"

    return {"capture": capture}


def tool_config(parameters_yaml: str) -> str:
    body = "\n".join("      " + line for line in parameters_yaml.strip().splitlines())
    return f"""
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: capture
    output_field: out
    parameters:
{body}
"""


# --- CORE-60 / WP-13: sandbox -----------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_core60_attack_in_router_condition_fails_quietly(run_workflow, attack):
    """A sandbox violation in a condition makes only that condition fail (CORE-43/60)."""
    run = run_workflow(
        router_config(attack.replace('"', "'")), "main", ["START"],
        context={"x": [1, 2], "d": {"a": 1}},
    )
    assert "HIT" not in run.signals
    assert "ALWAYS" in run.signals  # the engine carried on
    ctx = run.context
    assert ctx["x"] == [[1, 2]]
    assert ctx["d"] == [{"a": 1}]
    assert "FORGED" not in ctx["__operational__"]["signals"]
    assert ctx["__operational__"]["errors"] == 0


@pytest.mark.parametrize("attack", ATTACKS)
def test_core60_attack_in_tool_parameter_passes_raw_text(run_workflow, attack):
    """TOOL-9: a render error (here a sandbox violation) leaves the template text as is."""
    calls: list = []
    config = tool_config(f'value: "{attack}"')
    run = run_workflow(
        config, "main", ["START"], context={"x": [1, 2], "d": {"a": 1}},
        tools=capture_tools(calls),
    )
    assert calls == [{"value": attack}]
    assert run.context["out"] == ["ok"]
    assert run.context["x"] == [[1, 2]]
    assert run.context["d"] == [{"a": 1}]
    assert "FORGED" not in run.signals


def test_core60_mutation_attempt_does_not_touch_stored_operational_state(run_workflow):
    """The template view shares reserved values with the store; the sandbox is immutable."""
    config = router_config(
        "{{ context.__operational__.signals.append('FORGED') or true }}"
    )
    run = run_workflow(config, "main", ["START"])
    assert run.signals == ["START", "ALWAYS"]


def test_core60_operational_and_parent_still_readable(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: HAS_OP
        condition: "{{ context.__operational__.signals | length == 1 }}"
      - signal_name: NODES_SEEN
        condition: "{{ context.__operational__.nodes.get('R', 0) == 1 }}"
      - signal_name: NO_PARENT
        condition: "{{ context.__parent__ is not defined }}"
"""
    run = run_workflow(config, "main", ["START"])
    assert run.signals == ["START", "HAS_OP", "NODES_SEEN", "NO_PARENT"]


def test_core60_parent_readable_in_child(run_workflow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [PARENT_OK]
kid:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions:
      - signal_name: PARENT_OK
        condition: "{{ context.__parent__.parent_execution_id | length > 0 }}"
"""
    run = run_workflow(config, "main", ["START"])
    assert "PARENT_OK" in run.signals


def test_core60_standard_filters_and_tests_available(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: JOIN
        condition: "{{ context.names | join(',') == 'a,b' }}"
      - signal_name: SELECT
        condition: "{{ context.votes | selectattr('v', 'equalto', 'yes') | list | length == 2 }}"
      - signal_name: TOJSON
        condition: "{{ context.cfg | tojson == '{\\"k\\": 1}' }}"
      - signal_name: DEFAULT
        condition: "{{ context.missing | default(7) == 7 }}"
      - signal_name: MAPPING
        condition: "{{ context.cfg is mapping }}"
"""
    run = run_workflow(
        config, "main", ["START"],
        context={
            "names": ["a", "b"],
            "votes": [{"v": "yes"}, {"v": "no"}, {"v": "yes"}],
            "cfg": {"k": 1},
        },
    )
    assert run.signals == ["START", "JOIN", "SELECT", "TOJSON", "DEFAULT", "MAPPING"]


# --- CORE-60: lenient undefined -------------------------------------------------------


def test_core60_lenient_undefined_in_conditions(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: NOT_DEFINED
        condition: "{{ context.missing is not defined }}"
      - signal_name: UNEQUAL
        condition: "{{ context.missing != 1 }}"
      - signal_name: RENDERS_EMPTY
        condition: "{{ context.missing }}"
      - signal_name: DEEP_FAILS
        condition: "{{ context.missing.deep is not defined }}"
      - signal_name: MISSING_KEY_OK
        condition: "{{ context.d.nokey is not defined }}"
"""
    run = run_workflow(config, "main", ["START"], context={"d": {"a": 1}})
    assert "NOT_DEFINED" in run.signals
    assert "UNEQUAL" in run.signals
    assert "RENDERS_EMPTY" not in run.signals  # "" is falsy
    assert "DEEP_FAILS" not in run.signals  # attribute of undefined raises -> fails
    assert "MISSING_KEY_OK" in run.signals


# --- CORE-43: string truthiness ----------------------------------------------------------


@pytest.mark.parametrize(
    "expression, passes",
    [
        ("false", False), ("0", False), ("none", False), ("''", False),
        ("'FALSE'", False), ("' None '", False),
        ("[]", True), ("{}", True), ("0.0", True), ("'no'", True), ("'null'", True),
        ("1 / 0", False), ("undefined_name.attr", False),
    ],
)
def test_core43_rendered_output_truthiness(run_workflow, expression, passes):
    run = run_workflow(router_config("{{ " + expression + " }}"), "main", ["START"])
    assert ("HIT" in run.signals) is passes


# --- CORE-42 / WP-6: template detection --------------------------------------------------


def test_wp6_multiline_condition_is_evaluated(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: BIG
        condition: |
          {{ context.n
             > 1 }}
      - signal_name: SMALL
        condition: |
          {{ context.n
             < 1 }}
"""
    run = run_workflow(config, "main", ["START"], context={"n": 2})
    assert "BIG" in run.signals
    assert "SMALL" not in run.signals


def test_wp6_statement_only_condition_is_evaluated(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: NEVER
        condition: "{% if false %}yes{% endif %}"
      - signal_name: SOMETIMES
        condition: "{% if context.n == 2 %}yes{% endif %}"
      - signal_name: PLAIN
        condition: "this is just a description"
"""
    run = run_workflow(config, "main", ["START"], context={"n": 2})
    assert run.signals == ["START", "SOMETIMES", "PLAIN"]


# --- CORE-52: the ``context.items`` gotcha ------------------------------------------------


def test_core52_items_key_shadowed_by_dict_method(run_workflow):
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: ATTR_IS_FIELD
        condition: "{{ context.items == [1, 2] }}"
      - signal_name: ITEM_IS_FIELD
        condition: "{{ context['items'] == [1, 2] }}"
      - signal_name: KEYS_FIELD
        condition: "{{ context['keys'] == 'k' }}"
"""
    run = run_workflow(config, "main", ["START"], context={"items": [1, 2], "keys": "k"})
    assert "ATTR_IS_FIELD" not in run.signals
    assert "ITEM_IS_FIELD" in run.signals
    assert "KEYS_FIELD" in run.signals


# --- TOOL-9 / CORE-61: inline parameter rendering ------------------------------------------


def test_tool9_rendered_values_are_always_strings(run_workflow):
    calls: list = []
    params = """
n: "{{ context.n }}"
flag: "{{ context.flag }}"
mapping: "{{ context.cfg }}"
lst: "{{ context.lst }}"
sum: "{{ context.n + 1 }}"
"""
    run_workflow(
        tool_config(params), "main", ["START"],
        context={"n": 3, "flag": True, "cfg": {"x": 1}, "lst": [1, 2]},
        tools=capture_tools(calls),
    )
    assert calls == [
        {"n": "3", "flag": "True", "mapping": "{'x': 1}", "lst": "[1, 2]", "sum": "4"}
    ]


def test_tool9_nested_structures_and_typed_leaves(run_workflow):
    calls: list = []
    params = """
nested:
  inner: "{{ context.name }}"
  deeper: {level: "{{ context.name | upper }}", count: 5}
items:
  - "{{ context.name }}"
  - 7
  - [true, "{{ context.name }}!"]
number: 42
ratio: 0.5
enabled: false
nothing: null
"{{ context.name }}": key-not-rendered
plain: no template here
"""
    run_workflow(
        tool_config(params), "main", ["START"], context={"name": "ada"},
        tools=capture_tools(calls),
    )
    assert calls == [
        {
            "nested": {"inner": "ada", "deeper": {"level": "ADA", "count": 5}},
            "items": ["ada", 7, [True, "ada!"]],
            "number": 42,
            "ratio": 0.5,
            "enabled": False,
            "nothing": None,
            "{{ context.name }}": "key-not-rendered",
            "plain": "no template here",
        }
    ]


def test_tool9_undefined_and_error_rules(run_workflow):
    calls: list = []
    params = """
missing: "{{ context.missing }}"
missing_key: "{{ context.cfg.nokey }}"
deep: "{{ context.missing.deep }}"
syntax: "{{ context.n +  }}"
unknown_filter: "{{ context.n | no_such_filter }}"
statement_only: "{% if true %}yes{% endif %}"
result: "{{ result }}"
operational: "{{ context.__operational__.signals }}"
accumulated: "{{ context.h | accumulated | length }}"
"""
    run_workflow(
        tool_config(params), "main", ["START"],
        context={"n": 1, "cfg": {"a": 1}, "h": [1, 2, 3]},
        tools=capture_tools(calls),
    )
    (kwargs,) = calls
    assert kwargs["missing"] == ""
    assert kwargs["missing_key"] == ""
    assert kwargs["deep"] == "{{ context.missing.deep }}"
    assert kwargs["syntax"] == "{{ context.n +  }}"
    assert kwargs["unknown_filter"] == "{{ context.n | no_such_filter }}"
    assert kwargs["statement_only"] == "{% if true %}yes{% endif %}"
    assert kwargs["result"] == ""  # ``result`` only exists in tool conditions
    assert kwargs["operational"] == "['START']"
    assert kwargs["accumulated"] == "3"


def test_core61_condition_syntax_error_in_tool_condition_drops_signal(run_workflow):
    """Tool conditions are not Jinja-checked statically; a broken one fails at runtime."""
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: capture
    event_emissions:
      - signal_name: BROKEN
        condition: "{{ result + }}"
      - signal_name: FINE
        condition: "{{ result == 'ok' }}"
"""
    run = run_workflow(config, "main", ["START"], tools=capture_tools([]))
    assert run.signals == ["START", "FINE"]
    assert run.events("node_error") == []
