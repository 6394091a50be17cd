"""Durable execution: journaling each job, settling status, resuming after a crash.

Every task the engine puts on the work stack (a delivery of signals, a node
run, a hand-off to a parent) is a *job*. With a journal in the backends
(:mod:`soe_core.journal`), a job is written down before it can run, and
crossed out in the same atomic step that writes down the jobs it caused.
The journal therefore always holds the frontier of unfinished work, and
:func:`resume` finishes it.

What is exactly-once and what is at-least-once (``docs/guarantees.md``):

* A delivery's effects (the signals appended to ``__operational__``, the
  telemetry event, the node runs it schedules) commit with its journal
  step in one transaction: exactly once.
* A node's output write opens a transaction that stays open until the
  node's journal step, so the output value, its copies to parents and the
  signals it emits are stored together: exactly once on a transactional
  store (SQLite, PostgreSQL). A crash before that step re-runs the node:
  what happened before the output write -- the LLM or tool call, node and
  call counters, telemetry, writes made by tool code itself -- happens
  again (at least once).
* The file store has no transactions: its writes are at least once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import dispatch
from .journal import FAILED, IDLE, RUNNING, journal_of, now

_state = threading.local()

Rebuild = Callable[[str, dict, Any, Any], Any]
_kinds: dict[str, Rebuild] = {}


class JournaledTask:
    """Base of the work-stack tasks the journal writes down.

    A subclass sets ``execution_id`` and ``journal`` (``journal_of(backends)``),
    returns its job from :meth:`job` -- a JSON-compatible dict whose ``kind``
    was registered with :func:`register_job_kind` -- and runs its body with
    :func:`run_job`. ``job_id`` and ``tree`` are filled in by the journal.
    """

    __slots__ = ("execution_id", "journal", "job_id", "tree")
    inlinable = False
    """True for tasks whose ``body()`` may run inside the step of the job that caused them."""

    def __init__(self, execution_id: str, backends: Any):
        self.execution_id = execution_id
        self.journal = journal_of(backends)
        self.job_id: int | None = None
        self.tree: str | None = None

    def job(self) -> dict:
        raise NotImplementedError


def register_job_kind(kind: str, rebuild: Rebuild) -> None:
    """Say how :func:`soe_core.resume` turns a pending ``kind`` job back into a task.

    ``rebuild(execution_id, job, nodes, backends)`` returns the task.
    """
    _kinds[kind] = rebuild


def job_kind(kind: str) -> Rebuild | None:
    return _kinds.get(kind)


class Step:
    """The journal side of one job running in this thread."""

    __slots__ = ("journal", "task", "scope")

    def __init__(self, journal: Any, task: Any):
        self.journal = journal
        self.task = task
        self.scope: Any = None

    def open(self) -> None:
        """Start the transaction that the job's journal step will close."""
        if self.scope is None:
            scope = self.journal.transaction()
            scope.__enter__()
            self.scope = scope

    def close(self, error: BaseException | None) -> None:
        scope, self.scope = self.scope, None
        if scope is not None:
            if error is None:
                scope.__exit__(None, None, None)
            else:
                scope.__exit__(type(error), error, error.__traceback__)


def before_output_write() -> None:
    """Called before a node writes its output: from here on, its writes commit together."""
    step = getattr(_state, "step", None)
    if step is not None:
        step.open()


def run_job(task: Any, body: Callable[[], None], eager: bool = False) -> None:
    """Run ``body`` as journaled job ``task``; ``eager`` opens the transaction at once.

    After the body, the tasks it submitted are written down and the job is
    crossed out in one commit. If the journal says the job was already done
    (delivered twice), the transaction is rolled back and the submitted
    tasks are dropped. A journal with ``deferring()`` wraps the whole job
    in it, so the writes its store can hold back join that commit.
    """
    journal = task.journal
    if journal is None or task.job_id is None:
        body()
        return
    deferring = getattr(journal, "deferring", None)
    if deferring is None:
        _run_step(journal, task, body, eager)
        return
    with deferring():
        _run_step(journal, task, body, eager)


def _run_step(journal: Any, task: Any, body: Callable[[], None], eager: bool) -> None:
    step = Step(journal, task)
    previous = getattr(_state, "step", None)
    _state.step = step
    try:
        if eager:
            step.open()
        body()
        loop = dispatch.current_loop()
        batch = loop.batch if loop is not None else []
        step.open()
        if len(batch) == 1 and _inlinable(batch[0], journal):
            _inline(loop, batch)
        fresh = [t for t in batch if getattr(t, "job_id", 0) is None]
        ids = journal.commit(task.tree, task.job_id, [(t.execution_id, t.job()) for t in fresh])
        if ids is None:
            batch.clear()
            step.close(_AlreadyDone())
            return
        for follow_up, job_id in zip(fresh, ids, strict=True):
            follow_up.job_id, follow_up.tree = job_id, task.tree
        step.close(None)
    except BaseException as exc:
        step.close(exc)
        raise
    finally:
        _state.step = previous


def _inlinable(task: Any, journal: Any) -> bool:
    return getattr(task, "inlinable", False) and task.journal is journal and task.job_id is None


def _inline(loop: Any, batch: list) -> None:
    """Run a job's only follow-up (a delivery) inside the job's own step.

    It would run next anyway, so the order is unchanged; the journal is
    spared writing down a job only to cross it out a moment later.
    """
    (follow_up,) = batch
    loop.batch = inner = []
    try:
        follow_up.body()
    finally:
        loop.batch = batch
    batch[:] = inner


class _AlreadyDone(Exception):
    """Rolls back a job that another worker finished first."""


def record_root(task: Any, tree: str) -> None:
    """Write down a job that no other job caused (an external broadcast)."""
    journal = task.journal
    if journal is None:
        return
    (task.job_id,) = journal.commit(tree, None, [(task.execution_id, task.job())])
    task.tree = tree


@contextlib.contextmanager
def top_level(backends: Any, tree: str | None) -> Iterator[None]:
    """Around an outermost run: set the execution's status when it ends."""
    journal = journal_of(backends)
    outermost = dispatch.current_loop() is None and not getattr(_state, "settling", False)
    if journal is None or tree is None or not outermost:
        yield
        return
    _state.settling = True
    try:
        yield
    except BaseException as exc:
        settle(journal, tree, exc)
        raise
    else:
        settle(journal, tree, None)
    finally:
        _state.settling = False


def settle(journal: Any, tree: str, error: BaseException | None) -> None:
    if error is not None:
        changes = {"status": FAILED, "error": f"{type(error).__name__}: {error}"}
    else:
        changes = {"status": RUNNING if journal.pending(tree) else IDLE, "error": None}
    changes["updated"] = now()
    journal.update_execution(tree, changes)
