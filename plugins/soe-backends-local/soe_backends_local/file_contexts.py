"""The file context store: ``<id>.json`` snapshots plus, for large contexts, ``<id>.log``.

A context below :attr:`LocalContextBackend.inline_bytes` is rewritten on
every change, so ``<id>.json`` stays the whole context in the original
SOE's format (CORE-91). Above it, changes go to the append-only log of
:mod:`soe_backends_local.context_log` and cost the same whatever the
history length. Once the log outgrows the snapshot it is folded into a new
snapshot (compacted): a read never folds more than a snapshot's worth of
changes, and the rewrites add up to a constant cost per change.

Every write holds the id's thread lock and ``flock`` (:class:`IdLocks`), so
writers in several processes may share a folder. Readers take no lock: they
read the snapshot, then the log, and start again if the snapshot was
replaced in between.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any

from . import context_log
from .context_log import Stat, apply_change, stat_of
from .fileio import IdLocks, dump_json, ensure_dir, remove_matching, write_atomic
from .ids import safe_id


class LocalContextBackend:
    """``<id>.json`` per context (JSON, indent 2), and ``<id>.log`` once it is large."""

    inline_bytes = 16 * 1024
    """Snapshots smaller than this are rewritten per change (they stay complete)."""

    def __init__(self, storage_dir: str | os.PathLike[str]):
        self.storage_dir = ensure_dir(storage_dir)
        self._locks = IdLocks(self.storage_dir)

    def _paths(self, key: str) -> tuple[str, str]:
        # plain strings: pathlib costs more than the system calls on this hot path
        base = os.path.join(self.storage_dir, key)
        return f"{base}.json", f"{base}.log"

    # -- reading --------------------------------------------------------------

    def get_context(self, id: str) -> dict:
        return self._load(safe_id(id))

    def read_context(self, id: str) -> dict:
        # a fresh load is already private to the caller
        return self._load(safe_id(id))

    def _load(self, key: str) -> dict:
        snapshot_path, log_path = self._paths(key)
        while True:
            snapshot, stat = _read_snapshot(snapshot_path)
            changes = context_log.read_changes(log_path, snapshot) if snapshot else []
            if _stat_or_none(snapshot_path) == stat:
                break  # else a writer replaced the snapshot meanwhile: read again
        context = json.loads(snapshot) if snapshot else {}
        for change in changes:
            apply_change(context, change)
        return context

    # -- whole-context writes -------------------------------------------------

    def save_context(self, id: str, context: dict) -> None:
        key = safe_id(id)
        data = dump_json(context).encode("utf-8")
        # locked so a concurrent update_context cannot overwrite this save
        with self._locks.hold(key):
            self._store(key, data)

    def update_context(self, id: str, mutate: Callable[[dict], Any]) -> Any:
        """Load, ``mutate``, save atomically under thread and process locks."""
        key = safe_id(id)
        with self._locks.hold(key):
            context = self._load(key)
            result = mutate(context)
            self._store(key, dump_json(context).encode("utf-8"))
            return result

    def _store(self, key: str, data: bytes) -> None:
        """Write a new snapshot, then an empty log or none (caller holds the lock).

        In this order a crash in between leaves a log that no longer matches
        the snapshot, which readers ignore.
        """
        snapshot_path, log_path = self._paths(key)
        write_atomic(snapshot_path, data)
        if len(data) < self.inline_bytes:
            _unlink(log_path)
        else:
            context_log.start(log_path, data, stat_of(os.stat(snapshot_path)))

    # -- changes --------------------------------------------------------------

    def append_context_field(self, id: str, field: str, value: Any) -> None:
        self._change(id, ["field", field, value])

    def extend_operational_signals(self, id: str, signals: list) -> None:
        self._change(id, ["signals", list(signals)])

    def increment_operational(self, id: str, counter: str, node_name: str | None = None) -> None:
        self._change(id, ["node", node_name] if counter == "nodes" else ["count", counter])

    def _change(self, id: str, change: list) -> None:
        key = safe_id(id)
        line = context_log.encode(change)  # outside the lock
        snapshot_path, log_path = self._paths(key)
        with self._locks.hold(key):
            snapshot_stat = _stat_or_none(snapshot_path)
            size = None
            if snapshot_stat is not None:
                size = context_log.append(log_path, snapshot_stat, line)
            if size is None:  # small, new, or a log left by a crash: rewrite
                context = self._load(key)
                apply_change(context, change)
                self._store(key, dump_json(context).encode("utf-8"))
            elif size > max(snapshot_stat[1], self.inline_bytes):
                self._store(key, dump_json(self._load(key)).encode("utf-8"))

    # -- listing and deleting -------------------------------------------------

    def list_context_ids(self) -> list[str]:
        return sorted(
            path.stem for path in self.storage_dir.glob("*.json") if not path.name.startswith(".")
        )

    def delete_context(self, id: str) -> None:
        key = safe_id(id)
        snapshot_path, log_path = self._paths(key)
        with self._locks.hold(key):
            _unlink(snapshot_path)
            _unlink(log_path)

    def cleanup_all(self) -> None:
        remove_matching(self.storage_dir, "*.json", "*.log", ".locks/*.lock")


def _read_snapshot(path: str) -> tuple[bytes | None, Stat | None]:
    try:
        with open(path, "rb") as handle:
            return handle.read(), stat_of(os.fstat(handle.fileno()))
    except FileNotFoundError:
        return None, None


def _stat_or_none(path: str) -> Stat | None:
    try:
        return stat_of(os.stat(path))
    except FileNotFoundError:
        return None


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
