"""``broadcast_signals()`` and signal emission (spec 01-core §5, §6: CORE-31..49, CORE-68/69)."""

from __future__ import annotations

import pytest

import soe_core
from soe_core import (
    LimitExceededError,
    OperationalValidationError,
    WorkflowValidationError,
    broadcast_signals,
    orchestrate,
)


class Recorder:
    """A tools registry whose ``rec`` tool appends its ``label`` to ``order``."""

    def __init__(self):
        self.order: list[str] = []

    def rec(self, label):
        self.order.append(label)
        return label

    @property
    def registry(self):
        return {"rec": self.rec}


def _setup(tools=None, **kwargs):
    backends = soe_core.create_in_memory_backends()
    nodes, caller = soe_core.create_all_nodes(backends, tools_registry=tools, **kwargs)
    return backends, nodes, caller


def _run(config, signals=("START",), context=None, tools=None, workflow="wf", **kwargs):
    backends, nodes, caller = _setup(tools, **kwargs)
    execution_id = orchestrate(config, workflow, list(signals), context or {}, backends, caller)
    return backends, nodes, caller, execution_id


def _operational(backends, execution_id):
    return backends.context.get_context(execution_id)["__operational__"]


def _events(backends, execution_id, event_type):
    return [
        e["context"] for e in backends.telemetry.get_events(execution_id)
        if e["event_type"] == event_type
    ]


def _dispatched(backends, execution_id):
    """Node names in broker dispatch order (``node_execution`` events with a name)."""
    return [
        data["node_name"] for data in _events(backends, execution_id, "node_execution")
        if data.get("node_name")
    ]


def _rec_node(label, triggers, emits=(), output_field=None, condition=None):
    lines = [
        "    node_type: tool",
        f"    event_triggers: {list(triggers)}",
        "    tool_name: rec",
        "    parameters:",
        f"      label: \"{label}\"",
    ]
    if output_field:
        lines.append(f"    output_field: {output_field}")
    if emits:
        lines.append("    event_emissions:")
        for signal in emits:
            lines.append(f"      - signal_name: {signal}")
            if condition:
                lines.append(f"        condition: \"{condition}\"")
    return "\n".join(lines)


# --------------------------------------------------------------------------- CORE-31 / 32


def test_core_31_32_broadcast_records_then_dispatches_in_registry_order():
    config = """
wf:
  Second:
    node_type: router
    event_triggers: [PING]
    event_emissions: [{signal_name: FROM_SECOND}]
  First:
    node_type: router
    event_triggers: [START, PING]
    event_emissions: [{signal_name: FROM_FIRST}]
"""
    backends, nodes, _caller, execution_id = _run(config)
    events_before = len(backends.telemetry.get_events(execution_id))
    broadcast_signals(execution_id, ["PING"], nodes, backends)
    new = backends.telemetry.get_events(execution_id)[events_before:]
    assert [e["event_type"] for e in new[:3]] == [
        "signals_broadcast", "node_execution", "node_execution",
    ]
    assert new[0]["context"] == {"signals": ["PING"]}
    assert new[1]["context"] == {"node_name": "Second", "node_type": "router"}
    assert _dispatched(backends, execution_id) == ["First", "Second", "First"]


def test_core_32_operational_validation_runs_first():
    backends, nodes, _caller = _setup()
    fragment = "No context found for execution_id 'nope'"
    with pytest.raises(OperationalValidationError, match=fragment):
        broadcast_signals("nope", ["START"], nodes, backends)
    assert backends.telemetry.get_events("nope") == []


def test_core_32_executor_receives_copy_with_name():
    received = []
    backends, nodes, caller = _setup()
    nodes["_spy"] = lambda execution_id, cfg: received.append((execution_id, dict(cfg)))
    config = "wf:\n  Spy:\n    node_type: _spy\n    event_triggers: [START]\n    extra: 1\n"
    execution_id = orchestrate(config, "wf", ["START"], {}, backends, caller)
    expected = {"node_type": "_spy", "event_triggers": ["START"], "extra": 1, "name": "Spy"}
    assert received == [(execution_id, expected)]
    # the stored registry is not modified by the injected name
    assert "name" not in backends.workflow.get_workflows_registry(execution_id)["wf"]["Spy"]


def test_core_32_unknown_current_workflow_fires_nothing():
    config = "wf:\n  A:\n    node_type: router\n    event_triggers: [START]\n" \
             "    event_emissions: [{signal_name: X}]\n"
    backends, nodes, _caller, execution_id = _run(config)
    backends.workflow.save_current_workflow_name(execution_id, "ghost")
    broadcast_signals(execution_id, ["START"], nodes, backends)
    assert _operational(backends, execution_id)["signals"] == ["START", "X", "START"]
    assert _operational(backends, execution_id)["nodes"] == {"A": 1}


# --------------------------------------------------------------------------- CORE-33


def test_core_33_only_current_workflow_fires():
    config = """
wf:
  A:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: X}]
other:
  B:
    node_type: router
    event_triggers: [START, X]
    event_emissions: [{signal_name: FROM_OTHER}]
"""
    backends, _nodes, _caller, execution_id = _run(config)
    assert _operational(backends, execution_id)["signals"] == ["START", "X"]
    assert _dispatched(backends, execution_id) == ["A"]


# --------------------------------------------------------------------------- CORE-34


def test_core_34_or_semantics_and_at_most_once_per_broadcast():
    config = """
wf:
  Fan:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: X}, {signal_name: Y}, {signal_name: X}]
  Both:
    node_type: router
    event_triggers: [X, Y]
    event_emissions: [{signal_name: BOTH_RAN}]
  OnlyY:
    node_type: router
    event_triggers: [Q, Y]
    event_emissions: [{signal_name: Y_RAN}]
  Never:
    node_type: router
    event_triggers: [Z]
    event_emissions: [{signal_name: NEVER_RAN}]
"""
    backends, _nodes, _caller, execution_id = _run(config)
    operational = _operational(backends, execution_id)
    assert operational["nodes"] == {"Fan": 1, "Both": 1, "OnlyY": 1}
    assert operational["signals"] == ["START", "X", "Y", "X", "BOTH_RAN", "Y_RAN"]


def test_core_34_node_without_triggers_never_fires_and_unmatched_signals_recorded():
    def must_not_run(execution_id, node_config):
        raise AssertionError("fired")

    backends, nodes, caller = _setup()
    nodes["_silent"] = must_not_run
    config = """
wf:
  Silent:
    node_type: _silent
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: NOBODY_LISTENS}]
"""
    execution_id = orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert _operational(backends, execution_id)["signals"] == ["START", "NOBODY_LISTENS"]


# --------------------------------------------------------------------------- CORE-35


def test_core_35_depth_first_order():
    recorder = Recorder()
    config = "wf:\n" + "\n".join(
        [
            "  A:\n" + _rec_node("A", ["START"], emits=["X"]),
            "  B:\n" + _rec_node("B", ["X"], emits=["B_DONE"]),
            "  C:\n" + _rec_node("C", ["B_DONE"], output_field="note"),
            "  D:\n" + _rec_node("D saw {{ context.note }}", ["START"]),
        ]
    )
    backends, _nodes, _caller, execution_id = _run(config, tools=recorder.registry)
    assert recorder.order == ["A", "B", "C", "D saw C"]
    assert _dispatched(backends, execution_id) == ["A", "B", "C", "D"]


def test_core_35_fan_out_siblings_run_sequentially_with_subtrees():
    recorder = Recorder()
    config = "wf:\n" + "\n".join(
        [
            "  S1:\n" + _rec_node("S1", ["START"], emits=["S1_CHILD"]),
            "  S2:\n" + _rec_node("S2", ["START"], emits=["S2_CHILD"]),
            "  S1c:\n" + _rec_node("S1c", ["S1_CHILD"], emits=["S1_GRAND"]),
            "  S1g:\n" + _rec_node("S1g", ["S1_GRAND"]),
            "  S2c:\n" + _rec_node("S2c", ["S2_CHILD"]),
        ]
    )
    _run(config, tools=recorder.registry)
    assert recorder.order == ["S1", "S1c", "S1g", "S2", "S2c"]


def test_core_35_child_execution_completes_before_next_sibling():
    recorder = Recorder()
    config = "\n".join(
        [
            "wf:",
            "  Spawn:\n    node_type: child\n    event_triggers: [START]\n"
            "    child_workflow_name: sub\n    child_initial_signals: [GO]",
            "  After:\n" + _rec_node("parent-after", ["START"]),
            "sub:",
            "  One:\n" + _rec_node("child-one", ["GO"], emits=["NEXT"]),
            "  Two:\n" + _rec_node("child-two", ["NEXT"]),
        ]
    )
    _run(config, tools=recorder.registry)
    assert recorder.order == ["child-one", "child-two", "parent-after"]


# --------------------------------------------------------------------------- CORE-36


def test_core_36_one_broadcast_per_node_and_registry_order():
    config = """
wf:
  Emit:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: Y}, {signal_name: X}]
  OnX:
    node_type: router
    event_triggers: [X]
    event_emissions: [{signal_name: X_DONE}]
  OnY:
    node_type: router
    event_triggers: [Y]
    event_emissions: [{signal_name: Y_DONE}]
"""
    backends, _nodes, _caller, execution_id = _run(config)
    broadcasts = [e["signals"] for e in _events(backends, execution_id, "signals_broadcast")]
    assert broadcasts == [["START"], ["Y", "X"], ["X_DONE"], ["Y_DONE"]]
    assert _dispatched(backends, execution_id) == ["Emit", "OnX", "OnY"]


# --------------------------------------------------------------------------- CORE-37


def test_core_37_node_list_is_a_snapshot():
    backends = soe_core.create_in_memory_backends()
    recorder = Recorder()

    def edit(execution_id):
        registry = backends.workflow.get_workflows_registry(execution_id)
        workflow = registry["wf"]
        workflow["Late"] = {
            "node_type": "tool",
            "event_triggers": ["NOW", "AGAIN"],
            "tool_name": "rec",
            "parameters": {"label": "Late"},
        }
        del workflow["Victim"]
        backends.workflow.save_workflows_registry(execution_id, registry)
        return "edited"

    tools = {"rec": recorder.rec, "edit": lambda: edit(holder["id"])}
    nodes, caller = soe_core.create_all_nodes(backends, tools_registry=tools)
    holder = {}

    def start(execution_id, signals):
        holder["id"] = execution_id
        caller(execution_id, signals)

    config = "wf:\n" + "\n".join(
        [
            "  Start:\n    node_type: router\n    event_triggers: [START]\n"
            "    event_emissions: [{signal_name: NOW}]",
            "  Editor:\n    node_type: tool\n    event_triggers: [NOW]\n    tool_name: edit\n"
            "    event_emissions: [{signal_name: AGAIN}]",
            "  Victim:\n" + _rec_node("Victim", ["NOW"]),
        ]
    )
    execution_id = orchestrate(config, "wf", ["START"], {}, backends, start)
    # Late was injected while NOW was being delivered: it fires only for the later
    # AGAIN broadcast. Victim was removed during the NOW broadcast but still fires in it.
    assert recorder.order == ["Late", "Victim"]
    assert _operational(backends, execution_id)["nodes"] == {
        "Start": 1, "Editor": 1, "Late": 1, "Victim": 1,
    }
    # later broadcasts see the edited registry
    recorder.order.clear()
    broadcast_signals(execution_id, ["NOW"], nodes, backends)
    assert recorder.order == ["Late"]


# --------------------------------------------------------------------------- CORE-38

PROPAGATION = """
wf:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: sub
    child_initial_signals: [GO]
    signals_to_parent: [CHILD_DONE, GO]
{parent_done}
{parent_go}
sub:
{child_w}
{child_x}
"""


def test_core_38_parent_propagation_is_post_order():
    recorder = Recorder()
    config = PROPAGATION.format(
        parent_done="  OnDone:\n" + _rec_node("parent-on-done", ["CHILD_DONE"]),
        parent_go="  OnGo:\n" + _rec_node("parent-on-go", ["GO"]),
        child_w="  W:\n" + _rec_node("child-W", ["GO"], emits=["CHILD_DONE"]),
        child_x="  X1:\n" + _rec_node("child-X1", ["CHILD_DONE"]),
    )
    backends, _nodes, _caller, parent_id = _run(config, tools=recorder.registry)
    assert recorder.order == ["child-W", "child-X1", "parent-on-done", "parent-on-go"]
    (child_id,) = [i for i in backends.context.list_context_ids() if i != parent_id]
    assert _events(backends, child_id, "signals_to_parent") == [
        {"signals": ["CHILD_DONE"], "parent_id": parent_id},
        {"signals": ["GO"], "parent_id": parent_id},
    ]
    assert _events(backends, parent_id, "signals_to_parent") == []
    assert _operational(backends, parent_id)["signals"] == ["START", "CHILD_DONE", "GO"]


def test_core_38_only_listed_signals_propagate_with_order_and_duplicates():
    config = """
wf:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: sub
    child_initial_signals: [GO]
    signals_to_parent: [UP, OTHER_UP]
sub:
  Emit:
    node_type: router
    event_triggers: [GO]
    event_emissions:
      - signal_name: UP
      - signal_name: PRIVATE
      - signal_name: OTHER_UP
      - signal_name: UP
"""
    backends, _nodes, _caller, parent_id = _run(config)
    (child_id,) = [i for i in backends.context.list_context_ids() if i != parent_id]
    assert _events(backends, child_id, "signals_to_parent") == [
        {"signals": ["UP", "OTHER_UP", "UP"], "parent_id": parent_id}
    ]
    assert _operational(backends, parent_id)["signals"] == ["START", "UP", "OTHER_UP", "UP"]
    assert _operational(backends, child_id)["signals"] == ["GO", "UP", "PRIVATE", "OTHER_UP", "UP"]


def test_core_38_grandparent_propagation():
    recorder = Recorder()
    config = "\n".join(
        [
            "root:",
            "  Spawn:\n    node_type: child\n    event_triggers: [START]\n"
            "    child_workflow_name: mid\n    child_initial_signals: [MID_GO]\n"
            "    signals_to_parent: [UP]",
            "  OnUp:\n" + _rec_node("root-up", ["UP"]),
            "  OnUp2:\n" + _rec_node("root-up2", ["UP2"]),
            "mid:",
            "  Spawn:\n    node_type: child\n    event_triggers: [MID_GO]\n"
            "    child_workflow_name: leaf\n    child_initial_signals: [LEAF_GO]\n"
            "    signals_to_parent: [UP, UP2]",
            "  OnUp:\n" + _rec_node("mid-up", ["UP"]),
            "  OnUp2:\n" + _rec_node("mid-up2", ["UP2"]),
            "leaf:",
            "  Emit:\n    node_type: router\n    event_triggers: [LEAF_GO]\n"
            "    event_emissions: [{signal_name: UP}, {signal_name: UP2}]",
        ]
    )
    backends, _nodes, _caller, root_id = _run(config, workflow="root", tools=recorder.registry)
    # UP travels leaf -> mid -> root; UP2 stops at mid (root's child does not list it)
    assert recorder.order == ["mid-up", "mid-up2", "root-up"]
    assert _operational(backends, root_id)["signals"] == ["START", "UP"]
    assert len(backends.context.list_context_ids()) == 3


def test_core_39_child_start_and_propagation_go_through_the_injectable_caller(soe_plugins):
    calls = []

    def build_recording(nodes, backends, **_options):
        def caller(execution_id, signals):
            calls.append((execution_id, list(signals)))
            broadcast_signals(execution_id, signals, nodes, backends)

        return caller

    class RecordingCallerPlugin:
        @soe_core.hookimpl
        def soe_callers(self):
            return [soe_core.CallerType("recording", build_recording)]

    soe_plugins(RecordingCallerPlugin())
    config = """
wf:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: sub
    child_initial_signals: [GO]
    signals_to_parent: [UP]
sub:
  Emit:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: UP}]
"""
    backends = soe_core.create_in_memory_backends()
    _nodes, caller = soe_core.create_all_nodes(backends, caller="recording")
    parent_id = orchestrate(config, "wf", ["START"], {}, backends, caller)
    (child_id,) = [i for i in backends.context.list_context_ids() if i != parent_id]
    assert calls == [
        (parent_id, ["START"]),
        (child_id, ["GO"]),
        (child_id, ["UP"]),
        (parent_id, ["UP"]),
    ]
    assert _operational(backends, parent_id)["signals"] == ["START", "UP"]


# --------------------------------------------------------------------------- CORE-40


@pytest.mark.parametrize("signals", ["START", ("START",), None, {"START": 1}])
def test_core_40_non_list_signals_rejected(signals):
    config = "wf:\n  A:\n    node_type: router\n    event_triggers: [START, S]\n" \
             "    event_emissions: [{signal_name: X}]\n"
    backends, nodes, _caller, execution_id = _run(config)
    with pytest.raises(WorkflowValidationError, match="signals"):
        broadcast_signals(execution_id, signals, nodes, backends)
    assert _operational(backends, execution_id)["signals"] == ["START", "X"]


# --------------------------------------------------------------------------- CORE-41


def test_core_41_reentrant_loop_with_counter_guard():
    config = """
wf:
  Loop:
    node_type: router
    event_triggers: [START, AGAIN]
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ context.__operational__.nodes.Loop < 5 }}"
      - signal_name: STOPPED
        condition: "{{ context.__operational__.nodes.Loop >= 5 }}"
"""
    backends, _nodes, _caller, execution_id = _run(config)
    operational = _operational(backends, execution_id)
    assert operational["nodes"] == {"Loop": 5}
    assert operational["signals"] == ["START"] + ["AGAIN"] * 4 + ["STOPPED"]


# --------------------------------------------------------------------------- CORE-42..44


def _router_with(condition):
    return {
        "wf": {
            "R": {
                "node_type": "router",
                "event_triggers": ["START"],
                "event_emissions": [{"signal_name": "SIG", "condition": condition}],
            }
        }
    }


@pytest.mark.parametrize(
    ("condition", "passes"),
    [
        ("{{ [] }}", True),
        ("{{ {} }}", True),
        ("{{ 0.0 }}", True),
        ("{{ 'no' }}", True),
        ("{{ 'null' }}", True),
        ("{{ true }}", True),
        ("{{ 'anything' }}", True),
        ("{{ false }}", False),
        ("{{ 0 }}", False),
        ("{{ none }}", False),
        ("{{ '' }}", False),
        ("{{ '  FALSE \n' }}", False),
        ("{{ ' None ' }}", False),
        ("{{ context.missing.deeper }}", False),
        ("{{ 1 / 0 }}", False),
        ("{{ context.count + 'x' }}", False),
        ("{{ context.count > 3 }}", True),
        ("{{ context.count > 30 }}", False),
    ],
)
def test_core_43_truthiness(condition, passes):
    backends, _nodes, _caller, execution_id = _run(_router_with(condition), context={"count": 7})
    operational = _operational(backends, execution_id)
    assert (operational["signals"] == ["START", "SIG"]) is passes
    assert operational["errors"] == 0
    assert _events(backends, execution_id, "node_error") == []


@pytest.mark.parametrize(
    ("condition", "passes"),
    [
        ("{{ false\n}}", False),
        ("{{\n  context.count > 30\n}}", False),
        ("{{\n  context.count > 3\n}}", True),
        ("{% if false %}x{% endif %}", False),
        ("{% if context.count > 3 %}yes{% endif %}", True),
    ],
)
def test_core_42_multiline_and_block_templates_are_evaluated(condition, passes):
    """§15 #7 (new behaviour): ``{{``/``{%`` anywhere makes the condition a template."""
    backends, _nodes, _caller, execution_id = _run(_router_with(condition), context={"count": 7})
    assert ("SIG" in _operational(backends, execution_id)["signals"]) is passes


@pytest.mark.parametrize("condition", ["the user is happy", "{ single braces }", "", None])
def test_core_44_plain_text_and_empty_conditions_always_pass(condition):
    backends, _nodes, _caller, execution_id = _run(_router_with(condition))
    assert _operational(backends, execution_id)["signals"] == ["START", "SIG"]


def test_core_44_router_emits_all_passing_in_declaration_order():
    config = """
wf:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: A
        condition: "{{ context.n > 1 }}"
      - signal_name: B
        condition: "{{ context.n > 100 }}"
      - signal_name: C
        condition: "when the moon is full"
      - signal_name: D
      - signal_name: E
        condition: "{{ context.n == 5 }}"
"""
    backends, _nodes, _caller, execution_id = _run(config, context={"n": 5})
    broadcasts = [e["signals"] for e in _events(backends, execution_id, "signals_broadcast")]
    assert broadcasts == [["START"], ["A", "C", "D", "E"]]


def test_core_44_router_sees_own_dispatch_count_and_signals():
    config = """
wf:
  R:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: COUNTED
        condition: "{{ context.__operational__.nodes.R == 1
          and 'START' in context.__operational__.signals }}"
"""
    backends, _nodes, _caller, execution_id = _run(config)
    assert _operational(backends, execution_id)["signals"] == ["START", "COUNTED"]


def test_core_48_nothing_passing_means_no_broadcast():
    backends, _nodes, _caller, execution_id = _run(_router_with("{{ false }}"))
    assert _events(backends, execution_id, "signals_broadcast") == [{"signals": ["START"]}]
    assert _operational(backends, execution_id)["signals"] == ["START"]


def test_core_47_child_event_emissions_are_not_emitted():
    config = """
wf:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: sub
    child_initial_signals: [GO]
    event_emissions:
      - signal_name: CHILD_STARTED_SIGNAL
  OnStarted:
    node_type: router
    event_triggers: [CHILD_STARTED_SIGNAL]
    event_emissions: [{signal_name: SHOULD_NOT_HAPPEN}]
sub:
  Work:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: WORKED}]
"""
    backends, _nodes, _caller, parent_id = _run(config)
    assert _operational(backends, parent_id)["signals"] == ["START"]
    assert _operational(backends, parent_id)["nodes"] == {"Spawn": 1}


# --------------------------------------------------------------------------- CORE-49


def test_core_49_arbitrary_signal_names_and_duplicates():
    long_name = "L" * 2000
    config = {
        "wf": {
            "R": {
                "node_type": "router",
                "event_triggers": ["Start ✓"],
                "event_emissions": [
                    {"signal_name": "fertig – ünïcødé 🚀"},
                    {"signal_name": "with spaces here"},
                    {"signal_name": long_name},
                    {"signal_name": "with spaces here"},
                ],
            },
            "Uni": {
                "node_type": "router",
                "event_triggers": ["fertig – ünïcødé 🚀"],
                "event_emissions": [{"signal_name": "UNI_OK"}],
            },
            "Long": {
                "node_type": "router",
                "event_triggers": [long_name],
                "event_emissions": [{"signal_name": "LONG_OK"}],
            },
            "Case": {
                "node_type": "router",
                "event_triggers": ["start ✓", "WITH SPACES HERE"],
                "event_emissions": [{"signal_name": "CASE_WRONG"}],
            },
        }
    }
    backends, nodes, _caller, execution_id = _run(config, signals=["Start ✓"])
    signals = _operational(backends, execution_id)["signals"]
    assert signals == [
        "Start ✓", "fertig – ünïcødé 🚀", "with spaces here", long_name, "with spaces here",
        "UNI_OK", "LONG_OK",
    ]
    assert "CASE_WRONG" not in signals
    # re-sending a signal records (and runs) it again
    broadcast_signals(execution_id, ["Start ✓", "Start ✓"], nodes, backends)
    operational = _operational(backends, execution_id)
    assert operational["signals"].count("Start ✓") == 3
    assert operational["nodes"]["R"] == 2


# --------------------------------------------------------------------------- CORE-69

CONTINUE = """
wf:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: WAITING}]
  Resume:
    node_type: router
    event_triggers: [MORE]
    event_emissions: [{signal_name: RESUMED}]
"""


def test_core_69_continue_with_broadcast_signals():
    backends, nodes, _caller, execution_id = _run(CONTINUE)
    assert _operational(backends, execution_id)["signals"] == ["START", "WAITING"]
    broadcast_signals(execution_id, ["MORE"], nodes, backends)
    assert _operational(backends, execution_id)["signals"] == [
        "START", "WAITING", "MORE", "RESUMED",
    ]


def test_core_69_continue_with_returned_caller_and_data_driven_stop():
    config = CONTINUE.replace(
        "event_emissions: [{signal_name: RESUMED}]",
        "event_emissions:\n      - signal_name: RESUMED\n"
        "        condition: \"{{ not context.kill_switch }}\"",
    )
    backends, _nodes, caller, execution_id = _run(config)
    caller(execution_id, ["MORE"])
    assert _operational(backends, execution_id)["signals"][-2:] == ["MORE", "RESUMED"]
    context = backends.context.get_context(execution_id)
    soe_core.set_field(context, "kill_switch", True)
    backends.context.save_context(execution_id, context)
    caller(execution_id, ["MORE"])
    assert _operational(backends, execution_id)["signals"][-2:] == ["RESUMED", "MORE"]
    assert _operational(backends, execution_id)["nodes"]["Resume"] == 2


def test_core_69_setup_orchestration_caller_continues():
    backends, caller = soe_core.setup_orchestration()
    execution_id = orchestrate(CONTINUE, "wf", ["START"], {}, backends, caller)
    caller(execution_id, ["MORE"])
    assert _operational(backends, execution_id)["signals"] == [
        "START", "WAITING", "MORE", "RESUMED",
    ]


# --------------------------------------------------------------------------- CORE-68


@pytest.mark.slow
def test_core_68_long_router_chain_has_no_recursion_limit():
    length = 100_000
    workflow = {
        f"N{i}": {
            "node_type": "router",
            "event_triggers": [f"S{i}"],
            "event_emissions": [{"signal_name": f"S{i + 1}"}],
        }
        for i in range(length)
    }
    backends, _nodes, _caller, execution_id = _run({"wf": workflow}, signals=["S0"])
    operational = _operational(backends, execution_id)
    assert len(operational["nodes"]) == length
    assert operational["signals"][-1] == f"S{length}"
    assert len(operational["signals"]) == length + 1


@pytest.mark.slow
def test_core_68_long_self_loop_has_no_recursion_limit():
    iterations = 100_000
    config = {
        "wf": {
            "Loop": {
                "node_type": "router",
                "event_triggers": ["START", "AGAIN"],
                "event_emissions": [
                    {
                        "signal_name": "AGAIN",
                        "condition": f"{{{{ context.__operational__.nodes.Loop < {iterations} }}}}",
                    }
                ],
            }
        }
    }
    backends, _nodes, _caller, execution_id = _run(config)
    operational = _operational(backends, execution_id)
    assert operational["nodes"] == {"Loop": iterations}
    assert len(operational["signals"]) == iterations


def test_core_68_step_limit():
    config = """
wf:
  Loop:
    node_type: router
    event_triggers: [START, AGAIN]
    event_emissions: [{signal_name: AGAIN}]
"""
    backends, nodes, caller = _setup(settings=soe_core.Settings(max_node_executions=50))
    with pytest.raises(LimitExceededError) as info:
        orchestrate(config, "wf", ["START"], {}, backends, caller)
    assert isinstance(info.value, OperationalValidationError)
    assert isinstance(info.value, soe_core.SoeError)
    execution_id = info.value.execution_id
    limit_events = _events(backends, execution_id, "limit_exceeded")
    assert len(limit_events) == 1
    assert limit_events[0]["limit"] == "max_node_executions"
    assert _operational(backends, execution_id)["nodes"]["Loop"] == 50


def test_core_68_default_limit_leaves_normal_workflows_alone():
    config = """
wf:
  Loop:
    node_type: router
    event_triggers: [START, AGAIN]
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ context.__operational__.nodes.Loop < 500 }}"
"""
    backends, _nodes, _caller, execution_id = _run(config)
    assert _operational(backends, execution_id)["nodes"] == {"Loop": 500}


def test_core_68_step_limit_applies_to_loops_through_hand_made_executors():
    backends, nodes, caller = _setup(settings=soe_core.Settings(max_node_executions=50))
    nodes["_again"] = lambda execution_id, node_config: caller(execution_id, ["AGAIN"])
    config = "wf:\n  L:\n    node_type: _again\n    event_triggers: [START, AGAIN]\n"
    with pytest.raises(LimitExceededError):
        orchestrate(config, "wf", ["START"], {}, backends, caller)
