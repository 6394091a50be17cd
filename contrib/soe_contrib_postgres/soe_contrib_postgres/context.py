"""The context backend on PostgreSQL (CORE-88, every capability of :mod:`soe_core.store`).

The shared backend (:class:`soe_backends_sql.core.context.ContextBackend`)
with writes that are safe under concurrent writers in any number of
processes (see :mod:`.statements` for the locking). The writes the engine
makes for each node are one statement each, whatever the length of the
histories:

``append_context_field``
    one INSERT ... ON CONFLICT DO UPDATE of the key row (its ``length``
    grows by one under the row lock) feeding the INSERT of the value row.
``extend_operational_signals``
    one UPDATE of the signal count feeding the INSERT of the signal row.
``increment_operational``
    one UPDATE, or one upsert of the node's row.

``get_context`` reads in a REPEATABLE READ snapshot; whole-context writes
take the context's exclusive lock.
"""

from __future__ import annotations

from soe_backends_sql.core.context import ContextBackend

from .database import Database
from .statements import PostgresStatements


class PostgresContextBackend(ContextBackend):
    """Contexts in PostgreSQL tables (see :mod:`soe_backends_sql.core.schema`)."""

    def __init__(self, db: Database):
        super().__init__(db, PostgresStatements(db.tables, db.compile))

    def _lock(self, id: str) -> None:
        self.db.execute(self.sql.exclusive_lock, {"eid": id})

    def _append(self, id: str, field: str, text: str) -> None:
        self.db.execute(self.sql.append_value, {"eid": id, "key": field, "value": text})

    def _append_signals(self, id: str, texts: list[str]) -> bool:
        sql, db = self.sql, self.db
        if len(texts) == 1:
            return bool(db.execute(sql.append_signal, {"eid": id, "value": texts[0]}))
        with db.write():
            row = db.fetchone(sql.count_signals, {"eid": id, "count": len(texts)})
            if row is None:
                return False
            first = row[0] - len(texts) + 1
            rows = [
                {"eid": id, "seq": first + offset, "value": text}
                for offset, text in enumerate(texts)
            ]
            db.executemany(sql.add_signal, rows)
        return True

    def _put_raw(self, id: str, key: str, text: str) -> None:
        self.db.execute(self.sql.put_raw, {"eid": id, "key": key, "value": text})
