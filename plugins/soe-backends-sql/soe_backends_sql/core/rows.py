"""Whole contexts as rows: load, write, and write only what changed.

A key's *state* is how its value is stored, comparable between two
versions of a context: ``(HISTORY, [json, ...])``, ``(RAW, json)`` or
``(OPERATIONAL, counters, [signal json, ...], [(node, count), ...])``.
``update_context`` compares the states before and after ``mutate`` and
writes the difference (a grown history is a few INSERTs). Everything here
runs inside the caller's transaction (``db.write()`` or ``db.snapshot()``).
"""

from __future__ import annotations

import time
from typing import Any

from soe_core.context import is_reserved

from .codec import dumps, loads
from .schema import HISTORY, OPERATIONAL, RAW
from .statements import COUNTERS, ContextStatements

OPERATIONAL_FIELD = "__operational__"
OPERATIONAL_KEYS = frozenset(("signals", "nodes", *COUNTERS, "main_execution_id"))
_TABLES = ("soe_context_keys", "soe_context_values", "soe_operational",
           "soe_operational_signals", "soe_operational_nodes")  # fmt: skip


def _is_standard_operational(value: Any) -> bool:
    """Whether ``value`` fits the operational tables (else it is stored as JSON)."""
    if type(value) is not dict or value.keys() != OPERATIONAL_KEYS:
        return False
    nodes, main = value["nodes"], value["main_execution_id"]
    return (
        type(value["signals"]) is list
        and type(nodes) is dict
        and all(type(name) is str and type(count) is int for name, count in nodes.items())
        and all(type(value[counter]) is int for counter in COUNTERS)
        and (main is None or type(main) is str)
    )


def state_of(key: str, value: Any) -> tuple:
    """How a value is stored: ``(HISTORY, texts)``, ``(RAW, text)`` or ``(OPERATIONAL, ...)``."""
    if key == OPERATIONAL_FIELD and _is_standard_operational(value):
        counters = (*(value[name] for name in COUNTERS), value["main_execution_id"])
        signals = [dumps(signal) for signal in value["signals"]]
        return (OPERATIONAL, counters, signals, list(value["nodes"].items()))
    if is_reserved(key) or type(value) is not list:
        return (RAW, dumps(value))
    return (HISTORY, [dumps(item) for item in value])


def key_row(state: tuple) -> tuple:
    """``(kind, length, value)`` of the key row for a state."""
    if state[0] == HISTORY:
        texts = state[1]
        return (HISTORY, len(texts), texts[-1] if texts else None)
    if state[0] == RAW:
        return (RAW, 0, state[1])
    return (OPERATIONAL, 0, None)


class ContextRows:
    """Whole-context operations on one database."""

    def __init__(self, db: Any, sql: ContextStatements):
        self.db = db
        self.sql = sql

    def load(self, id: str) -> tuple[dict, dict]:
        """The plain context and the stored state of each key."""
        db, sql = self.db, self.sql
        rows = db.fetchall(sql.view, {"eid": id})
        if not rows:
            return {}, {}
        texts: dict[str, list[str]] = {}
        if any(row[1] == HISTORY for row in rows):
            for field, text in db.fetchall(sql.all_values, {"eid": id}):
                texts.setdefault(field, []).append(text)
        context: dict = {}
        states: dict = {}
        for key, kind, length, text, *counters in rows:
            if kind == HISTORY:
                history = texts.get(key, [])[:length]
                states[key] = (HISTORY, history)
                context[key] = [loads(item) for item in history]
            elif kind == RAW:
                states[key] = (RAW, text)
                context[key] = loads(text)
            else:
                states[key], context[key] = self._load_operational(id, counters)
        return context, states

    def _load_operational(self, id: str, row: list) -> tuple[tuple, dict]:
        llm_calls, tool_calls, errors, main, count = row
        db, sql = self.db, self.sql
        signals = [r[0] for r in db.fetchall(sql.signals, {"eid": id, "upto": count or 0})]
        nodes = [(r[0], r[1]) for r in db.fetchall(sql.node_counts, {"eid": id})]
        state = (OPERATIONAL, (llm_calls, tool_calls, errors, main), signals, nodes)
        value = {
            "signals": [loads(signal) for signal in signals],
            "nodes": dict(nodes),
            "llm_calls": llm_calls,
            "tool_calls": tool_calls,
            "errors": errors,
            "main_execution_id": main,
        }
        return state, value

    def write(self, id: str, key: str, state: tuple, old: tuple | None) -> None:
        """Write the rows behind one key (not the key row), given what was stored."""
        if old is not None and old[0] != state[0]:
            self.drop(id, key, old[0])
            old = None
        db, sql = self.db, self.sql
        if state[0] == HISTORY:
            texts, start = state[1], 0
            if old is not None:
                known = old[1]
                if texts[: len(known)] == known:
                    start = len(known)
                else:
                    db.execute(sql.drop_field, {"eid": id, "key": key})
            rows = [
                {"eid": id, "key": key, "seq": seq + 1, "value": text}
                for seq, text in enumerate(texts[start:], start)
            ]
            db.executemany(sql.add_value, rows)
        elif state[0] == OPERATIONAL:
            self._write_operational(id, state, old)

    def _write_operational(self, id: str, state: tuple, old: tuple | None) -> None:
        db, sql = self.db, self.sql
        _kind, (llm_calls, tool_calls, errors, main), signals, nodes = state
        values = {
            "eid": id,
            "llm_calls": llm_calls,
            "tool_calls": tool_calls,
            "errors": errors,
            "main": main,
            "signals": len(signals),
        }
        start = 0
        if old is None:
            db.execute(sql.add_operational, values)
        else:
            # the signal count is in the row only where the dialect keeps it there
            changed = old[1:3] != state[1:3] if sql.tables.counts_signals else old[1] != state[1]
            if changed:
                db.execute(sql.set_operational, values)
            if signals[: len(old[2])] == old[2]:
                start = len(old[2])
            else:
                db.execute(sql.drop["soe_operational_signals"], {"eid": id})
            if old[3] != nodes:
                db.execute(sql.drop["soe_operational_nodes"], {"eid": id})
            else:
                nodes = []
        db.executemany(
            sql.add_signal,
            [
                {"eid": id, "seq": seq + 1, "value": text}
                for seq, text in enumerate(signals[start:], start)
            ],
        )
        now = time.time_ns()  # first-run order, where the database does not number runs
        db.executemany(
            sql.add_node,
            [
                {"eid": id, "name": name, "count": n, "now": now + offset}
                for offset, (name, n) in enumerate(nodes)
            ],
        )

    def drop(self, id: str, key: str, kind: int) -> None:
        """Delete the rows behind one key (not the key row)."""
        if kind == HISTORY:
            self.db.execute(self.sql.drop_field, {"eid": id, "key": key})
        elif kind == OPERATIONAL:
            for table in _TABLES[2:]:
                self.db.execute(self.sql.drop[table], {"eid": id})

    def drop_all(self, id: str) -> bool:
        """Delete the whole context; True if it was stored."""
        for table in _TABLES:
            self.db.execute(self.sql.drop[table], {"eid": id})
        return self.db.fetchone(self.sql.drop_context, {"eid": id}) is not None

    def put_key(self, id: str, key: str, state: tuple, new: bool) -> None:
        kind, length, value = key_row(state)
        statement = self.sql.add_key if new else self.sql.set_key
        values = {"eid": id, "key": key, "kind": kind, "length": length, "value": value}
        self.db.execute(statement, values)

    def replace(self, id: str, key: str, state: tuple) -> None:
        """Overwrite one key, keeping its place."""
        row = self.db.fetchone(self.sql.key, {"eid": id, "key": key})
        if row is not None:
            self.drop(id, key, row[0])
        self.write(id, key, state, None)
        self.put_key(id, key, state, new=row is None)
        self.db.execute(self.sql.add_context, {"eid": id})
