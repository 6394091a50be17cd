"""The SQLAlchemy engine of a ``sqlite:`` URL: WAL, busy timeout, autocommit connections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from .checkpoint import LIMIT


def make_engine(url: str, busy_timeout: float = 30.0) -> tuple[Engine, bool]:
    """Create the engine for a ``sqlite:`` URL; return it and whether it is in memory.

    ``sqlite:///relative.db`` is relative to the working directory,
    ``sqlite:////abs/path.db`` absolute; the folder is created if needed.
    ``sqlite://`` (or ``sqlite:///:memory:``) is one private in-memory
    database shared by all threads (``StaticPool``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"expected a sqlite:// URL, got {url!r}")
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        engine = create_engine(
            parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # the pool only lends connections to threads (see Database); no limit on how many
        engine = create_engine(
            parsed, pool_size=8, max_overflow=-1, connect_args={"check_same_thread": False}
        )
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # autocommit mode: we issue BEGIN/COMMIT ourselves (the sqlite3
        # module's implicit transactions start too late to protect a read)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                # checkpoints are the checkpoint thread's job (see .checkpoint)
                cursor.execute(f"PRAGMA wal_autocheckpoint = {LIMIT}")
        finally:
            cursor.close()

    return engine, in_memory
