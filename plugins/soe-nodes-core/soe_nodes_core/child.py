"""The ``child`` node: sub-executions and fan-out (CHILD-1..15)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from soe_core import EventTypes, NodeType, OperationalValidationError, dispatch, durable
from soe_core.concurrent import waiting
from soe_core.context import (
    OPERATIONAL,
    PARENT,
    copy_value,
    get_accumulated,
    get_field,
    is_reserved,
)
from soe_core.dispatch import runs_on_stack
from soe_core.engine import ChildSpawnContext
from soe_core.errors import LimitExceededError
from soe_core.settings import DEFAULT_SETTINGS, Settings
from soe_core.store import contexts
from soe_core.telemetry import register_event
from soe_core.validation import check_operational, checks


def validate_child(config: dict) -> None:
    """Static checks of CORE-19, in order."""
    name = checks.require(config, "child_workflow_name")
    if not isinstance(name, str):
        checks.fail(f"'child_workflow_name' must be a string, got {type(name).__name__}")
    checks.require_list(config, "child_initial_signals")
    checks.event_triggers(config)
    checks.string_list(config, "signals_to_parent")
    checks.string_list(config, "context_updates_to_parent")
    checks.optional_list(config, "input_fields")
    fan_out = config.get("fan_out_field")
    if fan_out is not None:
        if not isinstance(fan_out, str):
            checks.fail(f"'fan_out_field' must be a string, got {type(fan_out).__name__}")
        target = config.get("child_input_field")
        if not target:
            checks.fail("'child_input_field' is required when 'fan_out_field' is set")
        if not isinstance(target, str):
            checks.fail(f"'child_input_field' must be a string, got {type(target).__name__}")
    interval = config.get("spawn_interval")
    if interval is not None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            checks.fail(f"'spawn_interval' must be a number, got {type(interval).__name__}")
        if interval < 0:
            checks.fail("'spawn_interval' must be non-negative")
    emissions = checks.optional_list(config, "event_emissions")
    if emissions:
        checks.emission_items(emissions, jinja_check=False)


def create_child_node_caller(
    backends: Any, orchestrate_caller: Callable[..., str], settings: Settings | None = None
) -> Callable:
    access = contexts(backends)
    settings = settings or DEFAULT_SETTINGS

    def execute_child(execution_id: str, node_config: dict) -> None:
        context = check_operational(execution_id, access.read(execution_id))
        try:
            registry = backends.workflow.get_workflows_registry(execution_id)
        except Exception as exc:
            raise OperationalValidationError(f"Cannot access workflow backend: {exc}") from exc
        if not registry:
            raise OperationalValidationError(
                f"No workflows_registry found for execution_id '{execution_id}'"
            )
        _check_depth(access, execution_id, context, settings.max_child_depth)
        base = _base_context(execution_id, context, node_config)
        snapshot = copy.deepcopy(registry)
        workflow_name = node_config["child_workflow_name"]
        register_event(
            backends,
            execution_id,
            EventTypes.NODE_EXECUTION,
            {"node_type": "child", "child_workflow": workflow_name, "parent_id": execution_id},
        )
        fan_out = node_config.get("fan_out_field")
        if fan_out:
            items = get_accumulated(context, fan_out)
            target = node_config["child_input_field"]
            contexts_to_spawn = [_with_item(base, target, item) for item in items]
            if not items and settings.empty_fan_out_spawns_one:
                contexts_to_spawn = [ChildSpawnContext(copy.deepcopy(base))]
            if not contexts_to_spawn:
                register_event(
                    backends,
                    execution_id,
                    EventTypes.CONTEXT_WARNING,
                    {
                        "node_name": node_config.get("name"),
                        "message": f"fan_out_field '{fan_out}' is empty: no child started",
                    },
                )
        else:
            contexts_to_spawn = [ChildSpawnContext(copy.deepcopy(base))]
        interval = float(node_config.get("spawn_interval") or 0.0)
        signals = list(node_config["child_initial_signals"])
        for position, child_context in enumerate(contexts_to_spawn):
            dispatch.submit(
                _Spawn(
                    orchestrate_caller,
                    backends,
                    execution_id,
                    node_config.get("name"),
                    snapshot,
                    workflow_name,
                    signals,
                    child_context,
                    interval if position else 0.0,
                )
            )

    return runs_on_stack(execute_child)


class _Spawn(durable.JournaledTask):
    """Start one child; queued so each child's cascade ends before the next starts.

    A journaled job: the child's context, its summary and its first delivery
    are stored in one step with the job crossed out, so a crash never
    starts a child twice.
    """

    __slots__ = (
        "caller",
        "backends",
        "node_name",
        "snapshot",
        "workflow_name",
        "signals",
        "child_context",
        "delay",
    )

    def __init__(
        self,
        caller,
        backends,
        parent_id,
        node_name,
        snapshot,
        workflow_name,
        signals,
        child_context,
        delay,
    ):
        super().__init__(parent_id, backends)
        self.caller, self.backends = caller, backends
        self.node_name, self.snapshot, self.workflow_name = node_name, snapshot, workflow_name
        self.signals, self.child_context, self.delay = signals, child_context, delay

    def job(self) -> dict:
        return {
            "kind": SPAWN,
            "node": self.node_name,
            "workflow": self.workflow_name,
            "signals": self.signals,
            "context": dict(self.child_context),
            "delay": self.delay,
        }

    def __call__(self) -> None:
        if self.delay:
            with waiting():
                time.sleep(self.delay)
        durable.run_job(self, self._spawn, eager=True)

    def _spawn(self) -> None:
        child_id = self.caller(
            config=self.snapshot,
            initial_workflow_name=self.workflow_name,
            initial_signals=list(self.signals),
            initial_context=self.child_context,
            backends=self.backends,
        )
        register_event(
            self.backends,
            self.execution_id,
            EventTypes.CHILD_STARTED,
            {
                "node_name": self.node_name,
                "child_execution_id": child_id,
                "child_workflow": self.workflow_name,
            },
        )


SPAWN = "spawn"


def _rebuild_spawn(parent_id: str, job: dict, nodes: Any, backends: Any) -> _Spawn:
    """The pending spawn of a resumed execution (the parent's registry is the snapshot)."""
    registry = backends.workflow.get_workflows_registry(parent_id) or {}
    return _Spawn(
        nodes.wiring.orchestrate_caller,
        backends,
        parent_id,
        job["node"],
        registry,
        job["workflow"],
        list(job["signals"]),
        ChildSpawnContext(job["context"]),
        float(job.get("delay") or 0.0),
    )


durable.register_job_kind(SPAWN, _rebuild_spawn)


def _base_context(execution_id: str, context: dict, config: dict) -> dict:
    base: dict = {}
    for name in config.get("input_fields") or ():
        if is_reserved(name):  # never hand the parent's state to a child (WP-14)
            continue
        if name in context:
            base[name] = copy.deepcopy(get_field(context, name))
    operational = context.get(OPERATIONAL) or {}
    base[PARENT] = {
        "parent_execution_id": execution_id,
        "signals_to_parent": list(config.get("signals_to_parent") or []),
        "context_updates_to_parent": list(config.get("context_updates_to_parent") or []),
        "main_execution_id": operational.get("main_execution_id") or execution_id,
    }
    return base


def _with_item(base: dict, target: str, item: Any) -> ChildSpawnContext:
    child = ChildSpawnContext(copy_value(base))
    child[target] = copy_value(item)
    return child


def _check_depth(access, execution_id: str, context: dict, limit: int) -> None:
    depth, current = 0, context
    while isinstance(current.get(PARENT), dict) and depth <= limit:
        depth += 1
        current = access.read(current[PARENT].get("parent_execution_id") or "") or {}
    if depth + 1 > limit:
        raise LimitExceededError(
            f"child executions nested deeper than max_child_depth={limit} "
            f"(execution '{execution_id}'); raise it with SOE_MAX_CHILD_DEPTH if intended"
        )


CHILD = NodeType(
    name="child",
    validate=validate_child,
    build=lambda wiring: create_child_node_caller(
        wiring.backends, wiring.orchestrate_caller, wiring.settings
    ),
    config_model="soe_nodes_core.config_models:ChildConfig",
    description="starts a sub-execution of another workflow, optionally once per item",
)
