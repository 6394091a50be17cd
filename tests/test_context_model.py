"""Context model: histories, reserved fields, template view, output writes, parent sync.

Spec: 01-core.md section 7 (CORE-50..59), 03-tools-child-builtins.md CHILD-9 / WP-3 / WP-17.
"""

from __future__ import annotations

import pytest
import soe.lib.context_fields as compat_fields

import soe_core.context as core_fields
from soe_core import (
    WorkflowValidationError,
    create_all_nodes,
    create_in_memory_backends,
    create_local_backends,
    orchestrate,
)
from soe_core.context import template_view, wrap_initial_context
from soe_core.templating import ContextView, render_parameters, render_prompt

FIELD_MODULES = pytest.mark.parametrize(
    "fields", [core_fields, compat_fields], ids=["soe_core.context", "soe.lib.context_fields"]
)


def file_backends(tmp_path):
    return create_local_backends(
        context_storage_dir=str(tmp_path / "contexts"),
        workflow_storage_dir=str(tmp_path / "workflows"),
        telemetry_storage_dir=str(tmp_path / "telemetry"),
        conversation_history_storage_dir=str(tmp_path / "conversations"),
        context_schema_storage_dir=str(tmp_path / "schemas"),
        identity_storage_dir=str(tmp_path / "identities"),
    )


@pytest.fixture(params=["memory", "files"])
def backends(request, tmp_path):
    if request.param == "memory":
        return create_in_memory_backends()
    return file_backends(tmp_path)


def run_on(backends, config, workflow, signals, context=None, tools=None):
    nodes, broadcast = create_all_nodes(backends, tools_registry=tools)
    execution_id = orchestrate(config, workflow, list(signals), context or {}, backends, broadcast)
    return execution_id, backends.context.get_context(execution_id)


# --- CORE-51: field helpers -------------------------------------------------------------


@FIELD_MODULES
def test_core51_set_field_appends_history_without_dedup(fields):
    ctx: dict = {}
    fields.set_field(ctx, "x", 1)
    fields.set_field(ctx, "x", 1)
    fields.set_field(ctx, "x", 2)
    assert ctx == {"x": [1, 1, 2]}


@FIELD_MODULES
def test_core51_set_field_reserved_overwrites_raw(fields):
    ctx: dict = {}
    fields.set_field(ctx, "__meta", {"a": 1})
    fields.set_field(ctx, "__meta", {"b": 2})
    fields.set_field(ctx, "__flag", [1, 2])
    assert ctx == {"__meta": {"b": 2}, "__flag": [1, 2]}


@FIELD_MODULES
def test_core51_get_field_latest_value_or_none(fields):
    ctx = {"x": ["a", "b"], "__meta": ["raw", "list"], "empty": []}
    assert fields.get_field(ctx, "x") == "b"
    assert fields.get_field(ctx, "missing") is None
    assert fields.get_field(ctx, "__meta") == ["raw", "list"]  # reserved: raw value
    assert fields.get_field(ctx, "__missing") is None


@FIELD_MODULES
def test_core51_get_accumulated_rules(fields):
    ctx = {"one_list": [[1, 2, 3]], "hist": [[1], [2]], "scalars": ["a", "b"], "single": [5]}
    assert fields.get_accumulated(ctx, "missing") == []
    assert fields.get_accumulated(ctx, "one_list") == [1, 2, 3]  # single list entry unwrapped
    assert fields.get_accumulated(ctx, "hist") == [[1], [2]]  # several entries: whole history
    assert fields.get_accumulated(ctx, "scalars") == ["a", "b"]
    assert fields.get_accumulated(ctx, "single") == [5]


@FIELD_MODULES
def test_core51_get_accumulated_returns_copies(fields):
    ctx = {"one_list": [[1, 2]], "hist": ["a", "b"]}
    fields.get_accumulated(ctx, "one_list").append(99)
    fields.get_accumulated(ctx, "hist").append("c")
    assert ctx == {"one_list": [[1, 2]], "hist": ["a", "b"]}


def test_core51_compat_exports_same_helpers():
    assert compat_fields.set_field is core_fields.set_field
    assert compat_fields.get_field is core_fields.get_field
    assert compat_fields.get_accumulated is core_fields.get_accumulated


# --- CORE-50 / CORE-58: storage representation and initial context ---------------------

ECHO = """
main:
  Echo:
    node_type: tool
    event_triggers: [START]
    tool_name: echo
    output_field: out
"""


def test_core58_wrap_initial_context_unit():
    wrapped = wrap_initial_context({"a": 1, "items": [1, 2], "__meta": {"k": 1}, "n": None})
    assert wrapped == {"a": [1], "items": [[1, 2]], "__meta": {"k": 1}, "n": [None]}


def test_core50_core58_initial_context_stored_as_histories(backends):
    _, ctx = run_on(
        backends, ECHO, "main", ["START"],
        {"name": "Ada", "items": [1, 2], "cfg": {"k": "v"}, "__meta": {"raw": True}},
        tools={"echo": lambda: "done"},
    )
    assert ctx["name"] == ["Ada"]
    assert ctx["items"] == [[1, 2]]  # a list value is a one-entry history holding the list
    assert ctx["cfg"] == [{"k": "v"}]
    assert ctx["__meta"] == {"raw": True}  # reserved: raw
    assert ctx["out"] == ["done"]
    assert isinstance(ctx["__operational__"], dict)
    assert core_fields.get_accumulated(ctx, "items") == [1, 2]


# --- CORE-52: template view --------------------------------------------------------------


def test_core52_template_view_latest_values_and_raw_reserved():
    ctx = {"x": [1, 2, 3], "__operational__": {"signals": ["S"]}, "__meta": [1, 2]}
    view = template_view(ctx)
    assert view == {"x": 3, "__operational__": {"signals": ["S"]}, "__meta": [1, 2]}
    assert view is not ctx


def test_core52_router_sees_latest_value_and_operational():
    config = """
main:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: LATEST_IS_3
        condition: "{{ context.x == 3 }}"
      - signal_name: FIRST_IS_1
        condition: "{{ context.x == 1 }}"
      - signal_name: SEES_START
        condition: "{{ 'START' in context.__operational__.signals }}"
"""
    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends)
    execution_id = orchestrate(config, "main", ["START"], {}, backends, broadcast)
    # push x's history to [1, 2, 3] and re-trigger the router
    ctx = backends.context.get_context(execution_id)
    for value in (1, 2, 3):
        core_fields.set_field(ctx, "x", value)
    backends.context.save_context(execution_id, ctx)
    from soe_core import broadcast_signals

    broadcast_signals(execution_id, ["START"], nodes, backends)
    signals = backends.context.get_context(execution_id)["__operational__"]["signals"]
    assert signals.count("LATEST_IS_3") == 1
    assert "FIRST_IS_1" not in signals
    assert signals.count("SEES_START") == 2


def test_core52_context_view_is_a_snapshot_not_the_store():
    ctx = {"x": [1]}
    view = ContextView.of(ctx)
    assert render_parameters({"v": "{{ context.x }}"}, view) == {"v": "1"}
    assert ctx == {"x": [1]}


# --- CORE-53 / PATTERN-7 / WP-17: accumulated filter -------------------------------------


def render(template: str, ctx: dict) -> str:
    return render_parameters({"v": template}, ContextView.of(ctx))["v"]


def test_core53_accumulated_returns_full_history():
    ctx = {"f": ["a", "b", "c"]}
    assert render("{{ context.f | accumulated }}", ctx) == "['a', 'b', 'c']"
    assert render("{{ context.f | accumulated | length }}", ctx) == "3"
    assert render("{{ context.f }}", ctx) == "c"  # still the latest value


def test_core53_accumulated_unwraps_single_list_entry():
    ctx = {"items": [[1, 2, 3]]}
    assert render("{{ context.items | accumulated | length }}", ctx) == "3"
    assert render("{{ context['items'] | accumulated | length }}", ctx) == "3"


def test_core53_wp17_accumulated_resolves_by_field_name_not_value():
    """WP-17: a = [1, 5], b = [5]; ``context.b | accumulated`` must be b's history."""
    ctx = {"a": [1, 5], "b": [5]}
    assert render("{{ context.b | accumulated | length }}", ctx) == "1"
    assert render("{{ context.b | accumulated }}", ctx) == "[5]"
    assert render("{{ context['b'] | accumulated }}", ctx) == "[5]"
    assert render("{{ context.a | accumulated }}", ctx) == "[1, 5]"


def test_core53_accumulated_missing_field_is_empty_list():
    ctx = {"a": [1]}
    assert render("{{ context.missing | accumulated | length }}", ctx) == "0"
    assert render("{{ context.missing | accumulated }}", ctx) == "[]"


def test_core53_wp17_in_router_condition(run_workflow):
    """WP-17 end to end: a ends with the same value as b; b's history has one entry."""
    config = """
main:
  SetA:
    node_type: tool
    event_triggers: [START]
    tool_name: five
    output_field: a
    event_emissions: [{signal_name: CHECK}]
  R:
    node_type: router
    event_triggers: [CHECK]
    event_emissions:
      - signal_name: B_HAS_ONE
        condition: "{{ context.b | accumulated | length == 1 }}"
      - signal_name: B_HAS_TWO
        condition: "{{ context.b | accumulated | length == 2 }}"
      - signal_name: MISSING_EMPTY
        condition: "{{ context.nope | accumulated | length == 0 }}"
"""
    run = run_workflow(
        config, "main", ["START"], context={"a": 1, "b": 5}, tools={"five": lambda: 5}
    )
    assert run.context["a"] == [1, 5] and run.context["b"] == [5]
    assert "B_HAS_ONE" in run.signals
    assert "B_HAS_TWO" not in run.signals
    assert "MISSING_EMPTY" in run.signals


# --- CORE-54: exactly one history entry per output ---------------------------------------

WRITE_TWICE = """
main:
  First:
    node_type: tool
    event_triggers: [START]
    tool_name: produce
    output_field: ans
    event_emissions: [{signal_name: AGAIN}]
  Second:
    node_type: tool
    event_triggers: [AGAIN]
    tool_name: produce
    output_field: ans
"""


def test_core54_one_entry_per_output_on_existing_field(backends):
    values = iter(["hi", "ho"])
    _, ctx = run_on(
        backends, WRITE_TWICE, "main", ["START"], {"ans": "old"},
        tools={"produce": lambda: next(values)},
    )
    assert ctx["ans"] == ["old", "hi", "ho"]


def test_core54_one_entry_per_output_on_new_field(backends):
    _, ctx = run_on(backends, ECHO, "main", ["START"], tools={"echo": lambda: {"k": 1}})
    assert ctx["out"] == [{"k": 1}]


def test_core54_none_result_writes_nothing(backends):
    _, ctx = run_on(
        backends, ECHO, "main", ["START"], {"out": "keep"}, tools={"echo": lambda: None}
    )
    assert ctx["out"] == ["keep"]
    _, ctx = run_on(backends, ECHO, "main", ["START"], tools={"echo": lambda: None})
    assert "out" not in ctx


def test_core54_falsy_non_none_results_are_written(backends):
    values = iter([0, ""])
    _, ctx = run_on(
        backends, WRITE_TWICE, "main", ["START"], tools={"produce": lambda: next(values)}
    )
    assert ctx["ans"] == [0, ""]


def test_core56_reserved_output_field_stored_raw(backends):
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: produce
    output_field: __meta
    event_emissions: [{signal_name: AGAIN}]
  U:
    node_type: tool
    event_triggers: [AGAIN]
    tool_name: produce
    output_field: __meta
"""
    values = iter([[1, 2], {"b": 2}])
    _, ctx = run_on(backends, config, "main", ["START"], tools={"produce": lambda: next(values)})
    assert ctx["__meta"] == {"b": 2}  # overwritten, never wrapped in a history


@pytest.mark.parametrize("field", ["__operational__", "__parent__"])
def test_core56_output_field_operational_and_parent_rejected(run_workflow, field):
    config = f"""
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: produce
    output_field: {field}
"""
    with pytest.raises(WorkflowValidationError, match="reserved system field"):
        run_workflow(config, "main", ["START"], tools={"produce": lambda: 1})


# --- CORE-55 / CHILD-9 / WP-3: parent sync appends only the new value -------------------

SYNC_TWO_LEVELS = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: middle
    child_initial_signals: [GO]
    input_fields: [x]
    context_updates_to_parent: [x, y]
middle:
  Bump:
    node_type: tool
    event_triggers: [GO]
    tool_name: bump
    context_parameter_field: x
    output_field: x
    event_emissions: [{signal_name: BUMPED}]
  Bump2:
    node_type: tool
    event_triggers: [BUMPED]
    tool_name: bump
    context_parameter_field: x
    output_field: x
    event_emissions: [{signal_name: DEEPER}]
  Deeper:
    node_type: child
    event_triggers: [DEEPER]
    child_workflow_name: leaf
    child_initial_signals: [GO]
    input_fields: [x]
    context_updates_to_parent: [x, z]
leaf:
  Leaf:
    node_type: tool
    event_triggers: [GO]
    tool_name: bump
    context_parameter_field: x
    output_field: x
    event_emissions: [{signal_name: Z}]
  LeafZ:
    node_type: tool
    event_triggers: [Z]
    tool_name: zed
    output_field: z
"""


def child_ids(backends, execution_id):
    events = backends.telemetry.get_events(execution_id)
    return [
        e["context"]["child_execution_id"] for e in events if e["event_type"] == "child_started"
    ]


def test_core55_parent_sync_only_new_values_multi_level(backends):
    """CORE-55/CHILD-9: each write travels up once; WP-3 duplicates must not appear."""
    tools = {
        "bump": {"function": lambda hist: hist[-1] + "!", "process_accumulated": True},
        "zed": lambda: "zz",
    }
    root_id, root = run_on(backends, SYNC_TWO_LEVELS, "main", ["START"], {"x": "a"}, tools=tools)
    # root: initial "a", middle's two writes, leaf's write synced via middle (x listed at both)
    assert root["x"] == ["a", "a!", "a!!", "a!!!"]
    # z is listed by leaf->middle only; middle does not list z for root -> stops at middle
    assert "z" not in root
    (middle_id,) = child_ids(backends, root_id)
    middle = backends.context.get_context(middle_id)
    # middle: input "a", its own two writes, leaf's write once
    assert middle["x"] == ["a", "a!", "a!!", "a!!!"]
    assert middle["z"] == ["zz"]
    (leaf_id,) = child_ids(backends, middle_id)
    leaf = backends.context.get_context(leaf_id)
    assert leaf["x"] == ["a!!", "a!!!"]  # input is the latest value only (CHILD-4)
    assert leaf["z"] == ["zz"]


def test_core55_unlisted_field_not_synced_and_initial_context_not_synced(backends):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    input_fields: [seed]
    context_updates_to_parent: [seed, listed]
kid:
  W:
    node_type: tool
    event_triggers: [GO]
    tool_name: one
    output_field: unlisted
    event_emissions: [{signal_name: NEXT}]
  L:
    node_type: tool
    event_triggers: [NEXT]
    tool_name: one
    output_field: listed
"""
    _, root = run_on(backends, config, "main", ["START"], {"seed": "s"}, tools={"one": lambda: 1})
    assert root["seed"] == ["s"]  # input field copied into child is never synced back
    assert "unlisted" not in root
    assert root["listed"] == [1]


def test_core55_sync_copies_values_not_shared_objects():
    backends = create_in_memory_backends()
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    context_updates_to_parent: [data]
kid:
  W:
    node_type: tool
    event_triggers: [GO]
    tool_name: make
    output_field: data
"""
    root_id, root = run_on(backends, config, "main", ["START"], tools={"make": lambda: {"k": [1]}})
    (kid_id,) = child_ids(backends, root_id)
    kid = backends.context.get_context(kid_id)
    kid["data"][-1]["k"].append(2)
    backends.context.save_context(kid_id, kid)
    assert backends.context.get_context(root_id)["data"] == [{"k": [1]}]


# --- CORE-59: prompt rendering warnings --------------------------------------------------


def test_core59_prompt_warnings():
    ctx = {"none": [None], "empty": [""], "ok": ["fine"]}
    text, warnings = render_prompt(
        "{{ context.missing }} {{ context.none }} {{ context['empty'] }} {{ context.ok }}",
        ContextView.of(ctx),
    )
    assert text.endswith("fine")
    assert "Context field 'missing' referenced in prompt but not found in context" in warnings
    assert "Context field 'none' is None" in warnings
    assert "Context field 'empty' is empty string" in warnings
    assert not any("'ok'" in w for w in warnings)


def test_core59_all_references_in_one_block_found():
    _, warnings = render_prompt("{{ context.a ~ context.b }}", ContextView.of({}))
    assert any("'a'" in w for w in warnings) and any("'b'" in w for w in warnings)


def test_core61_prompt_errors_return_raw_text_with_warning():
    template = "Hello {{ context.x.y.z }}"
    text, warnings = render_prompt(template, ContextView.of({}))
    assert text == template
    assert any(w.startswith("Template rendering error") for w in warnings)
    text, warnings = render_prompt("Hi {{ oops", ContextView.of({}))
    assert text == "Hi {{ oops"
    assert any(w.startswith("Jinja syntax error") for w in warnings)
    assert render_prompt("plain text\n", ContextView.of({})) == ("plain text\n", [])
