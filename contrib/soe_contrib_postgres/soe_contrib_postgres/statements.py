"""The per-node context writes on PostgreSQL, and the locks that make them safe.

The reads and whole-context rows are the shared ones
(:class:`soe_backends_sql.core.statements.ContextStatements`). Every write
to a context first takes that context's advisory lock (a
transaction-level lock on ``(LOCK_CLASS, hashtext(id))``): *shared* for
the one-statement writes the engine makes per node (they then lock only the
rows they change, so writers of different fields run in parallel),
*exclusive* for whole-context writes (``save_context``, ``update_context``,
``delete_context``), which therefore never interleave with another writer.
In the one-statement writes the lock is a CTE the writes select from, so it
is taken before any row changes.
"""

from __future__ import annotations

from typing import Any

from soe_backends_sql.core.schema import HISTORY, RAW, Tables
from soe_backends_sql.core.statements import (
    COUNTERS,
    EID,
    KEY,
    NAME,
    VALUE,
    ContextStatements,
)
from sqlalchemy import (
    BigInteger,
    Integer,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .schema import LOCK_CLASS


def _shared_lock() -> Any:
    """A CTE ``context_lock(eid)``: one row, once the context's shared lock is held."""
    locked = func.pg_advisory_xact_lock_shared(LOCK_CLASS, func.hashtext(EID))
    return select(EID.label("eid")).select_from(locked).cte("context_lock")


class PostgresStatements(ContextStatements):
    """The shared statements plus the per-node writes, each one statement."""

    def __init__(self, tables: Tables, compile: Any):
        super().__init__(tables, compile, pg_insert)
        k, v, o = tables.context_keys, tables.context_values, tables.operational
        s, n, c = tables.operational_signals, tables.operational_nodes, tables.contexts
        sql = compile
        self.exclusive_lock = sql(
            select(func.pg_advisory_xact_lock(LOCK_CLASS, func.hashtext(EID)))
        )

        lock = _shared_lock()
        add_context = pg_insert(c).from_select(["execution_id"], select(lock.c.eid))
        add_context = add_context.on_conflict_do_nothing().cte("add_context")
        appended = pg_insert(k).from_select(
            ["execution_id", "key", "kind", "length", "value"],
            select(lock.c.eid, KEY, literal(HISTORY), literal(1), VALUE),
        )
        # a history grows by one; a field that held a non-list value restarts at one
        grown = appended.on_conflict_do_update(
            index_elements=[k.c.execution_id, k.c.key],
            set_={
                "length": case((k.c.kind == HISTORY, k.c.length + 1), else_=1),
                "kind": HISTORY,
                "value": appended.excluded.value,
            },
        ).returning(k.c.execution_id, k.c.length)
        grown = grown.cte("grown")
        self.append_value = sql(
            insert(v)
            .from_select(
                ["execution_id", "field", "seq", "value"],
                select(grown.c.execution_id, KEY, grown.c.length, VALUE),
            )
            .add_cte(add_context)
        )
        raw = pg_insert(k).from_select(
            ["execution_id", "key", "kind", "length", "value"],
            select(lock.c.eid, KEY, literal(RAW), literal(0), VALUE),
        )
        self.put_raw = sql(
            raw.on_conflict_do_update(
                index_elements=[k.c.execution_id, k.c.key],
                set_={"kind": RAW, "length": 0, "value": raw.excluded.value},
            ).add_cte(add_context)
        )
        counted = (
            update(o)
            .where(o.c.execution_id == lock.c.eid)
            .values(signals=o.c.signals + 1)
            .returning(o.c.execution_id, o.c.signals)
            .cte("counted")
        )
        self.append_signal = sql(
            insert(s).from_select(
                ["execution_id", "seq", "signal"],
                select(counted.c.execution_id, counted.c.signals, VALUE),
            )
        )
        self.count_signals = sql(
            update(o)
            .where(o.c.execution_id == lock.c.eid)
            .values(signals=o.c.signals + bindparam("count", type_=Integer))
            .returning(o.c.signals)
        )
        self.increment = {
            counter: sql(
                update(o).where(o.c.execution_id == lock.c.eid).values({counter: o.c[counter] + 1})
            )
            for counter in COUNTERS
        }
        node_run = pg_insert(n).from_select(
            ["execution_id", "node_name", "count"],
            select(lock.c.eid, NAME, literal(1, BigInteger)).where(
                exists().where(o.c.execution_id == lock.c.eid)
            ),
        )
        # counts a run only where __operational__ lives in the operational tables
        self.count_node = sql(
            node_run.on_conflict_do_update(
                index_elements=[n.c.execution_id, n.c.node_name],
                set_={"count": n.c.count + 1},
            )
        )
