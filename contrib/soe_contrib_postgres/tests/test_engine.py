"""A real workflow end to end on PostgreSQL through ``soe_core.api.Engine``.

Router and tool nodes, a child fan-out whose results come back to the
parent, an external signal, then everything read back through a second,
freshly opened store (another worker would see the same), pruned, and a
per-node cost that does not grow with the length of an execution.
"""

from __future__ import annotations

import datetime

import pytest

from soe_core import open_backends
from soe_core.api import Engine
from soe_core.context import get_accumulated, get_field
from soe_core.plugins import get_registry
from soe_core.store import contexts

ORDERS = """
main:
  Check:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: VALID
        condition: "{{ context.orders | length > 0 }}"
      - signal_name: EMPTY
        condition: "{{ context.orders | length == 0 }}"
  Fan:
    node_type: child
    event_triggers: [VALID]
    child_workflow_name: price_one
    child_initial_signals: [PRICE]
    fan_out_field: orders
    child_input_field: order
    signals_to_parent: [PRICED]
    context_updates_to_parent: [price]
  Join:
    node_type: router
    event_triggers: [PRICED]
    event_emissions:
      - signal_name: ALL_PRICED
        condition: "{{ context.price | accumulated | length == context.orders | length }}"
  Total:
    node_type: tool
    event_triggers: [ALL_PRICED]
    tool_name: total
    context_parameter_field: price
    output_field: total
    event_emissions: [{signal_name: TOTALLED}]
  Ship:
    node_type: router
    event_triggers: [APPROVED]
    event_emissions: [{signal_name: SHIPPED}]
price_one:
  Price:
    node_type: tool
    event_triggers: [PRICE]
    tool_name: price
    context_parameter_field: order
    output_field: price
    event_emissions: [{signal_name: PRICED}]
"""

ORDER_LIST = [{"amount": 100}, {"amount": 20}, {"amount": 5}]


def _tools() -> dict:
    def price(amount):
        return round(amount * 1.2, 2)

    def total(prices):
        return round(sum(prices), 2)

    return {"price": price, "total": {"function": total, "process_accumulated": True}}


@pytest.mark.parametrize("caller", ["sync", "threads"])
def test_workflow_runs_end_to_end_and_reads_back_from_a_fresh_store(postgres_url, caller):
    if caller not in get_registry().callers:
        pytest.skip(f"no {caller!r} caller installed")
    engine = Engine(postgres_url, tools=_tools(), caller=caller)
    try:
        run = engine.run(ORDERS, "main", ["START"], {"orders": ORDER_LIST})
        assert run.context["total"] == 150.0
        run.signal("APPROVED")
        assert "SHIPPED" in run.signals
        assert run.status == "idle"
    finally:
        engine.close()

    reader = open_backends(postgres_url)
    try:
        stored = reader.context.get_context(run.execution_id)
        assert sorted(stored["price"]) == [6.0, 24.0, 120.0] and stored["total"][-1] == 150.0
        # (the threads caller may run Join's last two deliveries side by side, both seeing
        # three prices: then Total runs twice, on any store)
        assert caller == "threads" or stored["total"] == [150.0]
        signals = stored["__operational__"]["signals"]
        assert signals[:2] == ["START", "VALID"] and signals[-2:] == ["APPROVED", "SHIPPED"]
        assert stored["__operational__"]["nodes"]["Join"] == 3
        view = contexts(reader).read(run.execution_id)
        assert get_field(view, "total") == 150.0 and len(get_accumulated(view, "price")) == 3
        assert reader.workflow.get_current_workflow_name(run.execution_id) == "main"
        assert not reader.journal.pending(run.execution_id)
        children = [
            r for r in reader.journal.executions() if r["parent_execution_id"] == run.execution_id
        ]
        assert len(children) == 3
        for child in children:
            child_context = reader.context.get_context(child["execution_id"])
            assert child_context["price"][0] in (6.0, 24.0, 120.0)
        events = [e["event_type"] for e in reader.telemetry.get_events(run.execution_id)]
        assert events.count("child_started") == 3
        assert len(reader.context.list_context_ids()) == 4
    finally:
        reader.close()


def test_prune_deletes_the_tree_everywhere(postgres_url):
    engine = Engine(postgres_url, tools=_tools())
    try:
        pruned = engine.run(ORDERS, "main", ["START"], {"orders": ORDER_LIST[:2]})
        kept = engine.run(ORDERS, "main", ["START"], {"orders": ORDER_LIST[2:]})
        deleted = engine.prune(pruned.execution_id)
        assert deleted[0] == pruned.execution_id and len(deleted) == 3
        backends = engine.backends
        for execution_id in deleted:
            assert backends.context.get_context(execution_id) == {}
            assert backends.workflow.get_workflows_registry(execution_id) is None
            assert backends.telemetry.get_events(execution_id) == []
            assert backends.journal.execution(execution_id) is None
        assert set(backends.context.list_context_ids()) == {
            kept.execution_id,
            *(r["execution_id"] for r in backends.journal.executions()),
        }
        assert kept.context["total"] == 6.0
    finally:
        engine.close()


def _chain(length: int) -> dict:
    return {
        "chain": {
            f"N{i}": {
                "node_type": "router",
                "event_triggers": [f"S{i}"],
                "event_emissions": [{"signal_name": f"S{i + 1}"}],
            }
            for i in range(length)
        }
    }


def test_per_node_cost_does_not_grow_with_the_execution(postgres_url):
    """A 600-node router chain: its last 200 nodes cost about what its first 200 did."""
    engine = Engine(postgres_url)
    try:
        run = engine.run(_chain(600), "chain", ["S0"])
        assert len(run.signals) == 601
        stamps = [
            datetime.datetime.fromisoformat(event["timestamp"])
            for event in run.events()
            if event["event_type"] == "node_execution" and "node_name" in event["context"]
        ]
    finally:
        engine.close()
    assert len(stamps) == 600
    first = (stamps[200] - stamps[0]).total_seconds()
    last = (stamps[599] - stamps[399]).total_seconds()
    assert last < first * 2.5, (first, last)  # generous: a loaded CI machine is noisy
