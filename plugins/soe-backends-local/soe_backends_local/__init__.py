"""Local SOE backends: in memory (``memory://``) and on disk (``file://DIR``)."""

from __future__ import annotations

from soe_core.lazy import lazy_attributes

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

# The file backends are imported on first access (PEP 562): the plugin hook
# imports this package, and in-memory runs need none of them (issue #9).
_LAZY = {
    "FileJournal": ".file_journal",
    "LocalContextBackend": ".files",
    "LocalWorkflowBackend": ".files",
    "create_local_backends": ".files",
    "open_files": ".files",
    "LocalContextSchemaBackend": ".files_optional",
    "LocalConversationHistoryBackend": ".files_optional",
    "LocalIdentityBackend": ".files_optional",
    "LocalTelemetryBackend": ".files_optional",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


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
