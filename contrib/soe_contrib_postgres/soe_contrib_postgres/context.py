"""The context backend (CORE-88, with every capability of :mod:`soe_core.store`).

The writes the engine makes for each node are one statement each, whatever
the length of the histories, and atomic under concurrent writers in any
number of processes (see :mod:`.statements` for the locking):

``append_context_field``
    one INSERT ... ON CONFLICT DO UPDATE of the key row (its ``length``
    grows by one under the row lock) feeding the INSERT of the value row.
``extend_operational_signals``
    one UPDATE of the signal count feeding the INSERT of the signal row.
``increment_operational``
    one UPDATE, or one upsert of the node's row.

``save_context``, ``get_context`` and ``update_context`` read or write the
whole context (``get_context`` in a REPEATABLE READ snapshot, the writes
under the context's exclusive lock).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from soe_core.context import is_reserved

from .database import Database
from .jsontext import dumps, loads
from .rows import OPERATIONAL_FIELD, ContextRows, state_of
from .schema import OPERATIONAL, RAW
from .statements import ContextStatements
from .views import PgContextView


class PostgresContextBackend:
    """Contexts in PostgreSQL tables (see :mod:`soe_contrib_postgres.schema`)."""

    def __init__(self, db: Database):
        self.db = db
        self.sql = ContextStatements()
        self.rows = ContextRows(db, self.sql)
        self._writes = threading.local()  # per thread: did ``mutate`` write?

    def _wrote(self) -> None:
        self._writes.count = getattr(self._writes, "count", 0) + 1

    # -- the two methods of the original protocol ---------------------------

    def save_context(self, id: str, context: dict) -> None:
        """Replace the whole context in one transaction."""
        states = [(key, state_of(key, value)) for key, value in context.items()]
        self._wrote()
        with self.db.write():
            self._lock(id)
            self.rows.drop_all(id)
            self.db.execute(self.sql.add_context, {"eid": id})
            for key, state in states:
                self.rows.write(id, key, state, None)
                self.rows.put_key(id, key, state, new=True)

    def get_context(self, id: str) -> dict:
        """The whole context as plain dicts and lists; ``{}`` when unknown."""
        with self.db.snapshot():
            return self.rows.load(id)[0]

    # -- capabilities used by the engine ------------------------------------

    def read_context(self, id: str) -> Mapping:
        """A lazy read-only view (see :mod:`soe_contrib_postgres.views`): one SELECT."""
        return PgContextView(self, id, self.db.fetchall(self.sql.view, {"eid": id}))

    def update_context(self, id: str, mutate: Callable[[dict], Any]) -> Any:
        """Load, ``mutate`` and write back what changed, under the exclusive lock."""
        self._wrote()
        with self.db.write():
            self._lock(id)
            context, before = self.rows.load(id)
            writes = self._writes.count
            result = mutate(context)
            if self._writes.count != writes:  # mutate wrote too: diff against that
                before = self.rows.load(id)[1]
            after = {key: state_of(key, value) for key, value in context.items()}
            self.db.execute(self.sql.add_context, {"eid": id})
            kept = [key for key in before if key in after]
            reorder = list(after) != kept + [key for key in after if key not in before]
            for key, state in before.items():
                if key not in after or reorder:
                    if key not in after:
                        self.rows.drop(id, key, state[0])
                    self.db.execute(self.sql.drop_key, {"eid": id, "key": key})
            for key, state in after.items():
                old = before.get(key)
                if old != state:
                    self.rows.write(id, key, state, old)
                if reorder or old is None or old != state:
                    self.rows.put_key(id, key, state, new=reorder or old is None)
            return result

    def append_context_field(self, id: str, field: str, value: Any) -> None:
        """``set_field`` in SQL: one statement appending one value row."""
        self._wrote()
        if is_reserved(field):
            self._replace_key(id, field, value)
            return
        self.db.execute(self.sql.append_value, {"eid": id, "key": field, "value": dumps(value)})

    def extend_operational_signals(self, id: str, signals: list) -> None:
        """One statement per call with one signal (the usual broadcast)."""
        if not signals:
            return
        self._wrote()
        sql, db = self.sql, self.db
        if len(signals) == 1:
            added = db.execute(sql.append_signal, {"eid": id, "value": dumps(signals[0])})
        else:
            with db.write():
                row = db.fetchone(sql.count_signals, {"eid": id, "count": len(signals)})
                if row is not None:
                    first = row[0] - len(signals) + 1
                    rows = [
                        {"eid": id, "seq": first + offset, "value": dumps(signal)}
                        for offset, signal in enumerate(signals)
                    ]
                    db.executemany(sql.add_signal, rows)
            added = row is not None
        if not added:  # __operational__ is not in the operational tables
            self._mutate_raw_operational(id, lambda op: _extend(op.get("signals"), signals))

    def increment_operational(self, id: str, counter: str, node_name: str | None = None) -> None:
        """One UPDATE, or one upsert of the node's row."""
        self._wrote()
        sql = self.sql
        if counter == "nodes":
            if self.db.execute(sql.count_node, {"eid": id, "name": node_name}):
                return
        elif counter in sql.increment:
            if self.db.execute(sql.increment[counter], {"eid": id}):
                return

        def bump(op: dict) -> None:
            if counter == "nodes":
                nodes = op.setdefault("nodes", {})
                nodes[node_name] = nodes.get(node_name, 0) + 1
            else:
                op[counter] = op.get(counter, 0) + 1

        self._mutate_raw_operational(id, bump)

    def list_context_ids(self) -> list[str]:
        return [row[0] for row in self.db.fetchall(self.sql.ids)]

    def delete_context(self, execution_id: str) -> bool:
        """Delete one context (pruning); True if it was stored."""
        self._wrote()
        with self.db.write():
            self._lock(execution_id)
            return self.rows.drop_all(execution_id)

    def cleanup_all(self) -> None:
        with self.db.write():
            for statement in self.sql.cleanup:
                self.db.execute(statement)

    # -- lazy loads for the views -------------------------------------------

    def history(self, id: str, field: str, upto: int) -> list:
        rows = self.db.fetchall(self.sql.history, {"eid": id, "key": field, "upto": upto})
        return [loads(row[0]) for row in rows]

    def history_item(self, id: str, field: str, seq: int) -> Any:
        row = self.db.fetchone(self.sql.history_item, {"eid": id, "key": field, "seq": seq})
        if row is None:
            raise IndexError(f"history entry {seq} of {field!r} is gone (context replaced?)")
        return loads(row[0])

    def signals(self, id: str, upto: int) -> list:
        return [
            loads(row[0]) for row in self.db.fetchall(self.sql.signals, {"eid": id, "upto": upto})
        ]

    def signal(self, id: str, seq: int) -> Any:
        row = self.db.fetchone(self.sql.signal, {"eid": id, "seq": seq})
        if row is None:
            raise IndexError(f"signal {seq} is gone (context replaced?)")
        return loads(row[0])

    def has_signal(self, id: str, text: str, upto: int) -> bool:
        values = {"eid": id, "value": text, "upto": upto}
        return self.db.fetchone(self.sql.has_signal, values) is not None

    def node_count(self, id: str, name: str) -> int | None:
        row = self.db.fetchone(self.sql.node_count, {"eid": id, "name": name})
        return None if row is None else row[0]

    def node_counts(self, id: str) -> list[tuple[str, int]]:
        return [(row[0], row[1]) for row in self.db.fetchall(self.sql.node_counts, {"eid": id})]

    # -- internals ----------------------------------------------------------

    def _lock(self, id: str) -> None:
        self.db.execute(self.sql.exclusive_lock, {"eid": id})

    def _replace_key(self, id: str, key: str, value: Any) -> None:
        """Overwrite one key, keeping its place (reserved fields, fallbacks)."""
        state = state_of(key, value)
        if state[0] == RAW and key != OPERATIONAL_FIELD:
            # a reserved field is always stored raw: one upsert
            self.db.execute(self.sql.put_raw, {"eid": id, "key": key, "value": state[1]})
            return
        with self.db.write():
            self._lock(id)
            self.rows.replace(id, key, state)

    def _mutate_raw_operational(self, id: str, change: Callable) -> None:
        """Apply ``change`` to an ``__operational__`` that is not in the operational tables."""
        with self.db.write():
            self._lock(id)
            row = self.db.fetchone(self.sql.key, {"eid": id, "key": OPERATIONAL_FIELD})
            if row is None:
                return  # no operational state: nothing to count (as the kernel's fallback)
            if row[0] == OPERATIONAL:  # an unknown counter: leave the tables for JSON
                operational = self.rows.load(id)[0][OPERATIONAL_FIELD]
            else:
                operational = loads(row[1])
            if not isinstance(operational, dict):
                return
            change(operational)
            self.rows.replace(id, OPERATIONAL_FIELD, state_of(OPERATIONAL_FIELD, operational))


def _extend(signals: Any, new: list) -> None:
    if isinstance(signals, list):
        signals.extend(new)
