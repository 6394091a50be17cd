"""Workflow built-ins through tool nodes, and self-evolving workflows end to end.

Spec 03: BUILTIN-6..12, PATTERN-8 (a)-(e), ECO-3, WP-13, WP-15; 01-core §15 #9, #19.
"""

from __future__ import annotations

import json

import pytest
import yaml
from soe_builtin_tools import create_soe_inject_node_tool, create_soe_inject_workflow_tool

from soe_core import WorkflowValidationError

IDLE = "  Idle: {node_type: router, event_triggers: [NEVER], event_emissions: [{signal_name: X}]}\n"


def tool(name, tool_name, trigger="START", emit=None, output=None, **parameters):
    """YAML of one tool node (inside ``main:``)."""
    node = {"node_type": "tool", "event_triggers": [trigger], "tool_name": tool_name}
    if parameters:
        node["parameters"] = parameters
    if output:
        node["output_field"] = output
    if emit:
        node["event_emissions"] = [{"signal_name": emit}]
    return yaml.safe_dump({name: node}, sort_keys=False, indent=2).replace("\n", "\n  ")


def main(*nodes, extra=""):
    return "main:\n  " + "".join(nodes) + "\n" + IDLE + extra


# -- BUILTIN-7 ---------------------------------------------------------------------


def test_builtin7_get_workflows_forms(flow):
    config = main(
        tool("All", "soe_get_workflows", output="all"),
        tool("Names", "soe_get_workflows", output="names", list_only=True,
             workflow_name="main"),
        tool("One", "soe_get_workflows", output="one", workflow_name="other"),
        tool("Missing", "soe_get_workflows", output="missing", workflow_name="ghost"),
        tool("Falsy", "soe_get_workflows", output="falsy", list_only="False"),
        extra="other:\n  Only: {node_type: router, event_triggers: [A], "
        "event_emissions: [{signal_name: B}]}\n",
    )
    run = flow(config)
    assert set(run.latest("all")) == {"main", "other"}
    assert run.latest("names") == {"workflow_names": ["main", "other"]}
    one = run.latest("one")
    assert one["workflow_name"] == "other" and one["nodes"] == ["Only"]
    assert one["node_configs"]["Only"]["node_type"] == "router"
    assert run.latest("missing") == {
        "error": "Workflow 'ghost' not found",
        "available": ["main", "other"],
    }
    assert set(run.latest("falsy")) == {"main", "other"}  # "False" is false
    assert not run.events("builtin_modification")


# -- BUILTIN-8 ---------------------------------------------------------------------


NEW_FLOW = {"Step": {"node_type": "router", "event_triggers": ["GO"],
                     "event_emissions": [{"signal_name": "WENT"}]}}


@pytest.mark.parametrize(
    "data",
    [
        json.dumps(NEW_FLOW),  # JSON, nodes at the top
        yaml.safe_dump({"fresh": NEW_FLOW}),  # YAML, keyed by the name
        yaml.safe_dump({"whatever": NEW_FLOW}),  # exactly one key
    ],
)
def test_builtin8_inject_workflow_definition_selection(flow, data):
    run = flow(main(tool("Inject", "soe_inject_workflow", output="out",
                         workflow_name="fresh", workflow_data=data)))
    assert run.latest("out") == {
        "injected": True,
        "workflow_name": "fresh",
        "message": "Workflow 'fresh' injected successfully",
    }
    assert run.registry["fresh"] == NEW_FLOW
    legacy = {"tool": "soe_inject_workflow", "workflow_name": "fresh"}
    assert legacy in run.events("node_execution")


def test_builtin8_accepts_a_mapping_from_a_context_field(flow):
    """BUILTIN-4: structured data may arrive already parsed (e.g. produced by an LLM)."""
    config = main(
        "Inject:\n    node_type: tool\n    event_triggers: [START]\n"
        "    tool_name: soe_inject_workflow\n    context_parameter_field: spec\n"
        "    output_field: out\n  "
    )
    run = flow(config, context={"spec": {"workflow_name": "fresh", "workflow_data": NEW_FLOW}})
    assert run.latest("out")["injected"] is True
    assert run.registry["fresh"] == NEW_FLOW


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[1, 2]", "Workflow data must be a dictionary/object"),
        ("{}", "No workflow definition found for injection"),
        (json.dumps({"Bad": {"node_type": "router", "event_triggers": ["A"]}}),
         "'event_emissions' is required"),
        (json.dumps({"Bad": {"node_type": "teleport", "event_triggers": ["A"]}}),
         "unknown node_type 'teleport'"),
    ],
)
def test_builtin8_rejected_injection_is_a_tool_failure_and_changes_nothing(flow, data, message):
    run = flow(main(tool("Inject", "soe_inject_workflow", output="out",
                         workflow_name="fresh", workflow_data=data)))
    assert message in run.latest("out")
    assert any(message in error for error in run.errors())
    assert set(run.registry) == {"main"}
    assert not run.events("builtin_modification")


def test_builtin8_replaces_an_existing_workflow_including_the_current_one(flow):
    replacement = {"Only": {"node_type": "router", "event_triggers": ["LATER"],
                            "event_emissions": [{"signal_name": "REPLACED"}]}}
    run = flow(main(tool("Swap", "soe_inject_workflow", emit="LATER",
                         workflow_name="main", workflow_data=json.dumps(replacement))))
    assert run.registry["main"] == replacement
    assert run.signals == ["START", "LATER", "REPLACED"]
    audit = run.events("builtin_modification")[0]
    assert audit["before"]["Swap"]["tool_name"] == "soe_inject_workflow"
    assert audit["after"] == replacement


# -- BUILTIN-9 / WP-13 / WP-15 ----------------------------------------------------------


def test_builtin9_inject_node_then_trigger_it_from_a_later_node(flow):
    """PATTERN-8 (b): nested broadcasts re-read the registry (BUILTIN-6)."""
    node = {"node_type": "router", "event_triggers": ["LATER"],
            "event_emissions": [{"signal_name": "NEW_NODE_RAN"}]}
    run = flow(main(tool("Inject", "soe_inject_node", emit="LATER", output="out",
                         workflow_name="main", node_name="Fresh",
                         node_config_data=json.dumps(node))))
    assert run.signals == ["START", "LATER", "NEW_NODE_RAN"]
    assert run.latest("out") == {
        "injected": True,
        "workflow_name": "main",
        "node_name": "Fresh",
        "message": "Node 'Fresh' injected into workflow 'main'",
    }
    assert {"tool": "soe_inject_node", "workflow_name": "main", "node_name": "Fresh"} in (
        run.events("node_execution")
    )
    # WP-15: the injection did not count as a run of Fresh; its real run did
    assert run.context["__operational__"]["nodes"] == {"Inject": 1, "Fresh": 1}


def test_builtin6_node_injected_for_the_current_signal_waits_for_the_next_broadcast(flow):
    node = {"node_type": "router", "event_triggers": ["START"],
            "event_emissions": [{"signal_name": "FRESH_RAN"}]}
    run = flow(main(tool("Inject", "soe_inject_node", workflow_name="main",
                         node_name="Fresh", node_config_data=json.dumps(node))))
    assert run.signals == ["START"]
    run.signal("START")
    assert run.signals == ["START", "START", "FRESH_RAN"]


def test_builtin9_missing_workflow_is_checked_first(flow):
    run = flow(main(tool("Inject", "soe_inject_node", output="out", workflow_name="ghost",
                         node_name="N", node_config_data="not: [valid")))
    assert "Workflow 'ghost' not found in workflows registry" in run.latest("out")


@pytest.mark.parametrize(
    ("node_name", "data", "message"),
    [
        ("N", "just text", "Node configuration must be a dictionary/object"),
        ("N", '{"node_type": "router", "event_triggers": ["A"]}', "'event_emissions' is required"),
        ("N", '{"node_type": "tool", "event_triggers": ["A"]}', "'tool_name' is required"),
        ("N", '{"node_type": "router", "event_triggers": ["A"], "event_emissions": '
              '[{"signal_name": "B", "condition": "{{ broken"}]}', "Jinja syntax error"),
        ("__sneaky__", '{"node_type": "router", "event_triggers": ["A"], '
                       '"event_emissions": [{"signal_name": "B"}]}', "reserved"),
        ("N", '{"node_type": "tool", "event_triggers": ["A"], "tool_name": "t", '
              '"output_field": "__operational__"}', "reserved system field"),
    ],
)
def test_wp13_injected_nodes_are_validated_and_a_rejection_changes_nothing(
    flow, node_name, data, message
):
    run = flow(main(tool("Inject", "soe_inject_node", output="out", workflow_name="main",
                         node_name=node_name, node_config_data=data)))
    assert message in run.latest("out")
    assert set(run.registry["main"]) == {"Inject", "Idle"}
    assert not run.events("builtin_modification")


def test_wp13_a_rejected_node_does_not_break_later_child_spawns(flow):
    config = main(
        tool("Inject", "soe_inject_node", emit="SPAWN", workflow_name="main", node_name="Bad",
             node_config_data='{"node_type": "router", "event_triggers": ["A"]}'),
        "Spawn:\n    node_type: child\n    event_triggers: [SPAWN]\n"
        "    child_workflow_name: kid\n    child_initial_signals: [GO]\n"
        "    signals_to_parent: [KID_DONE]\n  ",
        extra="kid:\n  Done: {node_type: router, event_triggers: [GO], "
        "event_emissions: [{signal_name: KID_DONE}]}\n",
    )
    run = flow(config)
    # the tool failed (no emission), so nothing spawned; spawn now by hand: still valid
    assert "Bad" not in run.registry["main"]
    run.signal("SPAWN")
    assert run.signals[-1] == "KID_DONE"


# -- BUILTIN-10 / BUILTIN-11 ------------------------------------------------------------


def test_builtin10_remove_workflow_and_errors(flow):
    config = main(
        tool("Remove", "soe_remove_workflow", output="out", emit="NEXT", workflow_name="spare"),
        tool("Again", "soe_remove_workflow", trigger="NEXT", output="again",
             workflow_name="spare"),
        extra="spare:\n  S: {node_type: router, event_triggers: [A], "
        "event_emissions: [{signal_name: B}]}\n",
    )
    run = flow(config)
    assert run.latest("out") == {
        "removed": True,
        "workflow_name": "spare",
        "message": "Workflow 'spare' removed successfully",
    }
    assert "not found in workflows registry" in run.latest("again")
    assert set(run.registry) == {"main"}
    assert {"tool": "soe_remove_workflow", "workflow_name": "spare"} in run.events(
        "node_execution"
    )


def test_builtin11_remove_node_takes_effect_on_the_next_broadcast(flow):
    """PATTERN-8 (d)."""
    config = main(
        tool("Remove", "soe_remove_node", output="out", emit="PING",
             workflow_name="main", node_name="Ponger"),
        "Ponger: {node_type: router, event_triggers: [PING], "
        "event_emissions: [{signal_name: PONG}]}\n  ",
        tool("Missing", "soe_remove_node", trigger="PING", output="missing",
             workflow_name="main", node_name="Ghost"),
    )
    run = flow(config)
    assert "PONG" not in run.signals
    assert run.latest("out")["removed"] is True and run.latest("out")["node_name"] == "Ponger"
    assert "Node 'Ghost' not found in workflow 'main'" in run.latest("missing")
    assert run.context["__operational__"]["nodes"].get("Ponger") is None  # WP-15


# -- BUILTIN-12 --------------------------------------------------------------------------


def test_builtin12_add_signal_changes_emissions_from_the_next_run(flow):
    """PATTERN-8 (c)."""
    config = main(
        tool("Add", "soe_add_signal", output="added", emit="RUN_TARGET", workflow_name="main",
             node_name="Target", signal_name="EXTRA", condition="{% raw %}{{ true }}{% endraw %}"),
        "Target: {node_type: router, event_triggers: [RUN_TARGET], "
        "event_emissions: [{signal_name: BASE}]}\n  ",
    )
    run = flow(config)
    assert run.signals == ["START", "RUN_TARGET", "BASE", "EXTRA"]
    assert run.latest("added") == {
        "status": "added",
        "message": "Signal 'EXTRA' added to node 'Target'",
    }
    assert {"tool": "add_signal", "workflow_name": "main", "node_name": "Target",
            "signal": "EXTRA"} in run.events("node_execution")
    assert run.context["__operational__"]["nodes"]["Target"] == 1  # WP-15


def test_builtin12_existing_signal_condition_is_replaced_without_legacy_event(flow):
    config = main(
        tool("Tune", "soe_add_signal", output="tuned", emit="RUN_TARGET", workflow_name="main",
             node_name="Target", signal_name="BASE",
             condition="{% raw %}{{ false }}{% endraw %}"),
        "Target: {node_type: router, event_triggers: [RUN_TARGET], "
        "event_emissions: [{signal_name: BASE}, {signal_name: OTHER}]}\n  ",
    )
    run = flow(config)
    assert run.latest("tuned")["status"] == "updated"
    assert run.signals == ["START", "RUN_TARGET", "OTHER"]
    assert not [e for e in run.events("node_execution") if e.get("tool")]
    assert run.events("builtin_modification")[0]["target"]["signal"] == "BASE"


def test_builtin12_creates_event_emissions_and_refuses_bad_conditions(flow):
    config = main(
        tool("Add", "soe_add_signal", output="added", emit="NEXT", workflow_name="main",
             node_name="Quiet", signal_name="SPOKE", condition="always"),
        tool("Bad", "soe_add_signal", trigger="NEXT", output="bad", workflow_name="main",
             node_name="Quiet", signal_name="X", condition="{% raw %}{{ oops{% endraw %}"),
        "Quiet: {node_type: tool, event_triggers: [NEVER], tool_name: soe_get_context}\n  ",
    )
    run = flow(config)
    assert run.registry["main"]["Quiet"]["event_emissions"] == [
        {"signal_name": "SPOKE", "condition": "always"}
    ]
    assert "Jinja syntax error" in run.latest("bad")


# -- injected templates stay in the sandbox -------------------------------------------------


ESCAPES = [
    "{{ context.__class__.__mro__ }}",
    "{{ context['__class__'] }}",
    "{{ context | attr('__class__') }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_sandbox_escape_in_injected_template_is_refused(flow, template):
    node = {"node_type": "router", "event_triggers": ["LATER"],
            "event_emissions": [{"signal_name": "ESCAPED", "condition": template}]}
    run = flow(main(tool("Inject", "soe_inject_node", output="out", emit="LATER",
                         workflow_name="main", node_name="Evil",
                         node_config_data="{% raw %}" + json.dumps(node) + "{% endraw %}")))
    assert "not allowed in injected templates" in run.latest("out")
    assert "Evil" not in run.registry["main"]
    assert "ESCAPED" not in run.signals
    refused = run.events("builtin_refused")
    assert refused and refused[0]["tool"] == "soe_inject_node"


def test_dynamic_escape_that_passes_the_static_check_still_fails_cleanly_in_the_sandbox(flow):
    """§15 #9: the name is built at render time, so only the sandbox can stop it."""
    condition = "{{ (context | attr('_' ~ '_class_' ~ '_')) is defined }}"
    parameter = "{{ context | attr('_' ~ '_class_' ~ '_') }}"
    injected = {
        "Evil": {"node_type": "router", "event_triggers": ["LATER"],
                 "event_emissions": [{"signal_name": "ESCAPED", "condition": condition}]},
        "Leak": {"node_type": "tool", "event_triggers": ["LATER"], "tool_name": "echo",
                 "parameters": {"value": parameter}, "output_field": "leak"},
    }
    run = flow(
        main(tool("Inject", "soe_inject_workflow", emit="LATER", workflow_name="main",
                  workflow_data="{% raw %}" + json.dumps(injected) + "{% endraw %}")),
        tools={"echo": lambda value: value},
    )
    assert "ESCAPED" not in run.signals  # condition fails cleanly
    assert run.latest("leak") == parameter  # parameter keeps its text (TOOL-9)
    assert "class" not in str(run.latest("leak")).replace(parameter, "")


def test_reserved_fields_stay_readable_in_injected_templates(flow):
    node = {"node_type": "router", "event_triggers": ["LATER"],
            "event_emissions": [{"signal_name": "GUARDED",
                                 "condition": "{{ context.__operational__.nodes.get('Inject', 0) "
                                              "== 1 }}"}]}
    run = flow(main(tool("Inject", "soe_inject_node", emit="LATER", workflow_name="main",
                         node_name="Guard",
                         node_config_data="{% raw %}" + json.dumps(node) + "{% endraw %}")))
    assert run.signals[-1] == "GUARDED"


def test_injection_called_directly_raises_validation_errors(flow):
    run = flow(main(tool("Noop", "soe_get_workflows")))
    inject = create_soe_inject_workflow_tool(run.execution_id, run.backends)
    with pytest.raises(ValueError, match="No workflow definition found for injection"):
        inject("w", "{}")
    with pytest.raises(WorkflowValidationError, match="Workflow 'w' must be an object"):
        inject("w", '{"w": [1]}')
    inject_node = create_soe_inject_node_tool(run.execution_id, run.backends)
    with pytest.raises(WorkflowValidationError, match="not allowed in injected templates"):
        inject_node("main", "N", {"node_type": "router", "event_triggers": ["A"],
                                  "event_emissions": [{"signal_name": "B",
                                                       "condition": "{{ x.__globals__ }}"}]})


# -- PATTERN-8 end to end --------------------------------------------------------------------


def test_pattern8a_inject_workflow_then_start_it_with_a_child(flow):
    worker = {"Work": {"node_type": "tool", "event_triggers": ["GO"], "tool_name": "double",
                       "context_parameter_field": "job", "output_field": "result",
                       "event_emissions": [{"signal_name": "WORKED"}]}}
    config = main(
        tool("Evolve", "soe_inject_workflow", emit="SPAWN", workflow_name="worker",
             workflow_data=yaml.safe_dump(worker)),
        "Spawn:\n    node_type: child\n    event_triggers: [SPAWN]\n"
        "    child_workflow_name: worker\n    child_initial_signals: [GO]\n"
        "    input_fields: [job]\n    signals_to_parent: [WORKED]\n"
        "    context_updates_to_parent: [result]\n  ",
        "Finish: {node_type: router, event_triggers: [WORKED], "
        "event_emissions: [{signal_name: DONE}]}\n  ",
    )
    run = flow(config, context={"job": {"n": 21}}, tools={"double": lambda n: n * 2})
    assert run.context["result"] == [42]
    assert run.signals == ["START", "SPAWN", "WORKED", "DONE"]


def test_pattern8e_a_new_execution_inherits_the_evolved_registry(flow):
    node = {"node_type": "router", "event_triggers": ["START"],
            "event_emissions": [{"signal_name": "EVOLVED"}]}
    first = flow(main(tool("Evolve", "soe_inject_node", workflow_name="main",
                           node_name="Added", node_config_data=json.dumps(node))))
    second = flow(
        None, backends=first.backends, nodes=first.nodes,
        inherit_config_from_id=first.execution_id,
    )
    assert "EVOLVED" in second.signals
    assert "Added" in second.registry["main"]
    # ECO-3: the first execution's registry is its own
    assert "EVOLVED" not in first.signals


def test_builtin6_running_children_keep_their_snapshot_and_nothing_flows_back(flow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
kid:
  Grow:
    node_type: tool
    event_triggers: [GO]
    tool_name: soe_inject_workflow
    parameters:
      workflow_name: born_in_child
      workflow_data: '{"N": {"node_type": "router", "event_triggers": ["A"],
                     "event_emissions": [{"signal_name": "B"}]}}'
"""
    run = flow(config)
    (child,) = [e["child_execution_id"] for e in run.events("child_started")]
    assert "born_in_child" in run.backends.workflow.get_workflows_registry(child)
    assert "born_in_child" not in run.registry
