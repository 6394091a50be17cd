"""``soe.local_backends`` (CORE-3)."""

from soe_backends_local import (
    LocalContextBackend,
    LocalConversationHistoryBackend,
    LocalTelemetryBackend,
    LocalWorkflowBackend,
)

from soe_core import create_in_memory_backends, create_local_backends

from .factory import LocalBackends

__all__ = [
    "LocalBackends",
    "LocalContextBackend",
    "LocalConversationHistoryBackend",
    "LocalTelemetryBackend",
    "LocalWorkflowBackend",
    "create_in_memory_backends",
    "create_local_backends",
]
