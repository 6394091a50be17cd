"""The backends container of a SQL store: six backends and the journal over one database."""

from __future__ import annotations

from typing import Any

from soe_core.backends import LocalBackends

from .others import (
    SqlContextSchemaBackend,
    SqlConversationHistoryBackend,
    SqlIdentityBackend,
    SqlTelemetryBackend,
)


class Backends(LocalBackends):
    """A dialect names its ``context_class``, ``workflow_class`` and ``journal_class``.

    ``telemetry=False`` (likewise ``conversation_history``, ``context_schema``,
    ``identity``, ``journal``) leaves that backend out; ``close()`` writes
    queued rows and returns the connections.
    """

    context_class: Any
    workflow_class: Any
    journal_class: Any

    def __init__(self, database: Any, **enabled: bool):
        def optional(name: str, cls: Any) -> Any:
            return cls(database) if enabled.get(name, True) else None

        super().__init__(
            self.context_class(database),
            self.workflow_class(database),
            telemetry_backend=optional("telemetry", SqlTelemetryBackend),
            conversation_history_backend=optional(
                "conversation_history", SqlConversationHistoryBackend
            ),
            context_schema_backend=optional("context_schema", SqlContextSchemaBackend),
            identity_backend=optional("identity", SqlIdentityBackend),
            journal=optional("journal", self.journal_class),
        )
        self.database = database

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
