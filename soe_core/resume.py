"""Finishing an interrupted execution from its journal (``resume``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import dispatch, durable
from .engine import _Deliver, _NodeRun, _ToParent
from .errors import ResumeError, attach_execution_id
from .journal import DELIVER, NODE, PARENT, PendingJob, journal_of
from .operational import main_execution_id
from .store import contexts
from .workflows import CompiledWorkflow


def resume(execution_id: str, nodes: Mapping, backends: Any) -> int:
    """Run the unfinished work of an execution tree; return how many jobs were pending.

    The jobs run in the order the interrupted run would have run them
    (depth first). Resuming an execution with nothing pending only sets its
    status (``idle``).
    """
    journal = journal_of(backends)
    if journal is None:
        raise ResumeError(
            f"cannot resume '{execution_id}': this store keeps no journal "
            "(use memory://, file://, sqlite:// or postgresql://)"
        )
    context = contexts(backends).read(execution_id)
    record = journal.execution(execution_id)
    if not context and record is None:
        raise ResumeError(f"cannot resume '{execution_id}': no such execution")
    tree = (record or {}).get("main_execution_id") or main_execution_id(context, execution_id)
    pending = journal.pending(tree)
    tasks = [_task(job, tree, nodes, backends) for job in _stack_order(pending)]

    def seed() -> None:
        for task in tasks:
            dispatch.submit(task)

    try:
        with durable.top_level(backends, tree):
            dispatch.run(seed)
    except BaseException as exc:
        attach_execution_id(exc, execution_id)
        raise
    return len(pending)


def _stack_order(pending: list[PendingJob]) -> list[PendingJob]:
    """Newest batch first (it was on top of the stack), each batch in its own order."""
    return sorted(pending, key=lambda job: (-job.batch, job.id))


def _task(pending: PendingJob, tree: str, nodes: Mapping, backends: Any) -> Any:
    kind = pending.job.get("kind")
    rebuild = durable.job_kind(kind)
    if rebuild is None:
        raise ResumeError(
            f"job {pending.id} of '{pending.execution_id}' has unknown kind {kind!r} "
            "(is the plugin that wrote it installed?)"
        )
    task = rebuild(pending.execution_id, pending.job, nodes, backends)
    task.job_id, task.tree = pending.id, tree
    return task


def _deliver(execution_id: str, job: dict, nodes: Mapping, backends: Any) -> _Deliver:
    return _Deliver(execution_id, nodes, backends, list(job["signals"]))


def _to_parent(execution_id: str, job: dict, nodes: Mapping, backends: Any) -> _ToParent:
    return _ToParent(execution_id, nodes, backends, list(job["signals"]))


def _node_run(execution_id: str, job: dict, nodes: Mapping, backends: Any) -> _NodeRun:
    workflow_name, node_name = job["workflow"], job["node"]
    registry = backends.workflow.get_workflows_registry(execution_id) or {}
    workflow = registry.get(workflow_name)
    if not isinstance(workflow, dict) or node_name not in workflow:
        raise ResumeError(
            f"cannot resume '{execution_id}': workflow '{workflow_name}' has no node "
            f"'{node_name}' any more"
        )
    compiled = CompiledWorkflow(workflow_name, workflow)
    return _NodeRun(execution_id, compiled, node_name, workflow[node_name], nodes, backends)


durable.register_job_kind(DELIVER, _deliver)
durable.register_job_kind(PARENT, _to_parent)
durable.register_job_kind(NODE, _node_run)
