"""Opening ``sqlite:`` URLs: all six backends and the journal over one engine."""

from __future__ import annotations

from .context import SqlContextBackend
from .core.container import Backends
from .core.deferred import DeferredRows
from .database import Database
from .engine import make_engine
from .journal import SqlJournal
from .schema import create_tables
from .workflow import SqlWorkflowBackend

_OPTIONAL = ("telemetry", "conversation_history", "context_schema", "identity", "journal")


class SqlBackends(Backends):
    """The six SQLite backends and the journal; ``close()`` returns the connections."""

    context_class = SqlContextBackend
    workflow_class = SqlWorkflowBackend
    journal_class = SqlJournal

    def __init__(self, database: Database, **enabled: bool):
        super().__init__(database, **enabled)
        self.engine = database.engine


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
