"""``soe.local_backends`` (CORE-3)."""

from typing import Any

from soe_core import create_in_memory_backends, create_local_backends

from .factory import LocalBackends

_FILE_BACKENDS = {
    "LocalContextBackend",
    "LocalConversationHistoryBackend",
    "LocalTelemetryBackend",
    "LocalWorkflowBackend",
}


def __getattr__(name: str) -> Any:
    # the file backends are imported when asked for, not by every in-memory run (issue #9)
    if name in _FILE_BACKENDS:
        import soe_backends_local

        return getattr(soe_backends_local, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LocalBackends",
    "LocalContextBackend",
    "LocalConversationHistoryBackend",
    "LocalTelemetryBackend",
    "LocalWorkflowBackend",
    "create_in_memory_backends",
    "create_local_backends",
]
