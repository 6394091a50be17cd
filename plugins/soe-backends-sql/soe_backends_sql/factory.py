"""Opening ``sqlite:`` URLs: all six backends over one engine."""

from __future__ import annotations

from typing import Any

from soe_core.backends import LocalBackends

from .context import SqlContextBackend
from .database import Database
from .deferred import DeferredRows
from .engine import make_engine
from .journal import SqlJournal
from .others import (
    SqlContextSchemaBackend,
    SqlConversationHistoryBackend,
    SqlIdentityBackend,
    SqlTelemetryBackend,
)
from .schema import create_tables
from .workflow import SqlWorkflowBackend

_OPTIONAL = ("telemetry", "conversation_history", "context_schema", "identity", "journal")


class SqlBackends(LocalBackends):
    """The six SQL backends and the journal; ``close()`` returns the connections."""

    def __init__(self, database: Database, **enabled: bool):
        def optional(name: str, cls: Any) -> Any:
            return cls(database) if enabled.get(name, True) else None

        super().__init__(
            SqlContextBackend(database),
            SqlWorkflowBackend(database),
            telemetry_backend=optional("telemetry", SqlTelemetryBackend),
            conversation_history_backend=optional(
                "conversation_history", SqlConversationHistoryBackend
            ),
            context_schema_backend=optional("context_schema", SqlContextSchemaBackend),
            identity_backend=optional("identity", SqlIdentityBackend),
            journal=optional("journal", SqlJournal),
        )
        self.database = database
        self.engine = database.engine

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> SqlBackends:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def open_sqlite(
    url: str = "sqlite://",
    *,
    busy_timeout: float = 30.0,
    lock_retries: int = 5,
    telemetry_delay: float = 0.2,
    **enabled: bool,
) -> SqlBackends:
    """Open ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or ``sqlite://`` (in memory).

    Tables are created when missing. ``busy_timeout`` (seconds) is how long
    a writer waits for another one before each of ``lock_retries`` retries.
    Telemetry events are inserted in batches at most ``telemetry_delay``
    seconds after they are logged (0: one transaction per event).
    ``telemetry=False`` (likewise ``conversation_history``, ``context_schema``,
    ``identity``) turns an optional backend off; ``journal=False`` turns off
    the journal (executions can then not be resumed).
    """
    unknown = set(enabled) - set(_OPTIONAL)
    if unknown:
        raise TypeError(
            f"unknown option(s) for sqlite://: {', '.join(sorted(unknown))}; expected "
            f"busy_timeout, lock_retries, telemetry_delay, {', '.join(_OPTIONAL)}"
        )
    engine, in_memory = make_engine(url, busy_timeout=busy_timeout)
    deferred = DeferredRows(max_delay=telemetry_delay)
    database = Database(engine, in_memory, lock_retries=lock_retries, deferred=deferred)
    try:
        create_tables(database)
    except BaseException:
        database.close()
        raise
    return SqlBackends(database, **enabled)
