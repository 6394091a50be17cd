"""The journal: durable record of pending work and of executions.

A backends container may carry a ``journal`` attribute. With one, every
piece of work the engine schedules -- a delivery of signals, a node run,
a hand-off of signals to a parent -- is written down as a *job* before it
runs and crossed out after its effects are stored, so an execution cut
short by a crash can be finished with :func:`soe_core.durable.resume`.
Without one (a custom container, say) executions run as before and
cannot be resumed.

A journal implements:

``commit(main_id, done, jobs) -> list[int] | None``
    One atomic step for the execution tree ``main_id`` (the
    ``main_execution_id`` shared by a root and its children): remove the
    pending job ``done`` (an id, or None) and add ``jobs``, a list of
    ``(execution_id, job)`` pairs where ``job`` is a JSON-compatible dict.
    Returns the new ids: integers unique in the store, larger than every
    id handed out before. The jobs of one call form a *batch* whose
    number is the smallest of their ids. If ``done`` is given and is no
    longer pending (another worker finished it), nothing changes and the
    call returns None: that is how a job delivered twice is run once.
``pending(main_id) -> list[PendingJob]``
    The jobs not yet done, ordered by id.
``job(main_id, job_id) -> PendingJob | None`` (optional)
    One pending job, or None when it is done (or unknown). Workers that
    run one job per message use it instead of scanning ``pending``.
``transaction()``
    A context manager: journal commits and context writes made inside
    it are stored together or not at all (nests). A journal that cannot
    offer that (the file store) returns a no-op context manager.
``deferring()`` (optional)
    A context manager around one whole job, in the thread that runs it.
    Inside it the store may hold back writes that can wait (SQLite: the
    node's run count) and store them with the next transaction the thread
    opens -- the job's own step at the latest -- instead of committing
    them on their own; reads in that thread see them meanwhile. Whatever
    is still held back when the block ends (the job failed, or was done
    already) is written then, so nothing is lost.
``record_execution(execution_id, info)``, ``update_execution(execution_id, changes)``
    Store / update the summary of an execution (see :class:`ExecutionInfo`).
``execution(execution_id) -> dict | None``, ``executions() -> list[dict]``
    Read summaries back; ``executions()`` is ordered by ``created``.
``forget(execution_id)``
    Delete the summary and the pending jobs of one execution (pruning).

``soe_core.backend_contract.JournalContract`` is the test suite every
journal re-runs.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, NamedTuple

# job kinds
DELIVER = "deliver"  # {"kind": "deliver", "signals": [...]}
NODE = "node"  # {"kind": "node", "node": name, "workflow": name, "signals": [...]}
PARENT = "parent"  # {"kind": "parent", "signals": [...]}

# execution statuses
RUNNING = "running"  # work pending (or being done right now)
IDLE = "idle"  # nothing pending: finished, or waiting for an external signal
FAILED = "failed"  # an error stopped it; resume() retries the pending work

EXECUTION_FIELDS = (
    "execution_id",
    "main_execution_id",
    "parent_execution_id",
    "workflow",
    "status",
    "error",
    "created",
    "updated",
)


class PendingJob(NamedTuple):
    id: int
    batch: int
    execution_id: str
    job: dict


def now() -> str:
    """The timestamp format of execution summaries: ISO 8601, UTC, microseconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


def journal_of(backends: Any) -> Any:
    """The journal of a backends container, or None."""
    return getattr(backends, "journal", None)
