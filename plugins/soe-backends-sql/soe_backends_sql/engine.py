"""The SQLAlchemy engine (WAL, busy timeout), compiled statements and JSON.

Every statement is written with SQLAlchemy Core (see :mod:`.schema` and
:mod:`.statements`) and compiled once for the engine's dialect (:class:`Sql`).
The backends run the compiled text on the DBAPI connection of the calling
thread (see :mod:`.database`): a node run issues about ten small statements,
and SQLAlchemy's per-execution machinery would cost more than SQLite itself.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

_encoder = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))
dumps: Callable[[Any], str] = _encoder.encode
"""JSON text of a value; what JSON cannot hold is stored as its ``str`` (like the file backends)."""
loads: Callable[[str], Any] = json.loads


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
        finally:
            cursor.close()

    return engine, in_memory


class Sql:
    """A Core statement compiled once; ``sql.args(values)`` orders the parameters."""

    __slots__ = ("text", "args")

    def __init__(self, statement: Any, engine: Engine):
        compiled = statement.compile(dialect=engine.dialect)
        self.text = str(compiled)
        names = tuple(compiled.positiontup or ())
        # literals written in the statement become parameters too
        fixed = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if name in names and not bind.required
        }
        if not names:
            self.args: Callable[[dict], tuple] = lambda values: ()
        elif len(names) == 1:
            name = names[0]
            self.args = (
                (lambda values: (fixed[name],)) if fixed else (lambda values: (values[name],))
            )
        else:
            getter = operator.itemgetter(*names)
            self.args = (lambda values: getter(fixed | values)) if fixed else getter
