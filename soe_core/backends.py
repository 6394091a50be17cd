"""The backends container and opening backends from a URL."""

from __future__ import annotations

from typing import Any

from .plugins import get_registry


class LocalBackends:
    """Holds the six backends an execution uses (CORE-87).

    ``context`` and ``workflow`` are required; the four others may be None,
    which turns the feature off. ``journal`` (optional, see
    :mod:`soe_core.journal`) makes executions resumable.
    """

    def __init__(
        self,
        context_backend: Any,
        workflow_backend: Any,
        telemetry_backend: Any = None,
        conversation_history_backend: Any = None,
        context_schema_backend: Any = None,
        identity_backend: Any = None,
        journal: Any = None,
    ):
        self.context = context_backend
        self.workflow = workflow_backend
        self.telemetry = telemetry_backend
        self.conversation_history = conversation_history_backend
        self.context_schema = context_schema_backend
        self.identity = identity_backend
        self.journal = journal

    def all(self) -> list[Any]:
        return [
            backend
            for backend in (
                self.context,
                self.workflow,
                self.telemetry,
                self.conversation_history,
                self.context_schema,
                self.identity,
            )
            if backend is not None
        ]

    def cleanup_all(self) -> None:
        for backend in [*self.all(), self.journal]:
            cleanup = getattr(backend, "cleanup_all", None)
            if cleanup is not None:
                cleanup()

    def close(self) -> None:
        """Release connections or files held by the backends."""
        seen: set[int] = set()
        for backend in [*self.all(), self.journal]:
            close = getattr(backend, "close", None)
            if close is not None and id(backend) not in seen:
                seen.add(id(backend))
                close()


def scheme_of(url: str) -> str:
    scheme, sep, _rest = url.partition(":")
    if not sep or not scheme:
        raise ValueError(
            f"storage URL {url!r} has no scheme (try memory://, file://DIR, sqlite:///PATH)"
        )
    return scheme.split("+", 1)[0] if scheme.startswith("postgresql+") else scheme


def open_backends(url: str, **options: Any) -> Any:
    """Open the backends a storage URL names, through the backend plugins."""
    return get_registry().backend_scheme(scheme_of(url)).open(url, **options)


def create_in_memory_backends() -> Any:
    """All six backends in memory (CORE-90)."""
    return open_backends("memory://")


def create_local_backends(
    context_storage_dir: str = "./orchestration_data/contexts",
    workflow_storage_dir: str = "./orchestration_data/workflows",
    telemetry_storage_dir: str | None = None,
    conversation_history_storage_dir: str | None = "./orchestration_data/conversations",
    context_schema_storage_dir: str | None = "./orchestration_data/schemas",
    identity_storage_dir: str | None = "./orchestration_data/identities",
    journal_storage_dir: str | None = None,
) -> Any:
    """File backends with the original's folder layout (CORE-91); a journal only if asked."""
    return (
        get_registry()
        .backend_scheme("file")
        .open(
            "file://",
            context_storage_dir=context_storage_dir,
            workflow_storage_dir=workflow_storage_dir,
            telemetry_storage_dir=telemetry_storage_dir,
            conversation_history_storage_dir=conversation_history_storage_dir,
            context_schema_storage_dir=context_schema_storage_dir,
            identity_storage_dir=identity_storage_dir,
            journal_storage_dir=journal_storage_dir,
        )
    )
