"""The context backend: one row per history entry, signal and node count.

Every capability of :mod:`soe_core.store` is implemented. The ones the
engine calls for every node (``read_context``, ``append_context_field``,
``extend_operational_signals``, ``increment_operational``) run one to three
indexed statements, so their cost does not grow with the histories. The
whole-context operations (``save_context``, ``get_context``,
``update_context``) read or write every row of the context.

See :mod:`.schema` for the layout and :mod:`.views` for what ``read_context``
returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from soe_core.context import is_reserved

from .database import Database
from .engine import dumps, loads
from .rows import OPERATIONAL_FIELD, ContextRows, key_row, state_of
from .schema import OPERATIONAL, RAW
from .statements import ContextStatements
from .views import SqlContextView


class SqlContextBackend:
    """Contexts in SQL tables (see :mod:`soe_backends_sql.schema`)."""

    def __init__(self, db: Database):
        self.db = db
        self.sql = ContextStatements(db)
        self.rows = ContextRows(self.sql)

    # -- the two methods of the original protocol ---------------------------

    def save_context(self, id: str, context: dict) -> None:
        """Replace the whole context in one transaction."""
        states = [(key, state_of(key, value)) for key, value in context.items()]
        with self.db.write() as connection:
            self.rows.drop_all(connection, id)
            self.rows.run(connection, self.sql.add_context, eid=id)
            for key, state in states:
                self.rows.write(connection, id, key, state, None)
                kind, length, value = key_row(state)
                self.rows.run(
                    connection,
                    self.sql.add_key,
                    eid=id,
                    key=key,
                    kind=kind,
                    length=length,
                    value=value,
                )

    def get_context(self, id: str) -> dict:
        """The whole context as plain dicts and lists; ``{}`` when unknown."""
        with self.db.read() as connection:
            return self.rows.load(connection, id)[0]

    # -- capabilities used by the engine ------------------------------------

    def read_context(self, id: str) -> Mapping:
        """A lazy read-only view (see :mod:`soe_backends_sql.views`)."""
        return SqlContextView(self, id, self.db.fetchall(self.sql.view, {"eid": id}))

    def update_context(self, id: str, mutate: Callable[[dict], Any]) -> Any:
        """Load, ``mutate`` and write back only what changed, in one transaction."""
        with self.db.write() as connection:
            context, before = self.rows.load(connection, id)
            writes = self.db.writes()
            result = mutate(context)
            if self.db.writes() != writes:  # mutate wrote too: diff against that
                before = self.rows.load(connection, id)[1]
            after = {key: state_of(key, value) for key, value in context.items()}
            self.rows.run(connection, self.sql.add_context, eid=id)
            expected = [key for key in before if key in after]
            expected += [key for key in after if key not in before]
            reorder = list(after) != expected
            for key, state in before.items():
                if key not in after:
                    self.rows.drop(connection, id, key, state[0])
                    self.rows.run(connection, self.sql.drop_key, eid=id, key=key)
            if reorder:
                self.rows.run(connection, self.sql.drop_keys, eid=id)
            for key, state in after.items():
                old = before.get(key)
                if old != state:
                    self.rows.write(connection, id, key, state, old)
                row = key_row(state)
                if reorder or old is None:
                    statement = self.sql.add_key
                elif key_row(old) != row:
                    statement = self.sql.set_key
                else:
                    continue
                kind, length, value = row
                self.rows.run(
                    connection, statement, eid=id, key=key, kind=kind, length=length, value=value
                )
            return result

    def append_context_field(self, id: str, field: str, value: Any) -> None:
        """``set_field`` in SQL: one INSERT per appended value."""
        if is_reserved(field):
            self._replace_key(id, field, value)
            return
        text = dumps(value)
        sql = self.sql
        with self.db.write() as connection:
            length = connection.execute(
                sql.append_key.text, sql.append_key.args({"eid": id, "key": field, "value": text})
            ).fetchone()[0]
            connection.execute(
                sql.add_value.text,
                sql.add_value.args({"eid": id, "field": field, "seq": length, "value": text}),
            )
            if length == 1:
                self.rows.run(connection, sql.add_context, eid=id)

    def extend_operational_signals(self, id: str, signals: list) -> None:
        """One INSERT per signal (the usual broadcast has one: no BEGIN/COMMIT)."""
        if not signals:
            return
        sql = self.sql
        rows = [{"eid": id, "signal": dumps(signal)} for signal in signals]
        if len(rows) == 1:
            added = self.db.write_one(sql.append_signal, rows[0])
        else:
            with self.db.write() as connection:
                append = sql.append_signal
                added = connection.executemany(append.text, [append.args(r) for r in rows]).rowcount
        if not added:  # __operational__ is not in the operational tables
            with self.db.write() as connection:
                self._mutate_raw_operational(
                    connection, id, lambda op: _extend(op.get("signals"), signals)
                )

    def increment_operational(self, id: str, counter: str, node_name: str | None = None) -> None:
        """One UPDATE, or one upsert of the node's row."""
        sql = self.sql
        if counter == "nodes":
            values = {"eid": id, "name": node_name, "now": time.time_ns()}
            if self.db.write_one(sql.count_node, values):
                return
        elif counter in sql.increment:
            if self.db.write_one(sql.increment[counter], {"eid": id}):
                return

        def bump(op: dict) -> None:
            if counter == "nodes":
                nodes = op.setdefault("nodes", {})
                nodes[node_name] = nodes.get(node_name, 0) + 1
            else:
                op[counter] = op.get(counter, 0) + 1

        with self.db.write() as connection:
            self._mutate_raw_operational(connection, id, bump)

    def list_context_ids(self) -> list[str]:
        return [row[0] for row in self.db.fetchall(self.sql.ids, {})]

    def delete_context(self, id: str) -> None:
        """Delete every row of the context, in all six context tables."""
        with self.db.write() as connection:
            self.rows.drop_all(connection, id)

    def cleanup_all(self) -> None:
        with self.db.write() as connection:
            for statement in self.sql.cleanup:
                self.rows.run(connection, statement)

    # -- lazy loads for the views -------------------------------------------

    def history(self, id: str, field: str, upto: int) -> list:
        rows = self.db.fetchall(self.sql.history, {"eid": id, "field": field, "upto": upto})
        return [loads(row[0]) for row in rows]

    def history_item(self, id: str, field: str, seq: int) -> Any:
        row = self.db.fetchone(self.sql.history_item, {"eid": id, "field": field, "seq": seq})
        if row is None:
            raise IndexError(f"history entry {seq} of {field!r} is gone (context replaced?)")
        return loads(row[0])

    def signals(self, id: str, upto: int) -> list:
        rows = self.db.fetchall(self.sql.signals, {"eid": id, "upto": upto})
        return [loads(row[0]) for row in rows]

    def signal(self, id: str, seq: int) -> Any:
        row = self.db.fetchone(self.sql.signal, {"eid": id, "seq": seq})
        if row is None:
            raise IndexError(f"signal {seq} is gone (context replaced?)")
        return loads(row[0])

    def has_signal(self, id: str, text: str, upto: int) -> bool:
        values = {"eid": id, "signal": text, "upto": upto}
        return self.db.fetchone(self.sql.has_signal, values) is not None

    def node_count(self, id: str, name: str) -> int | None:
        row = self.db.fetchone(self.sql.node_count, {"eid": id, "name": name})
        return None if row is None else row[0]

    def node_counts(self, id: str) -> list[tuple[str, int]]:
        return [(row[0], row[1]) for row in self.db.fetchall(self.sql.node_counts, {"eid": id})]

    # -- internals ----------------------------------------------------------

    def _replace_key(self, id: str, key: str, value: Any) -> None:
        """Overwrite one key, keeping its place (reserved fields, fallbacks)."""
        state = state_of(key, value)
        with self.db.write() as connection:
            if state[0] == RAW and key != OPERATIONAL_FIELD:
                # a reserved field is always stored raw: one upsert
                self.rows.run(connection, self.sql.put_raw, eid=id, key=key, value=state[1])
                self.rows.run(connection, self.sql.add_context, eid=id)
            else:
                self.rows.replace(connection, id, key, state)

    def _mutate_raw_operational(self, connection: Any, id: str, change: Callable) -> None:
        """Apply ``change`` to an ``__operational__`` that is not in the operational tables."""
        row = self.rows.run(connection, self.sql.key, eid=id, key=OPERATIONAL_FIELD).fetchone()
        if row is None:
            return  # no operational state: nothing to count (as the kernel's fallback)
        if row[0] == OPERATIONAL:  # an unknown counter: leave the tables for JSON
            context = self.rows.load(connection, id)[0]
            operational = context[OPERATIONAL_FIELD]
        else:
            operational = loads(row[1])
        if not isinstance(operational, dict):
            return
        change(operational)
        self.rows.replace(
            connection, id, OPERATIONAL_FIELD, state_of(OPERATIONAL_FIELD, operational)
        )


def _extend(signals: Any, new: list) -> None:
    if isinstance(signals, list):
        signals.extend(new)
