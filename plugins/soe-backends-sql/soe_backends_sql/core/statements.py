"""The context statements every dialect shares: reads and whole-context rows.

A dialect subclasses :class:`ContextStatements` and adds the writes the
engine makes for each node (``increment``, ``count_node`` and what its
``_append``, ``_append_signals`` and ``_put_raw`` run), whose locking is
its own. Parameters are named: ``eid``
(the execution id), ``key`` (a top-level key, or the field of a history),
``value`` (JSON text: a value, a signal), ``seq``, ``upto``, ``name`` (a
node), ``count``, ``kind``, ``length``, the counters and ``main``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy import update as update_

from .schema import OPERATIONAL, Tables

COUNTERS = ("llm_calls", "tool_calls", "errors")

EID = bindparam("eid", type_=Text)
KEY = bindparam("key", type_=Text)
VALUE = bindparam("value", type_=Text)
SEQ = bindparam("seq", type_=Integer)
UPTO = bindparam("upto", type_=Integer)
NAME = bindparam("name", type_=Text)


class ContextStatements:
    """One attribute per statement, compiled by ``compile`` (the database's)."""

    def __init__(self, tables: Tables, compile: Any, upsert: Any):
        """``upsert`` is the dialect's ``insert`` with ``on_conflict_do_*``."""
        self.tables = tables
        k, v, o = tables.context_keys, tables.context_values, tables.operational
        s, n, c = tables.operational_signals, tables.operational_nodes, tables.contexts
        sql = compile

        # -- reads
        if tables.counts_signals:
            signal_count: Any = o.c.signals
        else:  # looked up for __operational__ only
            last = select(func.max(s.c.seq)).where(s.c.execution_id == k.c.execution_id)
            signal_count = case((k.c.kind == OPERATIONAL, last.scalar_subquery()), else_=None)
        self.view_query = (
            select(
                k.c.key,
                k.c.kind,
                k.c.length,
                k.c.value,
                o.c.llm_calls,
                o.c.tool_calls,
                o.c.errors,
                o.c.main_execution_id,
                signal_count,
            )
            .select_from(
                k.outerjoin(o, and_(k.c.kind == OPERATIONAL, o.c.execution_id == k.c.execution_id))
            )
            .where(k.c.execution_id == EID)
            .order_by(k.c.id)
        )
        self.view = sql(self.view_query)
        self.key = sql(select(k.c.kind, k.c.value).where(k.c.execution_id == EID, k.c.key == KEY))
        self.all_values = sql(
            select(v.c.field, v.c.value).where(v.c.execution_id == EID).order_by(v.c.field, v.c.seq)
        )
        self.history = sql(
            select(v.c.value)
            .where(v.c.execution_id == EID, v.c.field == KEY, v.c.seq <= UPTO)
            .order_by(v.c.seq)
        )
        self.history_item = sql(
            select(v.c.value).where(v.c.execution_id == EID, v.c.field == KEY, v.c.seq == SEQ)
        )
        self.signals = sql(
            select(s.c.signal).where(s.c.execution_id == EID, s.c.seq <= UPTO).order_by(s.c.seq)
        )
        self.signal = sql(select(s.c.signal).where(s.c.execution_id == EID, s.c.seq == SEQ))
        self.has_signal = sql(
            select(literal(1))
            .where(s.c.execution_id == EID, s.c.signal == VALUE, s.c.seq <= UPTO)
            .limit(1)
        )
        self.node_count = sql(
            select(n.c.count).where(n.c.execution_id == EID, n.c.node_name == NAME)
        )
        self.node_counts = sql(
            select(n.c.node_name, n.c.count)
            .where(n.c.execution_id == EID)
            .order_by(n.c.first_run, n.c.node_name)
        )
        self.ids = sql(select(c.c.execution_id).order_by(c.c.execution_id))

        # -- rows of whole-context writes
        self.add_context = sql(upsert(c).values(execution_id=EID).on_conflict_do_nothing())
        row = {
            "kind": bindparam("kind", type_=Integer),
            "length": bindparam("length", type_=Integer),
            "value": VALUE,
        }
        self.add_key = sql(insert(k).values(execution_id=EID, key=KEY, **row))
        self.set_key = sql(update_(k).where(k.c.execution_id == EID, k.c.key == KEY).values(**row))
        self.drop_key = sql(delete(k).where(k.c.execution_id == EID, k.c.key == KEY))
        self.add_value = sql(insert(v).values(execution_id=EID, field=KEY, seq=SEQ, value=VALUE))
        self.drop_field = sql(delete(v).where(v.c.execution_id == EID, v.c.field == KEY))
        counters = {name: bindparam(name, type_=o.c[name].type) for name in COUNTERS} | {
            "main_execution_id": bindparam("main", type_=Text)
        }
        if tables.counts_signals:
            counters["signals"] = bindparam("signals", type_=Integer)
        self.add_operational = sql(insert(o).values(execution_id=EID, **counters))
        self.set_operational = sql(update_(o).where(o.c.execution_id == EID).values(**counters))
        self.add_signal = sql(insert(s).values(execution_id=EID, seq=SEQ, signal=VALUE))
        node = {"count": bindparam("count", type_=n.c.count.type)}
        if not tables.numbers_first_runs:
            node["first_run"] = bindparam("now", type_=n.c.first_run.type)
        self.add_node = sql(insert(n).values(execution_id=EID, node_name=NAME, **node))
        self.drop = {
            table.name: sql(delete(table).where(table.c.execution_id == EID))
            for table in (k, v, o, s, n)
        }
        self.drop_context = sql(delete(c).where(c.c.execution_id == EID).returning(literal(1)))
        self.cleanup = [sql(delete(table)) for table in (c, k, v, o, s, n)]
