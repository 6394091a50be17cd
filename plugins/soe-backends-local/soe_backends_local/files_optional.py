"""File backends for the optional features: telemetry, conversation history,
context schemas and identities (CORE-91).

Schemas and identities are read from disk on every call. The original kept
an in-process cache in front of the files, which went stale as soon as
another process (a worker, a CLI) wrote the same id.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from soe_core.yaml_parser import dump_yaml, parse_yaml

from .fileio import (
    IdLocks,
    append_line,
    dump_json,
    ensure_dir,
    read_json,
    read_text,
    remove_matching,
    write_atomic,
)
from .ids import safe_id


class LocalTelemetryBackend:
    """One ``<execution_id>.jsonl`` per execution, one event per line."""

    def __init__(self, storage_dir: str | os.PathLike[str]):
        self.storage_dir = ensure_dir(storage_dir)

    def _path(self, execution_id: str) -> Path:
        return self.storage_dir / f"{safe_id(execution_id)}.jsonl"

    def log_event(self, execution_id: str, event_type: str, **event_data: Any) -> None:
        event = {"event_type": event_type, **event_data}
        # compact, single line; values JSON cannot hold are stored as text
        append_line(self._path(execution_id), json.dumps(event, default=str, ensure_ascii=False))

    def get_events(self, execution_id: str) -> list[dict]:
        text = read_text(self._path(execution_id))
        events: list[dict] = []
        for line in (text or "").splitlines():
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:  # e.g. a line cut short by a crash
                continue
            if isinstance(event, dict):
                events.append(event)
        return events

    def delete_events(self, execution_id: str) -> None:
        self._path(execution_id).unlink(missing_ok=True)

    def cleanup_all(self) -> None:
        remove_matching(self.storage_dir, "*.jsonl")


class LocalConversationHistoryBackend:
    """One ``<key>.json`` list per conversation (keyed by main execution id)."""

    def __init__(self, storage_dir: str | os.PathLike[str]):
        self.storage_dir = ensure_dir(storage_dir)
        self._locks = IdLocks(self.storage_dir)

    def _path(self, key: str) -> Path:
        return self.storage_dir / f"{key}.json"

    def get_conversation_history(self, identity: str) -> list[dict]:
        stored = read_json(self._path(safe_id(identity)))
        return stored if isinstance(stored, list) else []

    def append_to_conversation_history(self, identity: str, entry: dict) -> None:
        key = safe_id(identity)
        path = self._path(key)
        with self._locks.hold(key):  # read, append, rewrite as one step
            stored = read_json(path)
            history = stored if isinstance(stored, list) else []
            history.append(entry)
            write_atomic(path, dump_json(history))

    def save_conversation_history(self, identity: str, history: list[dict]) -> None:
        key = safe_id(identity)
        text = dump_json(list(history))
        with self._locks.hold(key):
            write_atomic(self._path(key), text)

    def delete_conversation_history(self, identity: str) -> None:
        key = safe_id(identity)
        with self._locks.hold(key):
            self._path(key).unlink(missing_ok=True)

    def cleanup_all(self) -> None:
        remove_matching(self.storage_dir, "*.json", ".locks/*.lock")


def _dump_yaml(value: Any) -> str:
    return dump_yaml(value)


def _load_yaml(path: Path) -> Any:
    text = read_text(path)
    return None if text is None else parse_yaml(text)


class _YamlStore:
    """``<execution_id>.yaml`` per id, block style; no cache (see module doc)."""

    def __init__(self, storage_dir: str | os.PathLike[str]):
        self.storage_dir = ensure_dir(storage_dir)

    def _path(self, execution_id: str) -> Path:
        return self.storage_dir / f"{safe_id(execution_id)}.yaml"

    def _save(self, execution_id: str, value: Any) -> None:
        write_atomic(self._path(execution_id), _dump_yaml(value))

    def _load(self, execution_id: str) -> Any:
        return _load_yaml(self._path(execution_id))

    def _delete(self, execution_id: str) -> bool:
        try:
            self._path(execution_id).unlink()
        except FileNotFoundError:
            return False
        return True


class LocalContextSchemaBackend(_YamlStore):
    def save_context_schema(self, execution_id: str, schema: dict) -> None:
        self._save(execution_id, schema)

    def get_context_schema(self, execution_id: str) -> dict | None:
        return self._load(execution_id)

    def delete_context_schema(self, execution_id: str) -> bool:
        """True only if a schema file existed."""
        return self._delete(execution_id)

    def cleanup_all(self) -> None:
        # the original recreates the whole folder
        shutil.rmtree(self.storage_dir, ignore_errors=True)
        self.storage_dir.mkdir(parents=True, exist_ok=True)


class LocalIdentityBackend(_YamlStore):
    def save_identities(self, execution_id: str, identities: dict[str, str]) -> None:
        self._save(execution_id, identities)

    def get_identities(self, execution_id: str) -> dict[str, str] | None:
        return self._load(execution_id)

    def get_identity(self, execution_id: str, name: str) -> str | None:
        identities = self._load(execution_id)
        return identities.get(name) if isinstance(identities, dict) else None

    def delete_identities(self, execution_id: str) -> bool:
        """True if an identities file existed."""
        return self._delete(execution_id)

    def cleanup_all(self) -> None:
        remove_matching(self.storage_dir, "*.yaml")
