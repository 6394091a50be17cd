"""Telemetry, conversation history, context schema and identity backends (CORE-88).

Each write is one statement (or one transaction), safe with any number of
writers; inside ``journal.transaction()`` they join it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, bindparam, delete, insert, select

from soe_core.telemetry import utc_timestamp

from .codec import dumps, loads

EID = bindparam("eid", type_=Text)


class SqlTelemetryBackend:
    """Append-only events, one row each; ``get_events`` returns them in logging order.

    Events wait a little to be inserted many at a time (at most
    ``telemetry_delay`` seconds, and always before ``get_events`` reads
    them or the backends close): see :mod:`.deferred`.
    """

    def __init__(self, db: Any):
        self.db = db
        t = db.tables.telemetry
        self._add = db.compile(
            insert(t).values(
                execution_id=EID,
                event_type=bindparam("type", type_=Text),
                timestamp=bindparam("timestamp", type_=Text),
                event=bindparam("event", type_=Text),
            )
        )
        self._events = db.compile(select(t.c.event).where(t.c.execution_id == EID).order_by(t.c.id))
        self._delete = db.compile(delete(t).where(t.c.execution_id == EID))
        self._cleanup = db.compile(delete(t))

    def log_event_at(self, execution_id: str, event_type: str, when: float, data: dict) -> None:
        """How the kernel logs: ``when`` is POSIX time, ``data`` the event's ``context``."""
        timestamp = utc_timestamp(when)
        event = {"event_type": event_type, "timestamp": timestamp, "context": data}
        values = {"eid": execution_id, "type": str(event_type), "timestamp": timestamp}
        values["event"] = dumps(event)
        self.db.log_row(self._add, values)

    def log_event(self, execution_id: str, event_type: str, **event_data: Any) -> None:
        event = {"event_type": event_type, **event_data}
        timestamp = event_data.get("timestamp")
        values = {
            "eid": execution_id,
            "type": str(event_type),
            "timestamp": timestamp if isinstance(timestamp, str) else None,
            "event": dumps(event),
        }
        self.db.log_row(self._add, values)

    def get_events(self, execution_id: str) -> list[dict]:
        self.db.flush()
        return [loads(row[0]) for row in self.db.fetchall(self._events, {"eid": execution_id})]

    def flush(self) -> None:
        """Write queued events now."""
        self.db.flush()

    def delete_events(self, execution_id: str) -> int:
        """Delete the events of one execution (pruning); return how many."""
        with self.db.write():
            self.db.flush()  # queued events first, or they would land after the delete
            return self.db.execute(self._delete, {"eid": execution_id})

    def cleanup_all(self) -> None:
        with self.db.write():
            self.db.flush()
            self.db.execute(self._cleanup)


class SqlConversationHistoryBackend:
    """One row per entry, keyed by the main execution id; append is one INSERT."""

    def __init__(self, db: Any):
        self.db = db
        c = db.tables.conversations
        key = bindparam("key", type_=Text)
        self._add = db.compile(
            insert(c).values(conversation_key=key, entry=bindparam("entry", type_=Text))
        )
        self._entries = db.compile(
            select(c.c.entry).where(c.c.conversation_key == key).order_by(c.c.id)
        )
        self._delete = db.compile(delete(c).where(c.c.conversation_key == key))
        self._cleanup = db.compile(delete(c))

    def get_conversation_history(self, identity: str) -> list[dict]:
        return [loads(row[0]) for row in self.db.fetchall(self._entries, {"key": identity})]

    def append_to_conversation_history(self, identity: str, entry: dict) -> None:
        self.db.execute(self._add, {"key": identity, "entry": dumps(entry)})

    def save_conversation_history(self, identity: str, history: list[dict]) -> None:
        rows = [{"key": identity, "entry": dumps(entry)} for entry in history]
        with self.db.write():
            self.db.execute(self._delete, {"key": identity})
            self.db.executemany(self._add, rows)

    def delete_conversation_history(self, identity: str) -> None:
        self.db.execute(self._delete, {"key": identity})

    def cleanup_all(self) -> None:
        self.db.execute(self._cleanup)


class _JsonByExecution:
    """One JSON document per execution id."""

    def __init__(self, db: Any, table: Any, column: str):
        self.db = db
        upsert = db.upsert(table).values(
            {"execution_id": EID, column: bindparam("doc", type_=Text)}
        )
        self._save = db.compile(
            upsert.on_conflict_do_update(
                index_elements=[table.c.execution_id], set_={column: upsert.excluded[column]}
            )
        )
        self._load = db.compile(select(table.c[column]).where(table.c.execution_id == EID))
        self._delete = db.compile(delete(table).where(table.c.execution_id == EID))
        self._cleanup = db.compile(delete(table))

    def _put(self, execution_id: str, value: Any) -> None:
        self.db.execute(self._save, {"eid": execution_id, "doc": dumps(value)})

    def _get(self, execution_id: str) -> Any:
        row = self.db.fetchone(self._load, {"eid": execution_id})
        return None if row is None else loads(row[0])

    def _remove(self, execution_id: str) -> bool:
        return self.db.execute(self._delete, {"eid": execution_id}) > 0

    def cleanup_all(self) -> None:
        self.db.execute(self._cleanup)


class SqlContextSchemaBackend(_JsonByExecution):
    def __init__(self, db: Any):
        super().__init__(db, db.tables.context_schemas, "schema")

    def save_context_schema(self, execution_id: str, schema: dict) -> None:
        self._put(execution_id, schema)

    def get_context_schema(self, execution_id: str) -> dict | None:
        return self._get(execution_id)

    def delete_context_schema(self, execution_id: str) -> bool:
        """True only if a schema was stored."""
        return self._remove(execution_id)


class SqlIdentityBackend(_JsonByExecution):
    def __init__(self, db: Any):
        super().__init__(db, db.tables.identities, "identities")

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
