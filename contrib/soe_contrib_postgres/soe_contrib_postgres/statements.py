"""The context backend's statements, in SQLAlchemy Core, compiled once.

Every write to a context first takes that context's advisory lock (a
transaction-level lock on ``(LOCK_CLASS, hashtext(id))``): *shared* for
the one-statement writes the engine makes per node (they then lock only the
rows they change, so writers of different fields run in parallel),
*exclusive* for whole-context writes (``save_context``, ``update_context``,
``delete_context``), which therefore never interleave with another writer.
In the one-statement writes the lock is a CTE the writes select from, so it
is taken before any row changes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .compiled import Sql
from .schema import (
    HISTORY,
    LOCK_CLASS,
    OPERATIONAL,
    RAW,
    context_keys,
    context_values,
    contexts,
    operational,
    operational_nodes,
    operational_signals,
)

COUNTERS = ("llm_calls", "tool_calls", "errors")

EID = bindparam("eid", type_=Text)
KEY = bindparam("key", type_=Text)
VALUE = bindparam("value", type_=Text)


def _shared_lock():
    """A CTE ``context_lock(eid)``: one row, once the context's shared lock is held."""
    locked = func.pg_advisory_xact_lock_shared(LOCK_CLASS, func.hashtext(EID))
    return select(EID.label("eid")).select_from(locked).cte("context_lock")


class ContextStatements:
    """One attribute per statement; parameters are named (``eid``, ``key``...)."""

    def __init__(self) -> None:
        k, v, o = context_keys, context_values, operational
        s, n, c = operational_signals, operational_nodes, contexts
        seq = bindparam("seq", type_=Integer)
        upto = bindparam("upto", type_=Integer)
        name = bindparam("name", type_=Text)

        # -- reads
        self.view = Sql(
            select(
                k.c.key,
                k.c.kind,
                k.c.length,
                k.c.value,
                o.c.llm_calls,
                o.c.tool_calls,
                o.c.errors,
                o.c.main_execution_id,
                o.c.signals,
            )  # fmt: skip
            .select_from(
                k.outerjoin(o, and_(k.c.kind == OPERATIONAL, o.c.execution_id == k.c.execution_id))
            )
            .where(k.c.execution_id == EID)
            .order_by(k.c.id)
        )
        self.key = Sql(select(k.c.kind, k.c.value).where(k.c.execution_id == EID, k.c.key == KEY))
        self.all_values = Sql(
            select(v.c.field, v.c.value).where(v.c.execution_id == EID).order_by(v.c.field, v.c.seq)
        )
        self.history = Sql(
            select(v.c.value)
            .where(v.c.execution_id == EID, v.c.field == KEY, v.c.seq <= upto)
            .order_by(v.c.seq)
        )
        self.history_item = Sql(
            select(v.c.value).where(v.c.execution_id == EID, v.c.field == KEY, v.c.seq == seq)
        )
        self.signals = Sql(
            select(s.c.signal).where(s.c.execution_id == EID, s.c.seq <= upto).order_by(s.c.seq)
        )
        self.signal = Sql(select(s.c.signal).where(s.c.execution_id == EID, s.c.seq == seq))
        self.has_signal = Sql(
            select(literal(1))
            .where(s.c.execution_id == EID, s.c.signal == VALUE, s.c.seq <= upto)
            .limit(1)
        )
        self.node_count = Sql(
            select(n.c.count).where(n.c.execution_id == EID, n.c.node_name == name)
        )
        self.node_counts = Sql(
            select(n.c.node_name, n.c.count).where(n.c.execution_id == EID).order_by(n.c.first_run)
        )
        self.ids = Sql(select(c.c.execution_id).order_by(c.c.execution_id))
        self.exclusive_lock = Sql(
            select(func.pg_advisory_xact_lock(LOCK_CLASS, func.hashtext(EID)))
        )

        # -- one-statement writes (shared lock)
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
        self.append_value = Sql(
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
        self.put_raw = Sql(
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
        self.append_signal = Sql(
            insert(s).from_select(
                ["execution_id", "seq", "signal"],
                select(counted.c.execution_id, counted.c.signals, VALUE),
            )
        )
        self.count_signals = Sql(
            update(o)
            .where(o.c.execution_id == lock.c.eid)
            .values(signals=o.c.signals + bindparam("count", type_=Integer))
            .returning(o.c.signals)
        )
        self.increment = {
            counter: Sql(
                update(o)
                .where(o.c.execution_id == lock.c.eid)
                .values({counter: getattr(o.c, counter) + 1})
            )
            for counter in COUNTERS
        }
        node_run = pg_insert(n).from_select(
            ["execution_id", "node_name", "count"],
            select(lock.c.eid, name, literal(1, BigInteger)).where(
                exists().where(o.c.execution_id == lock.c.eid)
            ),
        )
        # counts a run only where __operational__ lives in the operational tables
        self.count_node = Sql(
            node_run.on_conflict_do_update(
                index_elements=[n.c.execution_id, n.c.node_name],
                set_={"count": n.c.count + 1},
            )
        )

        # -- rows of whole-context writes (under the exclusive lock)
        self.add_context = Sql(pg_insert(c).values(execution_id=EID).on_conflict_do_nothing())
        self.add_key = Sql(
            insert(k).values(
                execution_id=EID,
                key=KEY,
                kind=bindparam("kind", type_=Integer),
                length=bindparam("length", type_=Integer),
                value=VALUE,
            )
        )
        self.set_key = Sql(
            update(k)
            .where(k.c.execution_id == EID, k.c.key == KEY)
            .values(kind=bindparam("kind"), length=bindparam("length"), value=VALUE)
        )
        self.drop_key = Sql(delete(k).where(k.c.execution_id == EID, k.c.key == KEY))
        self.add_value = Sql(insert(v).values(execution_id=EID, field=KEY, seq=seq, value=VALUE))
        self.drop_field = Sql(delete(v).where(v.c.execution_id == EID, v.c.field == KEY))
        operational_values = {
            "llm_calls": bindparam("llm_calls", type_=BigInteger),
            "tool_calls": bindparam("tool_calls", type_=BigInteger),
            "errors": bindparam("errors", type_=BigInteger),
            "main_execution_id": bindparam("main", type_=Text),
            "signals": bindparam("signals", type_=Integer),
        }
        self.add_operational = Sql(insert(o).values(execution_id=EID, **operational_values))
        self.set_operational = Sql(
            update(o).where(o.c.execution_id == EID).values(**operational_values)
        )
        self.add_signal = Sql(insert(s).values(execution_id=EID, seq=seq, signal=VALUE))
        self.add_node = Sql(
            insert(n).values(
                execution_id=EID, node_name=name, count=bindparam("count", type_=BigInteger)
            )
        )
        self.drop = {
            table.name: Sql(delete(table).where(table.c.execution_id == EID))
            for table in (c, k, v, o, s, n)
        }
        self.drop_context = Sql(delete(c).where(c.c.execution_id == EID).returning(literal(1)))
        self.cleanup = [Sql(delete(table)) for table in (c, k, v, o, s, n)]
