"""The tool node: registry entries, parameters, output, emissions, retries, events.

Spec: 03-tools-child-builtins.md TOOL-1..23 (with WP-2 / WP-9 deviations) and
01-core.md CORE-45 (conditions see the pre-execution context).
"""

from __future__ import annotations

import pytest
import soe
import soe.nodes

from soe_core import (
    ToolNodeConfigurationError,
    ToolParameterError,
    WorkflowValidationError,
    broadcast_signals,
    create_all_nodes,
    create_in_memory_backends,
    orchestrate,
)
from soe_core.context import set_field


def tool_node(**keys) -> str:
    """A one-node workflow ``main`` with a tool node ``T`` triggered by START."""
    lines = ["main:", "  T:", "    node_type: tool", "    event_triggers: [START]"]
    for key, value in keys.items():
        lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"


class Recorder:
    """A tool that records how it was called."""

    def __init__(self, result="ok", fail_times=0, error=None):
        self.calls: list = []
        self.result = result
        self.fail_times = fail_times
        self.error = error or RuntimeError("boom")

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if len(self.calls) <= self.fail_times:
            raise self.error
        return self.result


def always_fails():
    raise RuntimeError("always broken")


# --- TOOL-1 / TOOL-12: registry shapes and call convention -------------------------------


def test_tool1_plain_callable_and_dict_entries(run_workflow):
    config = """
main:
  A:
    node_type: tool
    event_triggers: [START]
    tool_name: plain
    output_field: a
  B:
    node_type: tool
    event_triggers: [START]
    tool_name: wrapped
    output_field: b
"""
    run = run_workflow(
        config, "main", ["START"],
        tools={"plain": lambda: 1, "wrapped": {"function": lambda: 2, "unknown_key": "ignored"}},
    )
    assert run.context["a"] == [1] and run.context["b"] == [2]


def test_tool1_default_max_retries_is_zero(run_workflow):
    tool = Recorder(fail_times=5)
    run = run_workflow(tool_node(tool_name="t", output_field="out"), "main", ["START"],
                       tools={"t": tool})
    assert len(tool.calls) == 1
    assert run.context["out"] == ["boom"]
    (event,) = run.events("tool_call")
    assert event["context"] == {"tool_name": "t", "max_retries": 0}


def test_tool5_retry_keys_in_yaml_have_no_effect(run_workflow):
    tool = Recorder(fail_times=5)
    config = tool_node(tool_name="t", max_retries=3, failure_signal="FAILED",
                       process_accumulated="true")
    run = run_workflow(config, "main", ["START"], tools={"t": tool})
    assert len(tool.calls) == 1
    assert "FAILED" not in run.signals


# --- TOOL-2: entry validation when the node runs --------------------------------------------


@pytest.mark.parametrize(
    "entry, fragment",
    [
        (42, "must be a callable or dict with 'function' key"),
        ({"max_retries": 1}, "must have 'function' key"),
        ({"function": "not callable"}, "'function' must be callable"),
        ({"function": lambda: 1, "max_retries": -1}, "must be a non-negative integer"),
        ({"function": lambda: 1, "max_retries": "2"}, "must be a non-negative integer"),
        ({"function": lambda: 1, "failure_signal": 5}, "'failure_signal' must be a string"),
    ],
)
def test_tool2_bad_entries_raise_when_triggered(run_workflow, entry, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment):
        run_workflow(tool_node(tool_name="t"), "main", ["START"], tools={"t": entry})
    # not triggered -> not checked
    run = run_workflow(tool_node(tool_name="t"), "main", ["OTHER"], tools={"t": entry})
    assert run.signals == ["OTHER"]


# --- TOOL-3 / TOOL-4: lookup ------------------------------------------------------------


def test_tool3_unknown_tool_raises_at_trigger_time(run_workflow):
    with pytest.raises(WorkflowValidationError) as info:
        run_workflow(tool_node(tool_name="nope"), "main", ["START"], tools={})
    assert "Tool 'nope' not found in tools_registry or builtin tools" in str(info.value)
    run = run_workflow(tool_node(tool_name="nope"), "main", ["OTHER"], tools={})
    assert run.signals == ["OTHER"]


def test_tool4_tool_node_type_available_without_registry(run_workflow):
    """Without a registry the node type still exists (no KeyError on 'tool')."""
    with pytest.raises(WorkflowValidationError, match="Tool 'nope' not found"):
        run_workflow(tool_node(tool_name="nope"), "main", ["START"])


def test_tool3_unknown_tool_error_propagates_from_external_broadcast(memory_backends):
    config = tool_node(tool_name="nope")
    nodes, broadcast = create_all_nodes(memory_backends, tools_registry={})
    execution_id = orchestrate(config, "main", ["OTHER"], {}, memory_backends, broadcast)
    with pytest.raises(WorkflowValidationError, match="Tool 'nope' not found"):
        broadcast_signals(execution_id, ["START"], nodes, memory_backends)


# --- TOOL-6: static validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "keys, fragment",
    [
        ({"tool_name": "t", "parameters": "[1, 2]"}, "'parameters' must be a dict"),
        ({"tool_name": "t", "parameters": "{a: 1}", "context_parameter_field": "x"},
         "Cannot specify both"),
        ({"tool_name": "t", "output_field": "__operational__"}, "reserved system field"),
        ({"tool_name": "t", "output_field": "[a]"}, "'output_field' must be a string"),
        ({"tool_name": "t", "event_emissions": "X"}, "'event_emissions' must be a list"),
        ({"tool_name": "t", "event_emissions": "[X]"}, r"'event_emissions\[0\]' must be a dict"),
        ({"tool_name": "t", "event_emissions": "[{condition: x}]"},
         r"'event_emissions\[0\]' must have 'signal_name'"),
        ({}, "'tool_name' is required"),
    ],
)
def test_tool6_static_validation_at_orchestration(run_workflow, keys, fragment):
    tool = Recorder()
    with pytest.raises(WorkflowValidationError, match=fragment) as info:
        run_workflow(tool_node(**keys), "main", ["OTHER"], tools={"t": tool})
    assert "Workflow 'main', node 'T'" in str(info.value)
    assert tool.calls == []


def test_tool6_missing_triggers(run_workflow):
    config = "main:\n  T: {node_type: tool, tool_name: t}\n"
    with pytest.raises(WorkflowValidationError, match="'event_triggers' is required"):
        run_workflow(config, "main", ["START"], tools={"t": Recorder()})


# --- TOOL-7 / TOOL-8: parameters ---------------------------------------------------------------


def test_tool7_no_parameters_calls_without_arguments(run_workflow):
    tool = Recorder()
    run_workflow(tool_node(tool_name="t"), "main", ["START"], context={"x": 1}, tools={"t": tool})
    assert tool.calls == [((), {})]


def test_tool8_parameters_resolved_once_and_reused_by_retries():
    backends = create_in_memory_backends()
    seen: list = []

    def tool(value):
        seen.append(value)
        # change the context mid-run; retries must not re-render
        ctx = backends.context.get_context(execution_ids[0])
        set_field(ctx, "x", "changed")
        backends.context.save_context(execution_ids[0], ctx)
        if len(seen) < 3:
            raise RuntimeError("again")
        return value

    execution_ids: list = []

    def record_id(execution_id, signals):
        execution_ids.append(execution_id)
        broadcast(execution_id, signals)

    nodes, broadcast = create_all_nodes(
        backends, tools_registry={"t": {"function": tool, "max_retries": 2}}
    )
    config = tool_node(tool_name="t", parameters='{value: "{{ context.x }}"}', output_field="out")
    execution_id = orchestrate(config, "main", ["START"], {"x": "original"}, backends, record_id)
    assert seen == ["original", "original", "original"]
    assert backends.context.get_context(execution_id)["out"] == ["original"]


# --- TOOL-10: context_parameter_field ------------------------------------------------------


def test_tool10_mapping_field_unpacked_as_kwargs(run_workflow):
    tool = Recorder()
    run_workflow(tool_node(tool_name="t", context_parameter_field="args"), "main", ["START"],
                 context={"args": {"a": 1, "b": [2]}}, tools={"t": tool})
    assert tool.calls == [((), {"a": 1, "b": [2]})]


def test_tool10_latest_value_used(run_workflow):
    config = """
main:
  Make:
    node_type: tool
    event_triggers: [START]
    tool_name: make
    output_field: args
    event_emissions: [{signal_name: NEXT}]
  Use:
    node_type: tool
    event_triggers: [NEXT]
    tool_name: t
    context_parameter_field: args
"""
    tool = Recorder()
    run_workflow(config, "main", ["START"], context={"args": {"v": "old"}},
                 tools={"make": lambda: {"v": "new"}, "t": tool})
    assert tool.calls == [((), {"v": "new"})]


def test_tool10_yaml_string_parsed_to_mapping(run_workflow):
    tool = Recorder()
    run_workflow(tool_node(tool_name="t", context_parameter_field="args"), "main", ["START"],
                 context={"args": "a: 1\nb: [x, y]\nc: true"}, tools={"t": tool})
    assert tool.calls == [((), {"a": 1, "b": ["x", "y"], "c": True})]


def test_tool10_dotted_name_is_a_literal_field(run_workflow):
    tool = Recorder()
    run_workflow(tool_node(tool_name="t", context_parameter_field="a.b"), "main", ["START"],
                 context={"a.b": {"k": 1}, "a": {"b": {"wrong": 1}}}, tools={"t": tool})
    assert tool.calls == [((), {"k": 1})]


def test_tool10_dunder_field_raw_value(run_workflow):
    tool = Recorder()
    run_workflow(tool_node(tool_name="t", context_parameter_field="__args"), "main", ["START"],
                 context={"__args": {"k": 2}}, tools={"t": tool})
    assert tool.calls == [((), {"k": 2})]


def test_tool10_absent_field_calls_without_arguments_and_fails(run_workflow):
    def needs_arg(x):
        return x

    config = tool_node(tool_name="t", context_parameter_field="missing", output_field="out")
    run = run_workflow(config, "main", ["START"],
                       tools={"t": {"function": needs_arg, "failure_signal": "FAILED"}})
    assert "FAILED" in run.signals
    assert "missing" in run.context["out"][0] and "argument" in run.context["out"][0]


@pytest.mark.parametrize("value", [[1, 2], 5, "just a scalar string", "- a\n- b", None])
def test_tool10_non_mapping_goes_to_failure_path(run_workflow, value):
    tool = Recorder()
    config = tool_node(tool_name="t", context_parameter_field="args", output_field="out",
                       event_emissions="[{signal_name: OK}]")
    run = run_workflow(
        config, "main", ["START"], context={"args": value},
        tools={"t": {"function": tool, "failure_signal": "FAILED", "max_retries": 1}},
    )
    assert tool.calls == []
    assert run.signals == ["START", "FAILED"]
    assert "mapping" in run.context["out"][0]
    assert run.context["__operational__"]["errors"] == 2  # retried, then failed
    errors = run.events("node_error")
    assert errors[0]["context"]["retry_attempt"] == 1
    assert errors[-1]["context"]["tool_name"] == "t"


def test_wp9_malformed_yaml_goes_to_failure_path(run_workflow):
    """WP-9 new behaviour: malformed YAML is a failed attempt, not an escaping ValueError."""
    tool = Recorder()
    config = tool_node(tool_name="t", context_parameter_field="args", output_field="out")
    run = run_workflow(
        config, "main", ["START"], context={"args": "a: [1, 2\nb: {"},
        tools={"t": {"function": tool, "failure_signal": "FAILED", "max_retries": 2}},
    )
    assert tool.calls == []
    assert "FAILED" in run.signals
    assert run.context["out"][0]  # the error text is stored
    assert run.context["__operational__"]["errors"] == 3
    assert len(run.events("node_error")) == 3


# --- TOOL-11: process_accumulated -----------------------------------------------------------


def test_tool11_initial_list_arrives_unflattened(run_workflow):
    tool = Recorder()
    run_workflow(tool_node(tool_name="t", context_parameter_field="items"), "main", ["START"],
                 context={"items": [1, 2, 3]},
                 tools={"t": {"function": tool, "process_accumulated": True}})
    assert tool.calls == [(([[1, 2, 3]],), {})]


def test_tool11_appended_history_arrives_whole(run_workflow):
    config = """
main:
  Loop:
    node_type: tool
    event_triggers: [START, AGAIN]
    tool_name: step
    output_field: results
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ result < 3 }}"
      - signal_name: DONE
        condition: "{{ result == 3 }}"
  Agg:
    node_type: tool
    event_triggers: [DONE]
    tool_name: agg
    context_parameter_field: results
    output_field: total
"""
    counter = iter(range(1, 10))
    agg = Recorder(result="summed")
    run = run_workflow(config, "main", ["START"], tools={
        "step": lambda: next(counter),
        "agg": {"function": agg, "process_accumulated": True},
    })
    assert agg.calls == [(([1, 2, 3],), {})]
    assert run.context["total"] == ["summed"]


def test_tool11_inline_parameters_and_missing_field(run_workflow):
    inline = Recorder()
    run_workflow(tool_node(tool_name="t", parameters="{a: 1}"), "main", ["START"],
                 tools={"t": {"function": inline, "process_accumulated": True}})
    assert inline.calls == [((), {"a": 1})]
    missing = Recorder()
    run_workflow(tool_node(tool_name="t", context_parameter_field="nope"), "main", ["START"],
                 tools={"t": {"function": missing, "process_accumulated": True}})
    assert missing.calls == [((), {})]


# --- TOOL-13 / TOOL-14 / CORE-45: output and emission namespace ----------------------------


def test_tool13_none_result_not_stored_but_emissions_evaluated(run_workflow):
    config = tool_node(
        tool_name="t", output_field="out",
        event_emissions='[{signal_name: ALWAYS}, {signal_name: NONE_FALSE, '
                        'condition: "{{ result }}"}, {signal_name: IS_NONE, '
                        'condition: "{{ result is none }}"}]',
    )
    run = run_workflow(config, "main", ["START"], tools={"t": lambda: None})
    assert "out" not in run.context
    assert run.signals == ["START", "ALWAYS", "IS_NONE"]


def test_tool13_results_stored_unconverted(run_workflow):
    result = {"nested": [1, {"x": None}], "flag": True}
    run = run_workflow(tool_node(tool_name="t", output_field="out"), "main", ["START"],
                       tools={"t": lambda: result})
    assert run.context["out"] == [result]


def test_tool14_conditions_see_result_keys(run_workflow):
    config = tool_node(
        tool_name="t",
        event_emissions='[{signal_name: HIGH, condition: "{{ result.score > 5 }}"}, '
                        '{signal_name: LOW, condition: "{{ result.score <= 5 }}"}]',
    )
    run = run_workflow(config, "main", ["START"], tools={"t": lambda: {"score": 9}})
    assert run.signals == ["START", "HIGH"]


@pytest.fixture(params=["memory", "files"])
def any_backends(request, tmp_path):
    from soe_core import create_local_backends

    if request.param == "memory":
        return create_in_memory_backends()
    return create_local_backends(
        context_storage_dir=str(tmp_path / "c"), workflow_storage_dir=str(tmp_path / "w")
    )


def run_on(backends, config, context, tools):
    nodes, broadcast = create_all_nodes(backends, tools_registry=tools)
    execution_id = orchestrate(config, "main", ["START"], context, backends, broadcast)
    return backends.context.get_context(execution_id)


def test_core45_condition_context_is_pre_execution_snapshot_existing_field(any_backends):
    """CORE-45 MUST / CORE-89: the same snapshot on every backend."""
    config = tool_node(
        tool_name="t", output_field="out",
        event_emissions='[{signal_name: SAW_OLD, condition: "{{ context.out == \'old\' }}"}, '
                        '{signal_name: SAW_NEW, condition: "{{ context.out == \'new\' }}"}, '
                        '{signal_name: ONE_ENTRY, '
                        'condition: "{{ context.out | accumulated | length == 1 }}"}, '
                        '{signal_name: NO_TOOL_CALL_YET, '
                        'condition: "{{ context.__operational__.tool_calls == 0 }}"}]',
    )
    ctx = run_on(any_backends, config, {"out": "old"}, {"t": lambda: "new"})
    assert ctx["out"] == ["old", "new"]
    assert ctx["__operational__"]["signals"] == [
        "START", "SAW_OLD", "ONE_ENTRY", "NO_TOOL_CALL_YET"
    ]


def test_core45_condition_context_is_pre_execution_snapshot_new_field(any_backends):
    config = tool_node(
        tool_name="t", output_field="out",
        event_emissions='[{signal_name: ABSENT, condition: "{{ context.out is not defined }}"}, '
                        '{signal_name: EMPTY, '
                        'condition: "{{ context.out | accumulated | length == 0 }}"}]',
    )
    ctx = run_on(any_backends, config, {}, {"t": lambda: "new"})
    assert ctx["out"] == ["new"]
    assert ctx["__operational__"]["signals"] == ["START", "ABSENT", "EMPTY"]


# --- TOOL-15 / TOOL-16 / TOOL-17: emissions ------------------------------------------------


def test_tool15_no_emissions_on_failure(run_workflow):
    config = tool_node(tool_name="t", event_emissions="[{signal_name: OK}]")
    run = run_workflow(config, "main", ["START"],
                       tools={"t": {"function": always_fails, "failure_signal": "FAILED"}})
    assert run.signals == ["START", "FAILED"]


def test_tool16_condition_forms(run_workflow):
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: t
    event_emissions:
      - signal_name: UNCONDITIONAL
      - signal_name: PLAIN_TEXT
        condition: "when the result looks good"
      - signal_name: STATEMENT_FALSE
        condition: "{% if result > 100 %}yes{% endif %}"
      - signal_name: MULTILINE_FALSE
        condition: |
          {{ result
             > 100 }}
      - signal_name: ZERO_POINT_ZERO
        condition: "{{ 0.0 }}"
      - signal_name: RENDER_ERROR
        condition: "{{ result.missing.deeper }}"
      - signal_name: ZERO
        condition: "{{ result - 5 }}"
      - signal_name: LAST
        condition: "{{ result == 5 }}"
"""
    run = run_workflow(config, "main", ["START"], tools={"t": lambda: 5})
    assert run.signals == ["START", "UNCONDITIONAL", "PLAIN_TEXT", "ZERO_POINT_ZERO", "LAST"]
    assert run.events("node_error") == []


def test_tool16_non_string_condition_aborts_all_emissions(run_workflow):
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: t
    output_field: out
    event_emissions:
      - signal_name: FIRST
      - signal_name: BAD
        condition: true
"""
    run = run_workflow(config, "main", ["START"], tools={"t": lambda: 1})
    assert run.signals == ["START"]
    assert run.context["out"] == [1]  # the output was still written
    (error,) = run.events("node_error")
    assert error["context"]["error"].startswith("Condition evaluation failed")
    assert run.context["__operational__"]["errors"] == 1


def test_tool16_items_gotcha_in_tool_condition(run_workflow):
    config = tool_node(
        tool_name="t",
        event_emissions='[{signal_name: ATTR, condition: "{{ context.items == 1 }}"}, '
                        '{signal_name: ITEM, condition: "{{ context[\'items\'] == 1 }}"}]',
    )
    run = run_workflow(config, "main", ["START"], context={"items": 1}, tools={"t": lambda: 0})
    assert run.signals == ["START", "ITEM"]


def test_tool17_passing_signals_broadcast_together(run_workflow):
    config = tool_node(tool_name="t",
                       event_emissions="[{signal_name: A}, {signal_name: B}, {signal_name: C}]")
    run = run_workflow(config, "main", ["START"], tools={"t": lambda: 1})
    broadcasts = [e["context"]["signals"] for e in run.events("signals_broadcast")]
    assert broadcasts == [["START"], ["A", "B", "C"]]


def test_tool17_terminal_node_broadcasts_nothing(run_workflow):
    run = run_workflow(tool_node(tool_name="t"), "main", ["START"], tools={"t": lambda: 1})
    assert len(run.events("signals_broadcast")) == 1


# --- TOOL-18..20: retries and failure -------------------------------------------------------


def test_tool18_19_retry_then_success(run_workflow):
    tool = Recorder(result="fine", fail_times=2, error=ValueError("flaky"))
    config = tool_node(tool_name="t", output_field="out", event_emissions="[{signal_name: OK}]")
    run = run_workflow(config, "main", ["START"],
                       tools={"t": {"function": tool, "max_retries": 2, "failure_signal": "F"}})
    assert len(tool.calls) == 3
    assert run.context["out"] == ["fine"]
    assert run.signals == ["START", "OK"]
    assert [e["context"] for e in run.events("node_error")] == [
        {"tool_name": "t", "retry_attempt": 1, "error": "flaky"},
        {"tool_name": "t", "retry_attempt": 2, "error": "flaky"},
    ]
    op = run.context["__operational__"]
    assert (op["errors"], op["tool_calls"]) == (2, 1)


def test_tool20_final_failure(run_workflow):
    tool = Recorder(fail_times=99, error=KeyError("k"))
    config = tool_node(tool_name="t", output_field="out")
    run = run_workflow(config, "main", ["START"], context={"out": "before"},
                       tools={"t": {"function": tool, "max_retries": 1,
                                    "failure_signal": "TOOL_FAILED"}})
    assert len(tool.calls) == 2
    assert run.context["out"] == ["before", str(KeyError("k"))]
    assert [e["context"] for e in run.events("node_error")] == [
        {"tool_name": "t", "retry_attempt": 1, "error": "'k'"},
        {"tool_name": "t", "error": "'k'"},
    ]
    assert run.signals == ["START", "TOOL_FAILED"]
    op = run.context["__operational__"]
    assert (op["errors"], op["tool_calls"]) == (2, 1)


def test_tool20_failure_without_signal_ends_branch_quietly(run_workflow):
    run = run_workflow(tool_node(tool_name="t", event_emissions="[{signal_name: OK}]"),
                       "main", ["START"], tools={"t": always_fails})
    assert run.signals == ["START"]
    assert run.context["__operational__"]["errors"] == 1


# --- TOOL-21: only the tool call is retried --------------------------------------------------


def test_tool21_downstream_error_not_retried(run_workflow):
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: count
    output_field: out
    event_emissions: [{signal_name: NEXT}]
  Broken:
    node_type: tool
    event_triggers: [NEXT]
    tool_name: does_not_exist
"""
    counter = iter(range(1, 10))
    with pytest.raises(WorkflowValidationError, match="does_not_exist") as info:
        run_workflow(config, "main", ["START"], tools={
            "count": {"function": lambda: next(counter), "max_retries": 2,
                      "failure_signal": "T_FAILED"},
        })
    assert info.value.execution_id  # CORE-27: the id travels with the error
    assert next(counter) == 2  # the tool ran exactly once


def test_tool21_downstream_tool_exception_is_that_tools_failure_only(run_workflow):
    config = """
main:
  T:
    node_type: tool
    event_triggers: [START]
    tool_name: upstream
    output_field: up
    event_emissions: [{signal_name: NEXT}]
  D:
    node_type: tool
    event_triggers: [NEXT]
    tool_name: downstream
    output_field: down
"""
    upstream = Recorder(result=1)
    run = run_workflow(config, "main", ["START"], tools={
        "upstream": {"function": upstream, "max_retries": 2, "failure_signal": "UP_FAILED"},
        "downstream": always_fails,
    })
    assert len(upstream.calls) == 1
    assert run.context["up"] == [1]
    assert run.context["down"] == ["always broken"]
    assert "UP_FAILED" not in run.signals
    assert run.context["__operational__"]["errors"] == 1


# --- TOOL-22: exception classes ------------------------------------------------------------


def test_tool22_exception_classes_importable():
    assert soe.ToolNodeConfigurationError is ToolNodeConfigurationError
    assert soe.ToolParameterError is ToolParameterError
    assert soe.nodes.ToolNodeConfigurationError is ToolNodeConfigurationError
    assert soe.nodes.ToolParameterError is ToolParameterError
    assert issubclass(ToolNodeConfigurationError, WorkflowValidationError)
    assert issubclass(ToolParameterError, Exception)


def test_tool22_tool_parameter_error_follows_failure_path(run_workflow):
    def strict(**kwargs):
        raise ToolParameterError("bad parameters")

    config = tool_node(tool_name="t", output_field="out")
    run = run_workflow(config, "main", ["START"],
                       tools={"t": {"function": strict, "failure_signal": "FAILED"}})
    assert run.context["out"] == ["bad parameters"]
    assert "FAILED" in run.signals


# --- TOOL-23: event sequence ----------------------------------------------------------------


def test_tool23_event_sequence(run_workflow):
    tool = Recorder(result="r", fail_times=1, error=RuntimeError("once"))
    config = tool_node(tool_name="t", output_field="out", event_emissions="[{signal_name: OK}]")
    run = run_workflow(config, "main", ["START"],
                       tools={"t": {"function": tool, "max_retries": 3}})
    sequence = [(e["event_type"], e["context"]) for e in run.events()][1:]
    assert sequence == [
        ("signals_broadcast", {"signals": ["START"]}),
        ("node_execution", {"node_name": "T", "node_type": "tool"}),
        ("tool_call", {"tool_name": "t", "max_retries": 3}),
        ("node_error", {"tool_name": "t", "retry_attempt": 1, "error": "once"}),
        ("signals_broadcast", {"signals": ["OK"]}),
    ]


# --- ECO-5: a tool broadcasting into another execution --------------------------------------


def test_tool_calling_broadcast_signals_completes_synchronously():
    backends = create_in_memory_backends()
    other_config = """
other:
  Mark:
    node_type: tool
    event_triggers: [POKE]
    tool_name: mark
    output_field: marks
    event_emissions: [{signal_name: MARKED}]
  After:
    node_type: tool
    event_triggers: [MARKED]
    tool_name: mark
    output_field: after
"""
    observed: list = []

    def mark():
        return "marked"

    def poke(target):
        broadcast_signals(target, ["POKE"], nodes, backends)
        # the whole cascade in the other execution finished inside this call
        observed.append(backends.context.get_context(target).get("after"))
        return "poked"

    nodes, broadcast = create_all_nodes(backends, tools_registry={"mark": mark, "poke": poke})
    other_id = orchestrate(other_config, "other", ["IDLE"], {}, backends, broadcast)
    main_config = tool_node(tool_name="poke", context_parameter_field="args",
                            output_field="out", event_emissions="[{signal_name: DONE}]")
    main_id = orchestrate(main_config, "main", ["START"], {"args": {"target": other_id}},
                          backends, broadcast)
    assert observed == [["marked"]]
    other = backends.context.get_context(other_id)
    assert other["marks"] == ["marked"]
    assert other["__operational__"]["signals"] == ["IDLE", "POKE", "MARKED"]
    assert backends.context.get_context(main_id)["__operational__"]["signals"] == [
        "START", "DONE"
    ]


# --- CORE-89: tools get copies of context values -----------------------------------------------


def test_core89_tool_mutating_its_arguments_does_not_edit_context(any_backends):
    config = """
main:
  Kw:
    node_type: tool
    event_triggers: [START]
    tool_name: kw
    context_parameter_field: args
    event_emissions: [{signal_name: NEXT}]
  Acc:
    node_type: tool
    event_triggers: [NEXT]
    tool_name: acc
    context_parameter_field: hist
"""

    def kw(items):
        items.append("mutated")

    def acc(history):
        history.append("mutated")
        history[0].append("mutated")

    ctx = run_on(any_backends, config, {"args": {"items": [1]}, "hist": [1]},
                 {"kw": kw, "acc": {"function": acc, "process_accumulated": True}})
    assert ctx["args"] == [{"items": [1]}]
    assert ctx["hist"] == [[1]]
