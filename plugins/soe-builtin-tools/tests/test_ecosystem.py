"""Built-ins in multi-workflow ecosystems: many executions, one node set, evolving registries.

Spec 03: ECO-1..5, BUILTIN-6, PATTERN-6 + PATTERN-8 combined ("swarm": workers spawned
from a workflow the parent wrote itself), WP-1.
"""

from __future__ import annotations

import json

from soe_core import switch_workflow

ECOSYSTEM = """
main:
  Evolve:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_inject_workflow
    context_parameter_field: blueprint
    event_emissions: [{signal_name: SPAWN}]
  Swarm:
    node_type: child
    event_triggers: [SPAWN]
    child_workflow_name: worker
    child_initial_signals: [GO]
    fan_out_field: jobs
    child_input_field: job
    signals_to_parent: [JOB_DONE]
    context_updates_to_parent: [job_result]
  Join:
    node_type: router
    event_triggers: [JOB_DONE]
    event_emissions:
      - signal_name: ALL_DONE
        condition: >-
          {{ context.job_result | accumulated | length
             == context.jobs | accumulated | length }}
reviewer:
  Review:
    node_type: router
    event_triggers: [REVIEW]
    event_emissions: [{signal_name: REVIEWED}]
"""

WORKER = {
    "Work": {
        "node_type": "tool",
        "event_triggers": ["GO"],
        "tool_name": "square",
        "context_parameter_field": "job",
        "output_field": "job_result",
        "event_emissions": [{"signal_name": "JOB_DONE"}],
    }
}


def square(n):
    return n * n


def test_swarm_of_children_runs_a_workflow_written_at_runtime(flow):
    run = flow(
        ECOSYSTEM,
        context={
            "jobs": [{"n": 1}, {"n": 2}, {"n": 3}],
            "blueprint": {"workflow_name": "worker", "workflow_data": json.dumps(WORKER)},
        },
        tools={"square": square},
    )
    assert sorted(run.context["job_result"]) == [1, 4, 9]
    assert run.signals.count("ALL_DONE") == 1
    children = [e["child_execution_id"] for e in run.events("child_started")]
    assert len(children) == 3
    for child in children:
        registry = run.backends.workflow.get_workflows_registry(child)
        assert registry["worker"] == WORKER  # ECO-3: children copy the evolved registry


def test_eco2_switching_to_a_workflow_injected_at_runtime(flow):
    blueprint = {
        "workflow_name": "phase_two",
        "workflow_data": {"Finish": {"node_type": "router", "event_triggers": ["NEXT"],
                                     "event_emissions": [{"signal_name": "FINISHED"}]}},
    }
    config = ECOSYSTEM.replace("event_emissions: [{signal_name: SPAWN}]", "output_field: out")
    run = flow(config, context={"blueprint": blueprint}, tools={"square": square})
    assert run.latest("out")["injected"] is True
    switch_workflow(run.backends, run.execution_id, "phase_two")
    run.signal("NEXT")  # ECO-4: external continuation
    assert run.signals[-2:] == ["NEXT", "FINISHED"]


def test_eco3_eco5_parallel_executions_evolve_independently(flow):
    config = """
main:
  Evolve:
    node_type: tool
    event_triggers: [EVOLVE]
    tool_name: soe_inject_node
    parameters:
      workflow_name: main
      node_name: Extra
      node_config_data: '{"node_type": "router", "event_triggers": ["PING"],
                         "event_emissions": [{"signal_name": "PONG"}]}'
  Idle: {node_type: router, event_triggers: [NEVER], event_emissions: [{signal_name: X}]}
"""
    shared_tools: dict = {}
    one = flow(config, signals=["EVOLVE"], tools=shared_tools)
    two = flow(config, signals=["PING"], backends=one.backends, nodes=one.nodes)
    one.signal("PING")
    assert one.signals == ["EVOLVE", "PING", "PONG"]
    assert two.signals == ["PING"]  # the other execution's registry is untouched
    assert "Extra" not in two.registry["main"]
    assert shared_tools == {}


def test_eco4_external_signal_to_a_child_reaches_a_node_injected_there(flow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_PONG]
  Heard:
    node_type: router
    event_triggers: [KID_PONG]
    event_emissions: [{signal_name: PARENT_HEARD}]
kid:
  Grow:
    node_type: tool
    event_triggers: [GO]
    tool_name: soe_inject_node
    parameters:
      workflow_name: kid
      node_name: Answer
      node_config_data: '{"node_type": "router", "event_triggers": ["PING"],
                         "event_emissions": [{"signal_name": "KID_PONG"}]}'
"""
    run = flow(config)
    (child,) = [e["child_execution_id"] for e in run.events("child_started")]
    from soe_core import broadcast_signals

    broadcast_signals(child, ["PING"], run.nodes, run.backends)
    assert run.ctx(child)["__operational__"]["signals"][-2:] == ["PING", "KID_PONG"]
    assert run.signals[-2:] == ["KID_PONG", "PARENT_HEARD"]
    assert "Answer" not in run.registry["main"]
