"""What a long run keeps is cheap to keep, and the shortcuts change no result.

Issue #9 (hot path): event records and compiled workflows are stored flat so
the garbage collector has less to walk; a delivery with one listener runs
that node itself instead of queueing a task; tool nodes keep checked
registry entries. These tests pin that none of it is visible to a user.
"""

from __future__ import annotations

import gc

from soe_backends_local import create_in_memory_backends, create_local_backends

from soe_core import create_all_nodes, open_backends, orchestrate
from soe_core.telemetry import register_event
from soe_core.workflows import CompiledWorkflow


def _tracked_count() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_core80_memory_events_leave_nothing_for_the_collector_to_walk():
    backends = create_in_memory_backends()
    register_event(backends, "run", "warm", {})
    before = _tracked_count()
    for number in range(1_000):
        register_event(backends, "run", "node_execution", {"node_name": f"N{number}"})
        register_event(backends, "run", "signals_broadcast", {"signals": [f"S{number}"]})
    # a tuple or list per event would add thousands of tracked objects
    assert _tracked_count() - before < 100
    assert len(backends.telemetry.get_events("run")) == 2_001


def test_core80_payloads_holding_lists_are_untracked_without_a_full_collection():
    # a dict holding a container is only untracked by a full collection; kept
    # by the thousand, such dicts are what makes full collections frequent
    backends = create_in_memory_backends()
    register_event(backends, "run", "warm", {})
    gc.collect()
    before = len(gc.get_objects())
    for number in range(1_000):
        register_event(backends, "run", "signals_broadcast", {"signals": [f"S{number}"]})
        register_event(backends, "run", "tool_call", {"tool": "t", "arguments": {"n": number}})
    gc.collect(0)
    gc.collect(1)  # young collections only, as while a run goes on
    assert len(gc.get_objects()) - before < 100
    events = backends.telemetry.get_events("run")
    assert events[-2]["context"] == {"signals": ["S999"]}
    assert events[-1]["context"] == {"tool": "t", "arguments": {"n": 999}}


def test_core89_memory_events_read_back_as_a_json_store_gives_them(tmp_path):
    payload = {"items": (1, 2), "nested": {"rows": [1, [2, (3,)]]}, "none": None}
    memory = create_in_memory_backends()
    files = create_local_backends(
        context_storage_dir=str(tmp_path / "contexts"),
        workflow_storage_dir=str(tmp_path / "workflows"),
        telemetry_storage_dir=str(tmp_path / "telemetry"),
    )
    for backends in (memory, files):
        register_event(backends, "run", "custom", payload)
    payload["nested"]["rows"].append("later")  # the caller's dict is not the record
    (kept,) = memory.telemetry.get_events("run")
    (written,) = files.telemetry.get_events("run")
    assert kept["context"] == written["context"]
    assert kept["context"] == {"items": [1, 2], "nested": {"rows": [1, [2, [3]]]}, "none": None}
    kept["context"]["nested"]["rows"].clear()  # a reader's copy is its own
    assert memory.telemetry.get_events("run")[0]["context"]["nested"]["rows"] == [1, [2, [3]]]


def test_core34_compiled_workflow_lists_each_listener_once_in_registry_order():
    workflow = {
        "A": {"node_type": "router", "event_triggers": ["X", "Y"]},
        "B": {"node_type": "router", "event_triggers": ["Y"]},
        "C": {"node_type": "router", "event_triggers": ["X", "X"]},
        "D": {"node_type": "router", "event_triggers": ["Z"]},
        "E": {"node_type": "router", "event_triggers": [["odd"], "X"]},
        "F": {"node_type": "router"},
    }
    compiled = CompiledWorkflow("wf", workflow)
    names = lambda found: [name for name, _config in found]  # noqa: E731
    assert names(compiled.listeners(["X"])) == ["A", "C", "E"]
    assert names(compiled.listeners(["Y", "X"])) == ["A", "B", "C", "E"]
    assert names(compiled.listeners(["Z"])) == ["D"]
    assert names(compiled.listeners(["Q"])) == []
    assert names(compiled.listeners(["Q", "Z", "Z"])) == ["D"]
    assert names(compiled.nodes) == list(workflow)
    assert compiled.listeners(["Z"])[0][1] is workflow["D"]


ORDER_CONFIG = {
    "wf": {
        "A": {
            "node_type": "router",
            "event_triggers": ["GO"],
            "event_emissions": [{"signal_name": "ONE"}, {"signal_name": "TWO"}],
        },
        "B": {
            "node_type": "router",
            "event_triggers": ["ONE"],
            "event_emissions": [{"signal_name": "DEEP"}],
        },
        "C": {
            "node_type": "router",
            "event_triggers": ["TWO"],
            "event_emissions": [{"signal_name": "END"}],
        },
        "D": {
            "node_type": "router",
            "event_triggers": ["TWO"],
            "event_emissions": [{"signal_name": "END"}],
        },
        "E": {
            "node_type": "router",
            "event_triggers": ["DEEP"],
            "event_emissions": [{"signal_name": "END"}],
        },
    }
}


def _node_order(backends) -> list[str]:
    _nodes, broadcast = create_all_nodes(backends)
    execution_id = orchestrate(ORDER_CONFIG, "wf", ["GO"], {}, backends, broadcast)
    return [
        event["context"]["node_name"]
        for event in backends.telemetry.get_events(execution_id)
        if event["event_type"] == "node_execution" and "node_name" in event["context"]
    ]


def test_core35_a_lone_listener_run_inside_its_delivery_keeps_depth_first_order(tmp_path):
    # memory has no journal, so lone listeners (B, E) run inside their delivery;
    # SQLite journals every node run as its own task
    inline = _node_order(create_in_memory_backends())
    with open_backends(f"sqlite:///{tmp_path / 'order.db'}") as durable:
        queued = _node_order(durable)
    assert inline == queued == ["A", "B", "E", "C", "D"]


TOOL_CONFIG = {
    "wf": {
        "Call": {
            "node_type": "tool",
            "event_triggers": ["GO"],
            "tool_name": "pick",
            "output_field": "picked",
        }
    }
}


def test_tool1_a_registry_entry_replaced_or_edited_between_runs_is_honoured():
    registry = {"pick": lambda: "first"}
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends, tools_registry=registry)
    first = orchestrate(TOOL_CONFIG, "wf", ["GO"], {}, backends, broadcast)
    registry["pick"] = lambda: "second"
    second = orchestrate(TOOL_CONFIG, "wf", ["GO"], {}, backends, broadcast)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("once")
        return "third"

    registry["pick"] = entry = {"function": flaky}
    failed = orchestrate(TOOL_CONFIG, "wf", ["GO"], {}, backends, broadcast)
    entry["max_retries"] = 1  # a mapping entry edited in place counts on the next run
    calls.clear()
    retried = orchestrate(TOOL_CONFIG, "wf", ["GO"], {}, backends, broadcast)
    picked = [
        backends.context.get_context(run)["picked"][-1] for run in (first, second, failed, retried)
    ]
    assert picked == ["first", "second", "once", "third"]


def test_core63_events_follow_a_backend_swapped_on_the_container():
    from soe_backends_local.memory import InMemoryContextBackend, InMemoryTelemetryBackend

    from soe_core.operational import add_operational_state

    backends = create_in_memory_backends()
    first_context = {}
    add_operational_state("run", first_context)
    backends.context.save_context("run", first_context)
    register_event(backends, "run", "node_execution", {"node_name": "A"})
    first_telemetry = backends.telemetry
    backends.telemetry = second_telemetry = InMemoryTelemetryBackend()  # the kept recorder is stale
    register_event(backends, "run", "node_execution", {"node_name": "A"})
    old_context, backends.context = backends.context, InMemoryContextBackend()
    backends.context.save_context("run", old_context.get_context("run"))
    register_event(backends, "run", "node_execution", {"node_name": "A"})
    backends.telemetry = None  # counters still move without telemetry
    register_event(backends, "run", "node_execution", {"node_name": "A"})
    assert old_context.get_context("run")["__operational__"]["nodes"] == {"A": 2}
    assert backends.context.get_context("run")["__operational__"]["nodes"] == {"A": 4}
    assert len(first_telemetry.get_events("run")) == 1
    assert len(second_telemetry.get_events("run")) == 2
