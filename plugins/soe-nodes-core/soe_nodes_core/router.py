"""The ``router`` node: pure conditional signal emission (CORE-14, CORE-44)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soe_core import EventTypes, NodeType
from soe_core.dispatch import runs_on_stack
from soe_core.emissions import condition_warning, has_template_condition, passing_signals
from soe_core.store import contexts
from soe_core.telemetry import register_event
from soe_core.templating import ContextView
from soe_core.validation import check_operational, checks


def validate_router(config: dict) -> None:
    checks.event_triggers(config)
    emissions = checks.require_list(config, "event_emissions")
    checks.emission_items(emissions, jinja_check=True)


def create_router_node_caller(backends: Any, broadcast_signals_caller: Callable) -> Callable:
    access = contexts(backends)

    def execute_router(execution_id: str, node_config: dict) -> None:
        context = check_operational(execution_id, access.read(execution_id))
        register_event(backends, execution_id, EventTypes.NODE_EXECUTION, {"node_type": "router"})
        emissions = node_config.get("event_emissions")
        if has_template_condition(emissions):
            view = ContextView.of(context)
            report = condition_warning(backends, execution_id, node_config.get("name"))
            signals = passing_signals(emissions, view, report)
        else:  # no template to render: no view to build
            signals = passing_signals(emissions, None)
        if signals:
            broadcast_signals_caller(execution_id, signals)

    return runs_on_stack(execute_router)


ROUTER = NodeType(
    name="router",
    validate=validate_router,
    build=lambda wiring: create_router_node_caller(wiring.backends, wiring.broadcast),
    config_model="soe_nodes_core.config_models:RouterConfig",
    description="emits every signal whose condition passes; no LLM",
)
