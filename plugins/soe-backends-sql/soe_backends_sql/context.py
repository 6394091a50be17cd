"""The SQLite context backend: the shared one (:mod:`.core.context`) on SQLite's statements.

A node's run count (``increment_operational(id, "nodes", name)``) made
inside a journaled job is held back by the database and written with the
job's step (see :mod:`.database`); until then this thread's reads add the
held runs to what the table says. Reads reuse the rows of the thread's last
read while they are current (see :mod:`.kept`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from .core.context import ContextBackend
from .core.rows import OPERATIONAL_FIELD
from .core.schema import OPERATIONAL
from .core.views import SqlContextView
from .database import Database
from .statements import SqliteStatements


class SqlContextBackend(ContextBackend):
    """Contexts in SQLite tables (see :mod:`soe_backends_sql.core.schema`).

    SQLite runs one writer at a time (each write transaction takes its lock
    up front), so the per-node writes need no locking of their own.
    """

    def __init__(self, db: Database):
        super().__init__(db, SqliteStatements(db.tables, db.compile))

    def _append(self, id: str, field: str, text: str) -> None:
        sql, db = self.sql, self.db
        with db.write():
            length = db.fetchone(sql.append_key, {"eid": id, "key": field, "value": text})[0]
            db.execute(sql.add_value, {"eid": id, "key": field, "seq": length, "value": text})
            if length == 1:
                db.execute(sql.add_context, {"eid": id})

    def _append_signals(self, id: str, texts: list[str]) -> bool:
        sql, db = self.sql, self.db
        if len(texts) == 1:  # the usual broadcast: one statement
            return bool(db.execute(sql.append_signal, {"eid": id, "value": texts[0]}))
        with db.write():
            counts = [db.execute(sql.append_signal, {"eid": id, "value": t}) for t in texts]
        return any(counts)

    def _put_raw(self, id: str, key: str, text: str) -> None:
        with self.db.write():
            self.db.execute(self.sql.put_raw, {"eid": id, "key": key, "value": text})
            self.db.execute(self.sql.add_context, {"eid": id})

    def increment_operational(self, id: str, counter: str, node_name: str | None = None) -> None:
        if counter == "nodes":
            now = time.time_ns()  # the first-run order is when it ran, not when it is written
            if self.db.hold(id, node_name, lambda: self._count_node(id, node_name, now)):
                self._note_write()  # (run counts are not in the rows of a kept view)
                return
        super().increment_operational(id, counter, node_name)

    def read_context(self, id: str) -> Mapping:
        """A view: one SELECT, or none while the rows kept from the last one are current."""
        db = self.db
        kept = db.views.recall(id)
        if kept is None or (db.held(id) and not _counts_in_tables(kept.rows)):
            writes = db.views.writes
            rows = db.fetchall(self.sql.view_versioned, {"eid": id})
            if db.held(id) and not _counts_in_tables(rows):
                db.flush()  # the held runs would go to JSON (or nowhere): write, then read
                writes = db.views.writes
                rows = db.fetchall(self.sql.view_versioned, {"eid": id})
            if not rows:
                return SqlContextView(self, id, rows)
            kept = db.views.keep(id, [row[:-1] for row in rows], rows[0][-1], writes)
        if kept.view is None:
            kept.view = SqlContextView(self, id, kept.rows)
        return kept.view

    def _wrote(self) -> None:
        self._note_write()
        self.db.views.changed()

    def _signals_added(self, id: str, count: int) -> None:
        self._note_write()
        self.db.views.signals_added(id, count)

    def get_context(self, id: str) -> dict:
        if self.db.held(id):
            self.db.flush()
        return super().get_context(id)

    def node_count(self, id: str, name: str) -> int | None:
        count = super().node_count(id, name)
        held = self.db.held(id)
        if held and name in held:
            count = (count or 0) + held.count(name)
        return count

    def node_counts(self, id: str) -> list[tuple[str, int]]:
        counts = dict(super().node_counts(id))
        for name in self.db.held(id):  # held runs are the newest: new names go last
            counts[name] = counts.get(name, 0) + 1
        return list(counts.items())


def _counts_in_tables(rows: list) -> bool:
    """Whether these view rows have ``__operational__`` in the tables (where run counts go)."""
    return any(row[0] == OPERATIONAL_FIELD and row[1] == OPERATIONAL for row in rows)
