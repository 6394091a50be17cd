"""The client side of the ``celery`` caller.

``broadcast_signals`` writes the delivery of an external broadcast to the
journal as the tree's root job; the caller then sends it to the workers
and, by default, waits until the tree has nothing pending -- so
``orchestrate()`` returns at quiescence, as with the in-process callers.
The message is sent only after ``broadcast_signals`` has set the tree's
status to ``running``; then the workers write it (``idle``, ``failed``),
and a waiting client sets ``idle`` too when it sees nothing pending.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from soe_core import broadcast_signals
from soe_core.errors import attach_execution_id
from soe_core.journal import RUNNING, journal_of, now

from .app import DEFAULT_QUEUE, make_app, send_jobs, send_root
from .errors import CeleryCallerError
from .jobs import settle_if_idle
from .waiting import wait_until_done


def build_celery_caller(
    nodes: Mapping,
    backends: Any,
    *,
    broker_url: str | None = None,
    queue: str = DEFAULT_QUEUE,
    wait: bool = True,
    timeout: float | None = None,
    poll_interval: float = 0.1,
    **_options: Any,
) -> Callable[[str, list], None]:
    """A ``broadcast_signals_caller`` whose deliveries run on Celery workers.

    ``broker_url`` defaults to env ``SOE_BROKER_URL``, then
    ``redis://127.0.0.1:6379/0``. ``backends`` must keep a journal and be the
    store the workers open (``soe worker --store``): a SQLite file on one
    host, or PostgreSQL. With ``wait`` (the default) a call returns when
    the execution is quiescent and raises :class:`~soe_celery.errors.ExecutionFailed`
    if a job failed; ``timeout`` (seconds) bounds the wait.
    """
    journal = _journal(backends)
    app = make_app(broker_url, queue=queue)

    def broadcast_signals_caller(execution_id: str, signals: list) -> None:
        roots: list = []
        broadcast_signals(execution_id, signals, nodes, backends, runner=roots.append)
        if not roots:
            return  # called while a job runs: its delivery is one of that job's follow-ups
        (root,) = roots
        try:
            result = send_root(app, root.tree, root.job_id)
            if wait:
                wait_until_done(
                    journal,
                    root.tree,
                    root=result,
                    since=root.job_id,
                    timeout=timeout,
                    poll_interval=poll_interval,
                )
                settle_if_idle(journal, root.tree)  # the workers' own check comes a bit later
        except BaseException as exc:
            attach_execution_id(exc, execution_id)
            raise

    broadcast_signals_caller.app = app  # type: ignore[attr-defined]
    return broadcast_signals_caller


def wait(
    execution_id: str, backends: Any, *, timeout: float | None = None, poll_interval: float = 0.1
) -> None:
    """Wait until the execution tree of ``execution_id`` has nothing pending.

    For clients built with ``wait=False``; raises like the caller does.
    """
    journal = _journal(backends)
    wait_until_done(
        journal, _tree(journal, execution_id), timeout=timeout, poll_interval=poll_interval
    )


def resubmit(
    execution_id: str,
    backends: Any,
    *,
    broker_url: str | None = None,
    queue: str = DEFAULT_QUEUE,
    wait: bool = True,
    timeout: float | None = None,
) -> int:
    """Send every pending job of an execution tree to the workers again; return how many.

    Finishes a failed execution on the workers (like ``soe resume`` does in
    process), or one whose messages were lost. Jobs done meanwhile are
    skipped by the workers, so sending too much is harmless.
    """
    journal = _journal(backends)
    tree = _tree(journal, execution_id)
    journal.update_execution(tree, {"status": RUNNING, "error": None, "updated": now()})
    pending = [job.id for job in journal.pending(tree)]
    send_jobs(make_app(broker_url, queue=queue), tree, pending)
    if wait:
        wait_until_done(journal, tree, timeout=timeout)
    return len(pending)


def _tree(journal: Any, execution_id: str) -> str:
    record = journal.execution(execution_id)
    if record is None:
        raise CeleryCallerError(f"no execution '{execution_id}' in this store")
    return record.get("main_execution_id") or execution_id


def _journal(backends: Any) -> Any:
    journal = journal_of(backends)
    if journal is None:
        raise CeleryCallerError(
            "the celery caller needs a store with a journal that the workers open too "
            "(sqlite:///PATH on one host, or postgresql://...); this store keeps none"
        )
    return journal
