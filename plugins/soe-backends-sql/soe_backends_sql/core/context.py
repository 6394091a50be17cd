"""The context backend: one row per history entry, signal and node count.

Every capability of :mod:`soe_core.store` is implemented. The ones the
engine calls for every node (``read_context``, ``append_context_field``,
``extend_operational_signals``, ``increment_operational``) run a few
indexed statements, so their cost does not grow with the histories. The
whole-context operations (``save_context``, ``get_context``,
``update_context``) read or write every row of the context.

A dialect supplies the statements of the per-node writes (``increment``,
``count_node``) and implements ``_append``, ``_append_signals``,
``_put_raw`` and, where writers run concurrently, ``_lock``: they are where
its locking differs. See :mod:`.schema` for the layout and :mod:`.views`
for what ``read_context`` returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from soe_core.context import is_reserved

from .codec import dumps, loads
from .rows import OPERATIONAL_FIELD, ContextRows, key_row, state_of
from .schema import OPERATIONAL, RAW
from .views import SqlContextView


class ContextBackend:
    """Contexts in SQL tables, over a dialect's database and statements."""

    def __init__(self, db: Any, sql: Any):
        self.db = db
        self.sql = sql
        self.rows = ContextRows(db, sql)
        self._writes = threading.local()  # per thread: did ``mutate`` write?

    def _wrote(self) -> None:
        """Called by every context write (before it)."""
        self._note_write()

    def _note_write(self) -> None:
        """Count a write of this thread (``update_context`` watches what ``mutate`` does)."""
        self._writes.count = getattr(self._writes, "count", 0) + 1

    def _signals_added(self, id: str, count: int) -> None:
        """Called after ``count`` signals were appended to ``id``."""
        self._wrote()

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
        """A lazy read-only view (see :mod:`.views`): one SELECT."""
        return SqlContextView(self, id, self.db.fetchall(self.sql.view, {"eid": id}))

    def update_context(self, id: str, mutate: Callable[[dict], Any]) -> Any:
        """Load, ``mutate`` and write back only what changed, in one transaction."""
        self._wrote()
        db, sql, rows = self.db, self.sql, self.rows
        with db.write():
            self._lock(id)
            context, before = rows.load(id)
            writes = self._writes.count
            result = mutate(context)
            if self._writes.count != writes:  # mutate wrote too: diff against that
                before = rows.load(id)[1]
            after = {key: state_of(key, value) for key, value in context.items()}
            db.execute(sql.add_context, {"eid": id})
            expected = [key for key in before if key in after]
            expected += [key for key in after if key not in before]
            reorder = list(after) != expected
            for key, state in before.items():
                if key not in after:
                    rows.drop(id, key, state[0])
                    db.execute(sql.drop_key, {"eid": id, "key": key})
            if reorder:
                db.execute(sql.drop["soe_context_keys"], {"eid": id})
            for key, state in after.items():
                old = before.get(key)
                if old != state:
                    rows.write(id, key, state, old)
                if reorder or old is None or key_row(old) != key_row(state):
                    rows.put_key(id, key, state, new=reorder or old is None)
            return result

    def append_context_field(self, id: str, field: str, value: Any) -> None:
        """``set_field`` in SQL: one value row appended, the key row updated."""
        self._wrote()
        if is_reserved(field):
            self._replace_key(id, field, value)
        else:
            self._append(id, field, dumps(value))

    def extend_operational_signals(self, id: str, signals: list) -> None:
        """One INSERT per signal (the usual broadcast has one: one statement)."""
        if not signals:
            return
        if self._append_signals(id, [dumps(signal) for signal in signals]):
            self._signals_added(id, len(signals))
        else:  # __operational__ is not in the operational tables
            self._mutate_raw_operational(id, lambda op: _extend(op.get("signals"), signals))

    def increment_operational(self, id: str, counter: str, node_name: str | None = None) -> None:
        """One UPDATE, or one upsert of the node's row."""
        self._wrote()
        if counter == "nodes":
            self._count_node(id, node_name, time.time_ns())
            return
        statement = self.sql.increment.get(counter)
        if statement is None or not self.db.execute(statement, {"eid": id}):
            self._mutate_raw_operational(id, lambda op: _bump(op, counter))

    def _count_node(self, id: str, name: str | None, now: int) -> None:
        """Count a run of node ``name``; ``now`` orders the names by first run."""
        if not self.db.execute(self.sql.count_node, {"eid": id, "name": name, "now": now}):
            self._mutate_raw_operational(id, lambda op: _bump(op.setdefault("nodes", {}), name))

    def list_context_ids(self) -> list[str]:
        return [row[0] for row in self.db.fetchall(self.sql.ids)]

    def delete_context(self, id: str) -> bool:
        """Delete every row of one context (pruning); True if it was stored."""
        self._wrote()
        with self.db.write():
            self._lock(id)
            return self.rows.drop_all(id)

    def cleanup_all(self) -> None:
        self._wrote()
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
        rows = self.db.fetchall(self.sql.signals, {"eid": id, "upto": upto})
        return [loads(row[0]) for row in rows]

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

    # -- what a dialect implements, with its own locking ---------------------

    def _lock(self, id: str) -> None:
        """Keep other writers off the context until the transaction ends (default: nothing)."""

    def _append(self, id: str, field: str, text: str) -> None:
        """Append one value row to the history of ``field`` (grow its key row)."""
        raise NotImplementedError

    def _append_signals(self, id: str, texts: list[str]) -> bool:
        """Append signal rows; False if ``__operational__`` is not in the operational tables."""
        raise NotImplementedError

    def _put_raw(self, id: str, key: str, text: str) -> None:
        """Store one key as JSON text (a reserved field), keeping its place."""
        raise NotImplementedError

    # -- internals ----------------------------------------------------------

    def _replace_key(self, id: str, key: str, value: Any) -> None:
        """Overwrite one key, keeping its place (reserved fields, fallbacks)."""
        state = state_of(key, value)
        if state[0] == RAW and key != OPERATIONAL_FIELD:
            self._put_raw(id, key, state[1])  # a reserved field is always stored raw
            return
        with self.db.write():
            self._lock(id)
            self.rows.replace(id, key, state)

    def _mutate_raw_operational(self, id: str, change: Callable) -> None:
        """Apply ``change`` to an ``__operational__`` that is not in the operational tables."""
        self._wrote()
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


def _bump(counts: dict, name: Any) -> None:
    counts[name] = counts.get(name, 0) + 1
