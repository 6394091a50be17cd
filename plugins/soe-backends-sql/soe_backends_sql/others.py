"""Telemetry, conversation history, context schema and identity backends (CORE-88)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .database import Database
from .engine import dumps, loads
from .schema import context_schemas, conversations, identities, telemetry


class SqlTelemetryBackend:
    """Append-only events, one row each; ``get_events`` returns them in logging order.

    Events are queued and inserted many per transaction (at most
    ``telemetry_delay`` seconds later, and always before ``get_events``
    reads them or the backends close).
    """

    def __init__(self, db: Database):
        self.db = db
        t = telemetry
        self._add = db.compile(
            insert(t).values(
                execution_id=bindparam("eid"),
                event_type=bindparam("type"),
                timestamp=bindparam("timestamp"),
                event=bindparam("event"),
            )
        )
        self._events = db.compile(
            select(t.c.event).where(t.c.execution_id == bindparam("eid")).order_by(t.c.id)
        )
        self._delete = db.compile(delete(t).where(t.c.execution_id == bindparam("eid")))
        self._cleanup = db.compile(delete(t))

    def log_event(self, execution_id: str, event_type: str, **event_data: Any) -> None:
        """Queue the event; it is written with others shortly (see :mod:`.deferred`)."""
        event = {"event_type": event_type, **event_data}
        timestamp = event_data.get("timestamp")
        values = {
            "eid": execution_id,
            "type": str(event_type),
            "timestamp": timestamp if isinstance(timestamp, str) else None,
            "event": dumps(event),
        }
        self.db.defer(self._add, self._add.args(values))

    def get_events(self, execution_id: str) -> list[dict]:
        self.db.flush()
        return [loads(row[0]) for row in self.db.fetchall(self._events, {"eid": execution_id})]

    def flush(self) -> None:
        """Write queued events now."""
        self.db.flush()

    def delete_events(self, execution_id: str) -> None:
        with self.db.write() as connection:
            # queued events are written first, or they would land after the delete
            self.db.flush()
            connection.execute(self._delete.text, self._delete.args({"eid": execution_id}))

    def cleanup_all(self) -> None:
        with self.db.write() as connection:
            connection.execute(self._cleanup.text, self._cleanup.args({}))


class SqlConversationHistoryBackend:
    """One row per entry, keyed by the main execution id; append is one INSERT."""

    def __init__(self, db: Database):
        self.db = db
        c = conversations
        key = bindparam("key")
        self._add = db.compile(insert(c).values(conversation_key=key, entry=bindparam("entry")))
        self._entries = db.compile(
            select(c.c.entry).where(c.c.conversation_key == key).order_by(c.c.id)
        )
        self._delete = db.compile(delete(c).where(c.c.conversation_key == key))
        self._cleanup = db.compile(delete(c))

    def get_conversation_history(self, identity: str) -> list[dict]:
        return [loads(row[0]) for row in self.db.fetchall(self._entries, {"key": identity})]

    def append_to_conversation_history(self, identity: str, entry: dict) -> None:
        values = self._add.args({"key": identity, "entry": dumps(entry)})
        with self.db.write() as connection:
            connection.execute(self._add.text, values)

    def save_conversation_history(self, identity: str, history: list[dict]) -> None:
        rows = [self._add.args({"key": identity, "entry": dumps(entry)}) for entry in history]
        with self.db.write() as connection:
            connection.execute(self._delete.text, self._delete.args({"key": identity}))
            connection.executemany(self._add.text, rows)

    def delete_conversation_history(self, identity: str) -> None:
        with self.db.write() as connection:
            connection.execute(self._delete.text, self._delete.args({"key": identity}))

    def cleanup_all(self) -> None:
        with self.db.write() as connection:
            connection.execute(self._cleanup.text, self._cleanup.args({}))


class _JsonByExecution:
    """One JSON document per execution id."""

    def __init__(self, db: Database, table: Any, column: str):
        self.db = db
        eid = bindparam("eid")
        document = table.c[column]
        upsert = sqlite_insert(table).values({"execution_id": eid, column: bindparam("doc")})
        self._save = db.compile(
            upsert.on_conflict_do_update(
                index_elements=[table.c.execution_id], set_={column: upsert.excluded[column]}
            )
        )
        self._load = db.compile(select(document).where(table.c.execution_id == eid))
        self._delete = db.compile(delete(table).where(table.c.execution_id == eid))
        self._cleanup = db.compile(delete(table))

    def _put(self, execution_id: str, value: Any) -> None:
        values = self._save.args({"eid": execution_id, "doc": dumps(value)})
        with self.db.write() as connection:
            connection.execute(self._save.text, values)

    def _get(self, execution_id: str) -> Any:
        row = self.db.fetchone(self._load, {"eid": execution_id})
        return None if row is None else loads(row[0])

    def _remove(self, execution_id: str) -> bool:
        with self.db.write() as connection:
            cursor = connection.execute(self._delete.text, self._delete.args({"eid": execution_id}))
            return cursor.rowcount > 0

    def cleanup_all(self) -> None:
        with self.db.write() as connection:
            connection.execute(self._cleanup.text, self._cleanup.args({}))


class SqlContextSchemaBackend(_JsonByExecution):
    def __init__(self, db: Database):
        super().__init__(db, context_schemas, "schema")

    def save_context_schema(self, execution_id: str, schema: dict) -> None:
        self._put(execution_id, schema)

    def get_context_schema(self, execution_id: str) -> dict | None:
        return self._get(execution_id)

    def delete_context_schema(self, execution_id: str) -> bool:
        """True only if a schema was stored."""
        return self._remove(execution_id)


class SqlIdentityBackend(_JsonByExecution):
    def __init__(self, db: Database):
        super().__init__(db, identities, "identities")

    def save_identities(self, execution_id: str, identities: dict[str, str]) -> None:
        self._put(execution_id, identities)

    def get_identities(self, execution_id: str) -> dict[str, str] | None:
        return self._get(execution_id)

    def get_identity(self, execution_id: str, name: str) -> str | None:
        stored = self._get(execution_id)
        return stored.get(name) if isinstance(stored, dict) else None

    def delete_identities(self, execution_id: str) -> bool:
        """True if identities were stored."""
        return self._remove(execution_id)
