"""Local SOE backends: in memory (``memory://``) and on disk (``file://DIR``)."""

from __future__ import annotations

from .file_journal import FileJournal
from .files import (
    LocalContextBackend,
    LocalWorkflowBackend,
    create_local_backends,
    open_files,
)
from .files_optional import (
    LocalContextSchemaBackend,
    LocalConversationHistoryBackend,
    LocalIdentityBackend,
    LocalTelemetryBackend,
)
from .ids import safe_id
from .journal import MemoryJournal
from .memory import (
    InMemoryContextBackend,
    InMemoryContextSchemaBackend,
    InMemoryConversationHistoryBackend,
    InMemoryIdentityBackend,
    InMemoryTelemetryBackend,
    InMemoryWorkflowBackend,
    create_in_memory_backends,
    open_memory,
)

__version__ = "0.1.0"

__all__ = [
    "FileJournal",
    "InMemoryContextBackend",
    "InMemoryContextSchemaBackend",
    "InMemoryConversationHistoryBackend",
    "InMemoryIdentityBackend",
    "InMemoryTelemetryBackend",
    "InMemoryWorkflowBackend",
    "LocalContextBackend",
    "LocalContextSchemaBackend",
    "LocalConversationHistoryBackend",
    "LocalIdentityBackend",
    "LocalTelemetryBackend",
    "LocalWorkflowBackend",
    "MemoryJournal",
    "create_in_memory_backends",
    "create_local_backends",
    "open_files",
    "open_memory",
    "safe_id",
]
