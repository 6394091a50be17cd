"""``orchestrate`` and ``broadcast_signals``: starting executions and delivering signals."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from . import dispatch, durable
from .context import OPERATIONAL, PARENT, copy_value, wrap_initial_context
from .errors import (
    InheritanceError,
    LimitExceededError,
    NodeTypeNotWiredError,
    WorkflowValidationError,
    attach_execution_id,
)
from .inheritance import inherit_config, inherit_context, inherited_sections
from .journal import DELIVER, NODE, RUNNING, journal_of, now
from .journal import PARENT as TO_PARENT
from .operational import add_operational_state, main_execution_id
from .plugins import get_registry
from .settings import settings_of
from .store import contexts
from .telemetry import EventTypes, register_event
from .validation.config import (
    is_combined,
    validate_config,
    validate_initial_workflow,
    validate_orchestrate_params,
)
from .validation.operational import check_operational, validate_backends
from .workflows import current_workflow, mark_validated

BroadcastCaller = Callable[[str, list], None]


class ChildSpawnContext(dict):
    """Initial context of a child execution; the only way to pass ``__parent__``.

    ``orchestrate()`` refuses ``__operational__`` and ``__parent__`` in a plain
    initial context (spec §15 #11); the child node builds this type instead.
    A custom orchestrate caller must pass it through unchanged.
    """


def orchestrate(
    config: Any,
    initial_workflow_name: str,
    initial_signals: list,
    initial_context: Mapping | None,
    backends: Any,
    broadcast_signals_caller: BroadcastCaller,
    inherit_config_from_id: str | None = None,
    inherit_context_from_id: str | None = None,
) -> str:
    """Start an execution and deliver its initial signals; return its id (CORE-23, CORE-24).

    Every check runs before anything is written, so bad input leaves nothing
    behind. With an in-process caller the call returns when the execution is
    quiescent.
    """
    validate_orchestrate_params(initial_workflow_name, initial_signals)
    if config is None and inherit_config_from_id is None:
        raise WorkflowValidationError(
            "Either 'config' or 'inherit_config_from_id' must be provided"
        )
    validate_backends(backends)
    initial_context = _checked_initial_context(initial_context)
    parsed = validate_config(config) if config else None
    _check_sources(backends, inherit_config_from_id, inherit_context_from_id)

    execution_id = str(uuid.uuid4())
    workflows: dict = {}
    identities = schema = None
    if inherit_config_from_id:
        workflows = inherit_config(backends, execution_id, inherit_config_from_id)
        identities, schema = inherited_sections(backends, inherit_config_from_id)
    if parsed is not None:
        if is_combined(parsed):
            workflows = parsed["workflows"]
            identities = parsed.get("identities") or identities
            schema = parsed.get("context_schema") or schema
        else:
            workflows = parsed
    validate_initial_workflow(initial_workflow_name, workflows)

    if identities and getattr(backends, "identity", None) is not None:
        backends.identity.save_identities(execution_id, copy.deepcopy(identities))
    if schema and getattr(backends, "context_schema", None) is not None:
        backends.context_schema.save_context_schema(execution_id, copy.deepcopy(schema))
    register_event(
        backends,
        execution_id,
        EventTypes.ORCHESTRATION_START,
        {"workflow_name": initial_workflow_name},
    )
    backends.workflow.save_workflows_registry(execution_id, workflows)
    backends.workflow.save_current_workflow_name(execution_id, initial_workflow_name)
    if parsed is not None:
        mark_validated(backends, execution_id)

    if inherit_context_from_id:
        context = inherit_context(backends, execution_id, inherit_context_from_id, initial_context)
    else:
        context = wrap_initial_context(copy_value(initial_context))
    add_operational_state(execution_id, context)
    contexts(backends).save(execution_id, context)
    _record_execution(backends, execution_id, initial_workflow_name, context)

    top_level = dispatch.current_loop() is None
    try:
        broadcast_signals_caller(execution_id, list(initial_signals))
    except BaseException as exc:  # a Ctrl-C too: the id says what to resume
        if top_level:
            attach_execution_id(exc, execution_id)
        raise
    return execution_id


def _record_execution(backends: Any, execution_id: str, workflow: str, context: dict) -> None:
    journal = journal_of(backends)
    if journal is None:
        return
    parent = context.get(PARENT)
    stamp = now()
    journal.record_execution(
        execution_id,
        {
            "main_execution_id": context[OPERATIONAL]["main_execution_id"],
            "parent_execution_id": parent.get("parent_execution_id")
            if isinstance(parent, dict)
            else None,
            "workflow": workflow,
            "status": RUNNING,
            "created": stamp,
            "updated": stamp,
        },
    )


def _checked_initial_context(initial_context: Any) -> dict:
    if initial_context is None:
        return {}
    if not isinstance(initial_context, Mapping):
        raise WorkflowValidationError(
            f"'initial_context' must be a mapping, got {type(initial_context).__name__}"
        )
    if not isinstance(initial_context, ChildSpawnContext):
        forged = [key for key in (OPERATIONAL, PARENT) if key in initial_context]
        if forged:
            raise WorkflowValidationError(
                f"'initial_context' cannot set reserved field(s) {forged}: the engine "
                "manages them (strip them when reusing a context from another execution)"
            )
    for key in initial_context:
        if not isinstance(key, str):
            raise WorkflowValidationError(
                f"'initial_context' keys must be strings, got {type(key).__name__}"
            )
    return dict(initial_context)


def _check_sources(backends: Any, config_source: str | None, context_source: str | None) -> None:
    if config_source and not backends.workflow.get_workflows_registry(config_source):
        raise InheritanceError(
            f"Cannot inherit config from execution '{config_source}': no workflows registry found"
        )
    if context_source and not contexts(backends).read(context_source):
        raise InheritanceError(
            f"Cannot inherit context from execution '{context_source}': no context found"
        )


def broadcast_signals(
    execution_id: str,
    signals: list,
    nodes: Mapping,
    backends: Any,
    *,
    runner: Callable[[dispatch.Task], None] = dispatch.run,
) -> None:
    """Deliver ``signals`` to the current workflow of an execution (CORE-31, CORE-32).

    Called from outside a workflow, it returns when the cascade is finished
    (``runner`` runs it: the synchronous loop, or a caller's own such as a
    thread pool); called while a node runs, the delivery happens right
    after that node.
    """
    if not isinstance(signals, list):
        raise WorkflowValidationError(
            f"'signals' must be a list of signal names, got {type(signals).__name__}"
        )
    validate_backends(backends)
    delivery = _Deliver(execution_id, nodes, backends, list(signals))
    loop = dispatch.current_loop()
    if loop is not None:
        loop.batch.append(delivery)
        return
    try:
        if delivery.journal is None:
            runner(delivery)
            return
        context = contexts(backends).read(execution_id)
        tree = main_execution_id(context, execution_id) if context else execution_id
        durable.record_root(delivery, tree)
        with durable.top_level(backends, tree):
            runner(delivery)
    except BaseException as exc:
        attach_execution_id(exc, execution_id)
        raise


class _Job(durable.JournaledTask):
    """A task of the engine's own, bound to a node map and backends (and signals, if any)."""

    __slots__ = ("nodes", "backends", "signals")

    def __init__(self, execution_id: str, nodes: Mapping, backends: Any, signals=None):
        # the base initialiser, inlined: one of these is built per broadcast
        self.execution_id = execution_id
        self.journal = getattr(backends, "journal", None)
        self.job_id = self.tree = None
        self.nodes = nodes
        self.backends = backends
        self.signals = signals


class _Deliver(_Job):
    """One broadcast: record it, then queue each listener and the parent hand-off."""

    __slots__ = ()

    def job(self) -> dict:
        return {"kind": DELIVER, "signals": self.signals}

    inlinable = True

    def __call__(self) -> None:
        if self.journal is None:
            self.body()  # nothing to write down
        else:
            durable.run_job(self, self.body, eager=True)

    def body(self) -> None:
        execution_id, signals, backends = self.execution_id, self.signals, self.backends
        context = check_operational(execution_id, contexts(backends).read(execution_id))
        parent = context.get(PARENT)
        to_parent = False
        if parent and isinstance(parent, dict):
            wanted = parent.get("signals_to_parent")
            to_parent = bool(wanted) and any(signal in wanted for signal in signals)
        register_event(backends, execution_id, EventTypes.SIGNALS_BROADCAST, {"signals": signals})
        compiled = current_workflow(backends, execution_id)
        listeners = compiled.listeners(signals) if compiled is not None else ()
        if len(listeners) == 1 and not to_parent and self.journal is None:
            # the node would run next anyway: run it now, sparing a task
            node_name, node_config = listeners[0]
            run_node(execution_id, compiled, node_name, node_config, self.nodes, backends)
            return
        loop = dispatch.current_loop()
        submit = loop.batch.append if loop is not None else dispatch.submit
        nodes = self.nodes
        for node_name, node_config in listeners:
            submit(_NodeRun(execution_id, compiled, node_name, node_config, nodes, backends))
        if to_parent:
            submit(_ToParent(execution_id, self.nodes, backends, signals))


class _NodeRun(_Job):
    """Dispatch of one node for one broadcast (CORE-32 step 4)."""

    __slots__ = ("compiled", "node_name", "node_config")

    def __init__(self, execution_id, compiled, node_name, node_config, nodes, backends):
        super().__init__(execution_id, nodes, backends)
        self.compiled = compiled
        self.node_name = node_name
        self.node_config = node_config

    def job(self) -> dict:
        return {"kind": NODE, "workflow": self.compiled.workflow_name, "node": self.node_name}

    def __call__(self) -> None:
        durable.run_job(self, self._run)

    def _run(self) -> None:
        run_node(
            self.execution_id, self.compiled, self.node_name, self.node_config,
            self.nodes, self.backends,
        )


def run_node(execution_id, compiled, node_name: str, config: dict, nodes, backends) -> None:
    """Run one node of ``compiled`` for a broadcast (CORE-32 step 4)."""
    node_type = config.get("node_type")
    try:
        executor = nodes[node_type]
    except NodeTypeNotWiredError as exc:
        raise NodeTypeNotWiredError(f"{_where(compiled, node_name)}: {exc}") from None
    except KeyError:
        raise NodeTypeNotWiredError(
            f"{_where(compiled, node_name)}: no executor for node_type '{node_type}' in the "
            f"nodes map (wired: {', '.join(map(str, nodes)) or 'none'})"
        ) from None
    limit = settings_of(nodes).max_node_executions
    if dispatch.count_step(execution_id) > limit:
        _exceeded(backends, execution_id, compiled, node_name, limit)
    register_event(
        backends,
        execution_id,
        EventTypes.NODE_EXECUTION,
        {"node_name": node_name, "node_type": node_type},
    )
    if node_name not in compiled.validated:
        _validate_node(compiled.workflow_name, node_name, config)
        compiled.validated.add(node_name)
    node_config = dict(config)
    node_config["name"] = node_name
    dispatch.run_executor(execution_id, node_name, executor, node_config)


def _where(compiled, node_name: str) -> str:
    return f"Workflow '{compiled.workflow_name}', node '{node_name}'"


def _exceeded(backends, execution_id: str, compiled, node_name: str, limit: int) -> None:
    register_event(
        backends,
        execution_id,
        EventTypes.LIMIT_EXCEEDED,
        {"limit": "max_node_executions", "value": limit, "node_name": node_name},
    )
    raise LimitExceededError(
        f"{_where(compiled, node_name)}: execution '{execution_id}' exceeded "
        f"max_node_executions={limit} "
        "(raise it with SOE_MAX_NODE_EXECUTIONS or Settings if the loop is intended)"
    )


def _validate_node(workflow_name: str, node_name: str, config: dict) -> None:
    node_type = config.get("node_type")
    if isinstance(node_type, str) and node_type.startswith("_"):
        return
    spec = get_registry().node_type(node_type)
    if spec is None:
        return  # a custom executor passed in the nodes map (CORE-98)
    from .validation.config import validate_node

    validate_node(workflow_name, node_name, config)


class _ToParent(_Job):
    """The hand-off of a child's signals to its parent."""

    __slots__ = ()

    def job(self) -> dict:
        return {"kind": TO_PARENT, "signals": self.signals}

    def __call__(self) -> None:
        durable.run_job(self, self._hand_off, eager=True)

    def _hand_off(self) -> None:
        _propagate_to_parent(self.execution_id, self.signals, self.nodes, self.backends)


def _propagate_to_parent(execution_id: str, signals: list, nodes: Mapping, backends: Any) -> None:
    """Forward listed signals to the parent execution (CORE-38, CHILD-8)."""
    parent = contexts(backends).read(execution_id).get(PARENT)
    if not isinstance(parent, dict):
        return
    wanted = parent.get("signals_to_parent") or []
    matching = [signal for signal in signals if signal in wanted]
    parent_id = parent.get("parent_execution_id")
    if not (parent_id and matching):
        return
    register_event(
        backends,
        execution_id,
        EventTypes.SIGNALS_TO_PARENT,
        {"signals": matching, "parent_id": parent_id},
    )
    caller = getattr(nodes, "broadcast_caller", None)
    if caller is not None:
        caller(parent_id, matching)
    else:
        broadcast_signals(parent_id, matching, nodes, backends)
