"""SQLite's per-node context writes, on top of the shared statements.

SQLite runs one writer at a time (a write transaction takes its lock up
front), so these need no locking of their own: ``append_signal`` numbers a
signal ``max(seq) + 1`` and ``append_key`` reads a history's length back,
and no other writer can slip in between. They are ``INSERT ... VALUES``
with scalar subqueries: an ``INSERT ... SELECT`` reading its own table
makes SQLite stage the rows in a temporary table first.

``view_versioned`` is the context view plus SQLite's ``data_version``, for
the reuse of a view described in :mod:`.context`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, func, insert, literal, literal_column, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .core.schema import HISTORY, RAW, Tables
from .core.statements import COUNTERS, EID, KEY, NAME, VALUE, ContextStatements


class SqliteStatements(ContextStatements):
    """The shared statements plus SQLite's per-node writes."""

    def __init__(self, tables: Tables, compile: Any):
        super().__init__(tables, compile, sqlite_insert)
        k, o = tables.context_keys, tables.operational
        s, n = tables.operational_signals, tables.operational_nodes
        sql = compile
        # the view, and the database's data_version: it changes when another
        # connection commits, which is how a reused view knows it is current
        version = literal_column("(SELECT data_version FROM pragma_data_version)")
        self.view_versioned = sql(self.view_query.add_columns(version))
        appended = sqlite_insert(k).values(
            execution_id=EID, key=KEY, kind=HISTORY, length=1, value=VALUE
        )
        # a history grows by one; a field that held a non-list value restarts at one
        self.append_key = sql(
            appended.on_conflict_do_update(
                index_elements=[k.c.execution_id, k.c.key],
                set_={
                    "length": case((k.c.kind == HISTORY, k.c.length + 1), else_=1),
                    "kind": HISTORY,
                    "value": appended.excluded.value,
                },
            ).returning(k.c.length)
        )
        raw = sqlite_insert(k).values(execution_id=EID, key=KEY, kind=RAW, length=0, value=VALUE)
        self.put_raw = sql(
            raw.on_conflict_do_update(
                index_elements=[k.c.execution_id, k.c.key],
                set_={"kind": RAW, "length": 0, "value": raw.excluded.value},
            )
        )
        # NULL unless __operational__ lives in the operational tables: a NULL in
        # a NOT NULL column makes INSERT OR IGNORE skip the row (row count 0)
        here = select(literal(0)).where(o.c.execution_id == EID).scalar_subquery()
        last = select(func.coalesce(func.max(s.c.seq), 0)).where(s.c.execution_id == EID)
        self.append_signal = sql(
            insert(s)
            .inline()  # else SQLAlchemy adds RETURNING for the computed key
            .prefix_with("OR IGNORE")
            .values(execution_id=EID, seq=last.scalar_subquery() + 1 + here, signal=VALUE)
        )
        self.increment = {
            name: sql(update(o).where(o.c.execution_id == EID).values({name: o.c[name] + 1}))
            for name in COUNTERS
        }
        run = (
            sqlite_insert(n)
            .prefix_with("OR IGNORE")
            .values(
                execution_id=EID,
                node_name=NAME,
                count=1 + here,
                first_run=bindparam("now", type_=n.c.first_run.type),
            )
        )
        self.count_node = sql(
            run.on_conflict_do_update(
                index_elements=[n.c.execution_id, n.c.node_name],
                set_={"count": n.c.count + 1},
            )
        )
