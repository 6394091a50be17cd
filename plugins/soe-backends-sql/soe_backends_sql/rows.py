"""Reading and writing whole contexts as rows (``save``, ``get``, ``update``).

A key's *state* is how its value is stored, comparable between two
versions of a context: ``(HISTORY, [json, ...])``, ``(RAW, json)`` or
``(OPERATIONAL, counters, [signal json, ...], [(node, count), ...])``.
``update_context`` compares the states before and after ``mutate`` and
writes only the difference (a grown history is a few INSERTs).
"""

from __future__ import annotations

import time
from typing import Any

from soe_core.context import is_reserved

from .engine import dumps, loads
from .schema import HISTORY, OPERATIONAL, RAW
from .statements import COUNTERS, ContextStatements
from .views import OPERATIONAL_KEYS

OPERATIONAL_FIELD = "__operational__"


def _is_standard_operational(value: Any) -> bool:
    """Whether ``value`` fits the operational tables (else it is stored as JSON)."""
    if type(value) is not dict or value.keys() != set(OPERATIONAL_KEYS):
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
        counters = tuple(value[name] for name in COUNTERS) + (value["main_execution_id"],)
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
    """Whole-context operations inside an open transaction."""

    def __init__(self, sql: ContextStatements):
        self.sql = sql

    @staticmethod
    def run(connection: Any, statement: Any, **values: Any) -> Any:
        return connection.execute(statement.text, statement.args(values))

    def load(self, connection: Any, id: str) -> tuple[dict, dict]:
        """The plain context and the stored state of each key."""
        rows = self.run(connection, self.sql.view, eid=id).fetchall()
        if not rows:
            return {}, {}
        texts: dict[str, list[str]] = {}
        if any(row[1] == HISTORY for row in rows):
            for field, text in self.run(connection, self.sql.all_values, eid=id):
                texts.setdefault(field, []).append(text)
        context: dict = {}
        states: dict = {}
        for key, kind, length, text, *operational in rows:
            if kind == HISTORY:
                history = texts.get(key, [])[:length]
                states[key] = (HISTORY, history)
                context[key] = [loads(item) for item in history]
            elif kind == RAW:
                states[key] = (RAW, text)
                context[key] = loads(text)
            else:
                states[key], context[key] = self._load_operational(connection, id, operational)
        return context, states

    def _load_operational(self, connection: Any, id: str, row: list) -> tuple[tuple, dict]:
        llm_calls, tool_calls, errors, main, count = row
        signals = [r[0] for r in self.run(connection, self.sql.signals, eid=id, upto=count or 0)]
        nodes = [(r[0], r[1]) for r in self.run(connection, self.sql.node_counts, eid=id)]
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

    def write(self, connection: Any, id: str, key: str, state: tuple, old: tuple | None) -> None:
        """Write the rows of one key (not the key row), given what was stored."""
        if old is not None and old[0] != state[0]:
            self.drop(connection, id, key, old[0])
            old = None
        sql = self.sql
        if state[0] == HISTORY:
            texts, start = state[1], 0
            if old is not None:
                known = old[1]
                if texts[: len(known)] == known:
                    start = len(known)
                else:
                    self.run(connection, sql.drop_field, eid=id, field=key)
            rows = [
                sql.add_value.args({"eid": id, "field": key, "seq": seq + 1, "value": text})
                for seq, text in enumerate(texts[start:], start)
            ]
            connection.executemany(sql.add_value.text, rows)
        elif state[0] == OPERATIONAL:
            self._write_operational(connection, id, state, old)

    def _write_operational(self, connection: Any, id: str, state: tuple, old: tuple | None) -> None:
        sql = self.sql
        _kind, counters, signals, nodes = state
        now = time.time_ns()
        llm_calls, tool_calls, errors, main = counters
        values = {
            "eid": id,
            "llm_calls": llm_calls,
            "tool_calls": tool_calls,
            "errors": errors,
            "main": main,
        }
        start = 0
        if old is None:
            self.run(connection, sql.add_operational, **values)
        else:
            if old[1] != counters:
                self.run(connection, sql.set_operational, **values)
            if signals[: len(old[2])] == old[2]:
                start = len(old[2])
            else:
                self.run(connection, sql.drop_signals, eid=id)
            if old[3] != nodes:
                self.run(connection, sql.drop_nodes, eid=id)
            else:
                nodes = []
        connection.executemany(
            sql.add_signal.text,
            [
                sql.add_signal.args({"eid": id, "seq": seq + 1, "signal": text})
                for seq, text in enumerate(signals[start:], start)
            ],
        )
        connection.executemany(
            sql.add_node.text,
            [
                sql.add_node.args({"eid": id, "name": name, "count": n, "now": now + offset})
                for offset, (name, n) in enumerate(nodes)
            ],
        )

    def drop(self, connection: Any, id: str, key: str, kind: int) -> None:
        """Delete the rows behind one key (not the key row)."""
        if kind == HISTORY:
            self.run(connection, self.sql.drop_field, eid=id, field=key)
        elif kind == OPERATIONAL:
            for statement in (
                self.sql.drop_operational,
                self.sql.drop_signals,
                self.sql.drop_nodes,
            ):
                self.run(connection, statement, eid=id)

    def drop_all(self, connection: Any, id: str) -> None:
        sql = self.sql
        for statement in (
            sql.drop_keys,
            sql.drop_values,
            sql.drop_operational,
            sql.drop_signals,
            sql.drop_nodes,
            sql.drop_context,
        ):
            self.run(connection, statement, eid=id)

    def replace(self, connection: Any, id: str, key: str, state: tuple) -> None:
        row = self.run(connection, self.sql.key, eid=id, key=key).fetchone()
        if row is not None:
            self.drop(connection, id, key, row[0])
        self.write(connection, id, key, state, None)
        kind, length, value = key_row(state)
        statement = self.sql.add_key if row is None else self.sql.set_key
        self.run(connection, statement, eid=id, key=key, kind=kind, length=length, value=value)
        self.run(connection, self.sql.add_context, eid=id)
