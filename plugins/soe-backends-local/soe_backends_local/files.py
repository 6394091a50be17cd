"""The file workflow backend, and opening ``file://`` URLs (CORE-91).

Contexts live in :mod:`soe_backends_local.file_contexts`; the optional
backends (telemetry, conversations, schemas, identities) in
:mod:`soe_backends_local.files_optional`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from soe_core.backends import LocalBackends

from .file_contexts import LocalContextBackend
from .file_journal import FileJournal
from .fileio import (
    dump_json,
    ensure_dir,
    read_json,
    read_text,
    remove_matching,
    write_atomic,
)
from .files_optional import (
    LocalContextSchemaBackend,
    LocalConversationHistoryBackend,
    LocalIdentityBackend,
    LocalTelemetryBackend,
)
from .ids import safe_id


class LocalWorkflowBackend:
    """``<id>_workflows.json`` (the registry) and ``<id>_current.txt`` (the name)."""

    def __init__(self, storage_dir: str | os.PathLike[str]):
        self.storage_dir = ensure_dir(storage_dir)
        # bumped after every save of this process: two saves inside one
        # mtime tick with equal sizes would otherwise look unchanged
        self._saves: dict[str, int] = {}
        self._saves_lock = threading.Lock()

    def _registry_path(self, key: str) -> Path:
        return self.storage_dir / f"{key}_workflows.json"

    def _name_path(self, key: str) -> Path:
        return self.storage_dir / f"{key}_current.txt"

    def _saved(self, key: str) -> None:
        with self._saves_lock:
            self._saves[key] = self._saves.get(key, 0) + 1

    def save_workflows_registry(self, id: str, workflows: dict) -> None:
        key = safe_id(id)
        write_atomic(self._registry_path(key), dump_json(workflows))
        self._saved(key)

    def get_workflows_registry(self, id: str) -> dict | None:
        return read_json(self._registry_path(safe_id(id)))

    def save_current_workflow_name(self, id: str, name: str) -> None:
        key = safe_id(id)
        write_atomic(self._name_path(key), str(name))
        self._saved(key)

    def get_current_workflow_name(self, id: str) -> str:
        text = read_text(self._name_path(safe_id(id)))
        return text.strip() if text is not None else ""

    def workflows_version(self, id: str) -> tuple:
        """Changes whenever either file of ``id`` is replaced (by any process)."""
        key = safe_id(id)
        return (
            _stamp(self._registry_path(key)),
            _stamp(self._name_path(key)),
            self._saves.get(key, 0),
        )

    def delete_workflows(self, id: str) -> None:
        key = safe_id(id)
        self._registry_path(key).unlink(missing_ok=True)
        self._name_path(key).unlink(missing_ok=True)
        self._saved(key)

    def cleanup_all(self) -> None:
        remove_matching(self.storage_dir, "*_workflows.json", "*_current.txt")


def _stamp(path: Path) -> tuple[int, int, int] | None:
    # every atomic save creates a new inode, which helps across processes
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


_SUBFOLDERS = {
    "context_storage_dir": "contexts",
    "workflow_storage_dir": "workflows",
    "telemetry_storage_dir": "telemetry",
    "conversation_history_storage_dir": "conversations",
    "context_schema_storage_dir": "schemas",
    "identity_storage_dir": "identities",
    "journal_storage_dir": "journal",
}


def open_files(url: str, **options: Any) -> LocalBackends:
    """Open file backends.

    ``file://DIR`` (relative like ``file://./data`` or absolute like
    ``file:///tmp/x``) uses the subfolders ``contexts``, ``workflows``,
    ``telemetry``, ``conversations``, ``schemas``, ``identities`` and
    ``journal`` (a :class:`FileJournal`) of DIR. ``file://`` alone takes
    the folders from the keyword options named like the arguments of
    ``create_local_backends``; with DIR, such an option overrides one
    subfolder. A None or empty folder turns an optional backend (or the
    journal) off; the context and workflow folders are required.
    """
    if not url.startswith("file://"):
        raise ValueError(f"open_files() expects a file:// URL, got {url!r}")
    unknown = set(options) - set(_SUBFOLDERS)
    if unknown:
        raise TypeError(
            f"unknown option(s) for file://: {', '.join(sorted(unknown))}; "
            f"expected {', '.join(_SUBFOLDERS)}"
        )
    base = unquote(url[len("file://") :])
    dirs: dict[str, Any] = {}
    if base:
        dirs = {option: os.path.join(base, sub) for option, sub in _SUBFOLDERS.items()}
    dirs.update(options)
    for required in ("context_storage_dir", "workflow_storage_dir"):
        if not dirs.get(required):
            raise ValueError(
                f"file backends need {required}: use file://DIR or pass {required}=..."
            )

    def optional(option: str, backend: Callable[[Any], Any]) -> Any:
        folder = dirs.get(option)
        return backend(folder) if folder else None

    return LocalBackends(
        LocalContextBackend(dirs["context_storage_dir"]),
        LocalWorkflowBackend(dirs["workflow_storage_dir"]),
        telemetry_backend=optional("telemetry_storage_dir", LocalTelemetryBackend),
        conversation_history_backend=optional(
            "conversation_history_storage_dir", LocalConversationHistoryBackend
        ),
        context_schema_backend=optional("context_schema_storage_dir", LocalContextSchemaBackend),
        identity_backend=optional("identity_storage_dir", LocalIdentityBackend),
        journal=optional("journal_storage_dir", FileJournal),
    )


def create_local_backends(
    context_storage_dir: str = "./orchestration_data/contexts",
    workflow_storage_dir: str = "./orchestration_data/workflows",
    telemetry_storage_dir: str | None = None,
    conversation_history_storage_dir: str | None = "./orchestration_data/conversations",
    context_schema_storage_dir: str | None = "./orchestration_data/schemas",
    identity_storage_dir: str | None = "./orchestration_data/identities",
    journal_storage_dir: str | None = None,
) -> LocalBackends:
    """The original factory (CORE-91), without going through the plugin registry.

    Unlike ``file://DIR`` it keeps no journal unless given ``journal_storage_dir``,
    so it behaves as the original did.
    """
    return open_files(
        "file://",
        context_storage_dir=context_storage_dir,
        workflow_storage_dir=workflow_storage_dir,
        telemetry_storage_dir=telemetry_storage_dir,
        conversation_history_storage_dir=conversation_history_storage_dir,
        context_schema_storage_dir=context_schema_storage_dir,
        identity_storage_dir=identity_storage_dir,
        journal_storage_dir=journal_storage_dir,
    )
