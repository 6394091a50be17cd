"""The journal of the ``file://`` store (protocol: :mod:`soe_core.journal`).

Layout under the journal folder:

``pending/<main_execution_id>.json``
    The pending jobs of one execution tree, a list ordered by id; rewritten
    atomically under the tree's lock by every commit, removed when empty.
``executions/<execution_id>.json``
    The summary of one execution.
``next_id``
    The last job id handed out, under its own lock so that ids are unique
    and increasing across the processes sharing the folder. It survives
    ``cleanup_all`` (an id is never handed out twice).

Files cannot be rolled back, so :meth:`FileJournal.transaction` groups
nothing (``atomic = False``): a crash between a context write and the
journal commit re-runs the job, whose writes are at least once.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from soe_core.journal import EXECUTION_FIELDS, PendingJob

from .fileio import (
    IdLocks,
    dump_json,
    ensure_dir,
    read_json,
    read_text,
    remove_matching,
    write_atomic,
)
from .ids import safe_id

_NO_TRANSACTION = contextlib.nullcontext()
_COUNTER = "next_id"


class FileJournal:
    """A journal in JSON files, safe between threads and processes."""

    atomic = False

    def __init__(self, storage_dir: str | os.PathLike[str]):
        self.storage_dir = ensure_dir(storage_dir)
        self._pending_dir = ensure_dir(self.storage_dir / "pending")
        self._executions_dir = ensure_dir(self.storage_dir / "executions")
        # three lock folders, so a tree and an execution may share a name
        self._counter_lock = IdLocks(self.storage_dir)
        self._tree_locks = IdLocks(self._pending_dir)
        self._execution_locks = IdLocks(self._executions_dir)

    # -- pending jobs -------------------------------------------------------

    def _tree_path(self, key: str) -> Path:
        return self._pending_dir / f"{key}.json"

    def commit(self, main_id: str, done: int | None, jobs: list) -> list[int] | None:
        key = safe_id(main_id)
        path = self._tree_path(key)
        with self._tree_locks.hold(key):
            rows = read_json(path) or []
            if done is not None:
                kept = [row for row in rows if row[0] != done]
                if len(kept) == len(rows):
                    return None  # done already (by another worker)
                rows = kept
            ids = self._take_ids(len(jobs)) if jobs else []
            rows.extend(
                [job_id, ids[0], execution_id, job]
                for job_id, (execution_id, job) in zip(ids, jobs, strict=True)
            )
            self._write_tree(path, rows)
            return ids

    def _take_ids(self, count: int) -> list[int]:
        # taken under the tree lock: always tree lock first, counter second
        path = self.storage_dir / _COUNTER
        with self._counter_lock.hold(_COUNTER):
            text = read_text(path)
            last = int(text) if text and text.strip() else 0
            write_atomic(path, str(last + count))
        return list(range(last + 1, last + count + 1))

    @staticmethod
    def _write_tree(path: Path, rows: list) -> None:
        if rows:
            write_atomic(path, dump_json(rows))
        else:
            path.unlink(missing_ok=True)

    def pending(self, main_id: str) -> list[PendingJob]:
        rows = read_json(self._tree_path(safe_id(main_id))) or []
        return [PendingJob(*row) for row in sorted(rows, key=lambda row: row[0])]

    def job(self, main_id: str, job_id: int) -> PendingJob | None:
        rows = read_json(self._tree_path(safe_id(main_id))) or []
        return next((PendingJob(*row) for row in rows if row[0] == job_id), None)

    def transaction(self) -> contextlib.nullcontext:
        return _NO_TRANSACTION

    # -- execution summaries ------------------------------------------------

    def _execution_path(self, key: str) -> Path:
        return self._executions_dir / f"{key}.json"

    def record_execution(self, execution_id: str, info: dict) -> None:
        key = safe_id(execution_id)
        record = dict.fromkeys(EXECUTION_FIELDS)
        record.update(info, execution_id=execution_id)
        text = dump_json(record)
        with self._execution_locks.hold(key):
            write_atomic(self._execution_path(key), text)

    def update_execution(self, execution_id: str, changes: dict) -> None:
        key = safe_id(execution_id)
        path = self._execution_path(key)
        with self._execution_locks.hold(key):
            record = read_json(path)
            if record is not None:
                record.update(changes)
                write_atomic(path, dump_json(record))

    def execution(self, execution_id: str) -> dict | None:
        return read_json(self._execution_path(safe_id(execution_id)))

    def executions(self) -> list[dict]:
        records = []
        for path in self._executions_dir.glob("*.json"):
            if path.name.startswith("."):
                continue  # another writer's temp file
            record = read_json(path)  # None: forgotten since the glob
            if record is not None:
                records.append(record)
        return sorted(records, key=lambda record: record.get("created") or "")

    def forget(self, execution_id: str) -> None:
        key = safe_id(execution_id)
        record = self.execution(key)
        tree = (record or {}).get("main_execution_id")
        # without a summary the tree is unknown: look in every one
        trees = [safe_id(tree)] if tree else [p.stem for p in self._tree_files()]
        for tree_key in trees:
            path = self._tree_path(tree_key)
            with self._tree_locks.hold(tree_key):
                rows = read_json(path) or []
                kept = [row for row in rows if row[2] != execution_id]
                if len(kept) != len(rows):
                    self._write_tree(path, kept)
        with self._execution_locks.hold(key):
            self._execution_path(key).unlink(missing_ok=True)

    def _tree_files(self) -> list[Path]:
        return [p for p in self._pending_dir.glob("*.json") if not p.name.startswith(".")]

    def cleanup_all(self) -> None:
        remove_matching(self._pending_dir, "*.json", ".locks/*.lock")
        remove_matching(self._executions_dir, "*.json", ".locks/*.lock")
