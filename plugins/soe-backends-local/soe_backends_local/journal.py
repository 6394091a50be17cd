"""The journal of the ``memory://`` store (protocol: :mod:`soe_core.journal`)."""

from __future__ import annotations

import contextlib
import copy
import threading

from soe_core.journal import EXECUTION_FIELDS, PendingJob

_NO_TRANSACTION = contextlib.nullcontext()


class MemoryJournal:
    """A journal in process memory, for the ``memory://`` store (and tests)."""

    atomic = False  # memory writes cannot be rolled back

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._next = 1
        self._pending: dict[str, dict[int, PendingJob]] = {}
        self._executions: dict[str, dict] = {}

    def commit(self, main_id: str, done: int | None, jobs: list) -> list[int] | None:
        with self._lock:
            tree = self._pending.setdefault(main_id, {})
            if done is not None:
                if done not in tree:
                    return None
                del tree[done]
            ids = list(range(self._next, self._next + len(jobs)))
            self._next += len(jobs)
            # jobs are fresh dicts built by the engine: stored without a copy
            for job_id, (execution_id, job) in zip(ids, jobs, strict=True):
                tree[job_id] = PendingJob(job_id, ids[0], execution_id, job)
            return ids

    def pending(self, main_id: str) -> list[PendingJob]:
        with self._lock:
            tree = self._pending.get(main_id, {})
            return [copy.deepcopy(tree[key]) for key in sorted(tree)]

    def job(self, main_id: str, job_id: int) -> PendingJob | None:
        with self._lock:
            found = self._pending.get(main_id, {}).get(job_id)
            return copy.deepcopy(found) if found is not None else None

    def transaction(self) -> contextlib.nullcontext:
        # memory writes cannot be rolled back: nothing to group
        return _NO_TRANSACTION

    def record_execution(self, execution_id: str, info: dict) -> None:
        with self._lock:
            record = dict.fromkeys(EXECUTION_FIELDS)
            record.update(copy.deepcopy(info), execution_id=execution_id)
            self._executions[execution_id] = record

    def update_execution(self, execution_id: str, changes: dict) -> None:
        with self._lock:
            record = self._executions.get(execution_id)
            if record is not None:
                record.update(copy.deepcopy(changes))

    def execution(self, execution_id: str) -> dict | None:
        with self._lock:
            record = self._executions.get(execution_id)
            return dict(record) if record is not None else None

    def executions(self) -> list[dict]:
        with self._lock:
            return sorted(
                (dict(record) for record in self._executions.values()),
                key=lambda record: record["created"] or "",
            )

    def forget(self, execution_id: str) -> None:
        with self._lock:
            self._executions.pop(execution_id, None)
            for tree in self._pending.values():
                for job_id in [k for k, job in tree.items() if job.execution_id == execution_id]:
                    del tree[job_id]

    def cleanup_all(self) -> None:
        with self._lock:
            self._pending.clear()
            self._executions.clear()
