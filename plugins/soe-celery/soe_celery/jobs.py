"""Running one journaled job on a worker; no Celery here.

A message names a job by ``(tree, job_id)``. The worker looks the job up
in the journal (``job()`` where the journal has it, else a scan of the
tree's pending jobs), rebuilds its task as ``soe resume`` does,
runs it alone (:func:`soe_core.dispatch.run_one`) and returns the ids of
the jobs it caused, which the journal wrote down in the job's own commit.

:func:`run_chain` keeps going on the same worker with the first job each
job causes, for a short time budget, and sends only the others: a chain
of cheap jobs (a delivery, its node run, the hand-off to a parent) costs
one message instead of one each, while siblings still spread over the
workers.

Deduplication comes from the journal: a job that is no longer pending was
done already (the message was delivered twice) and is skipped; two
workers running the same job at once both run it, but only the first
commit counts -- the second is rolled back with everything it wrote in the
job's transaction (see :mod:`soe_core.durable`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import soe_core.resume  # noqa: F401  (registers the engine's job kinds)
from soe_core import dispatch, durable
from soe_core.errors import ResumeError
from soe_core.journal import FAILED, PendingJob, journal_of

from .errors import UnknownExecution


def settle_if_idle(journal: Any, tree: str) -> None:
    """Mark ``tree`` idle if nothing is pending (in one transaction where the store has them)."""
    with journal.transaction():
        if not journal.pending(tree):
            durable.settle(journal, tree, None)


def run_pending_job(
    nodes: Mapping,
    backends: Any,
    tree: str,
    job_id: int,
    *,
    redelivered: bool = False,
    check_idle: Callable[[Any, str], None] = settle_if_idle,
) -> list[int]:
    """Run job ``job_id`` of ``tree`` if it is still pending; return the jobs to send next.

    ``redelivered`` says the broker handed this message out before: its
    first worker may have died after committing the job but before sending
    the follow-ups, so when the job is done already, the tree's pending jobs
    newer than it are returned to be sent again (duplicates are harmless).
    A job that caused nothing may have been the tree's last: then
    ``check_idle(journal, tree)`` is called.
    """
    journal = journal_of(backends)
    record = journal.execution(tree)
    if record is None:
        raise UnknownExecution(
            f"execution '{tree}' is not in this worker's store: start the workers with "
            "the client's store (--store); memory:// cannot be shared"
        )
    if record.get("status") == FAILED:
        return []  # an error stopped the tree; `soe resume` or resubmit() finishes it
    mine = _pending_job(journal, tree, job_id)
    if mine is None:
        if not redelivered:
            return []
        return [job.id for job in journal.pending(tree) if job.id > job_id]
    try:
        follow_ups = dispatch.run_one(_rebuild(mine, tree, nodes, backends))
        ids = []
        for follow_up in follow_ups:
            if getattr(follow_up, "job_id", None) is None:
                dispatch.run(follow_up)  # not journaled: it cannot travel, run it here
            else:
                ids.append(follow_up.job_id)
    except BaseException as exc:
        durable.settle(journal, tree, exc)
        raise
    if not ids:
        check_idle(journal, tree)
    return ids


def run_chain(
    nodes: Mapping,
    backends: Any,
    tree: str,
    job_id: int,
    send: Callable[[list[int]], None],
    *,
    budget: float = 1.0,
    redelivered: bool = False,
    check_idle: Callable[[Any, str], None] = settle_if_idle,
) -> int:
    """Run ``job_id``, then the first job it causes, and so on for ``budget`` seconds.

    The other jobs are handed to ``send`` as soon as they exist, and all
    of them once the budget is spent. Returns how many jobs ran here. A
    job run here has no message of its own: if the worker dies, the
    redelivered message of ``job_id`` sends it again (see
    :func:`run_pending_job`).
    """
    deadline = time.monotonic() + budget
    runs = 0
    while True:
        follow_ups = run_pending_job(
            nodes, backends, tree, job_id, redelivered=redelivered, check_idle=check_idle
        )
        runs += 1
        if not follow_ups:
            return runs
        if time.monotonic() >= deadline:
            send(follow_ups)
            return runs
        job_id, others = follow_ups[0], follow_ups[1:]
        send(others)  # before running the next job here, so siblings start elsewhere at once
        redelivered = False


def _pending_job(journal: Any, tree: str, job_id: int) -> PendingJob | None:
    lookup = getattr(journal, "job", None)  # optional: a scan of pending() costs O(frontier)
    if lookup is not None:
        return lookup(tree, job_id)
    return next((job for job in journal.pending(tree) if job.id == job_id), None)


def _rebuild(pending: PendingJob, tree: str, nodes: Mapping, backends: Any) -> Any:
    kind = pending.job.get("kind")
    rebuild = durable.job_kind(kind)
    if rebuild is None:
        raise ResumeError(
            f"job {pending.id} of '{pending.execution_id}' has unknown kind {kind!r} "
            "(is the plugin that wrote it installed on this worker?)"
        )
    task = rebuild(pending.execution_id, pending.job, nodes, backends)
    task.job_id, task.tree = pending.id, tree
    return task
