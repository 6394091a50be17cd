"""The context backend's statements, written in SQLAlchemy Core and compiled once."""

from __future__ import annotations

from sqlalchemy import (
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
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .database import Database
from .schema import (
    HISTORY,
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


class ContextStatements:
    """Attribute per statement; parameters are named (``eid``, ``key``...)."""

    def __init__(self, db: Database):
        k, v, o = context_keys, context_values, operational
        s, n, c = operational_signals, operational_nodes, contexts
        eid = bindparam("eid")
        sql = db.compile

        last_signal = (
            select(func.max(s.c.seq)).where(s.c.execution_id == k.c.execution_id).scalar_subquery()
        )

        # -- reads
        self.view = sql(
            select(
                k.c.key,
                k.c.kind,
                k.c.length,
                k.c.value,
                o.c.llm_calls,
                o.c.tool_calls,
                o.c.errors,
                o.c.main_execution_id,
                # the number of signals, looked up for __operational__ only
                case((k.c.kind == OPERATIONAL, last_signal), else_=None),
            )
            .select_from(
                k.outerjoin(o, and_(k.c.kind == OPERATIONAL, o.c.execution_id == k.c.execution_id))
            )
            .where(k.c.execution_id == eid)
            .order_by(k.c.id)
        )
        self.key = sql(
            select(k.c.kind, k.c.value).where(k.c.execution_id == eid, k.c.key == bindparam("key"))
        )
        self.all_values = sql(
            select(v.c.field, v.c.value).where(v.c.execution_id == eid).order_by(v.c.field, v.c.seq)
        )
        self.history = sql(
            select(v.c.value)
            .where(
                v.c.execution_id == eid,
                v.c.field == bindparam("field"),
                v.c.seq <= bindparam("upto"),
            )
            .order_by(v.c.seq)
        )
        self.history_item = sql(
            select(v.c.value).where(
                v.c.execution_id == eid,
                v.c.field == bindparam("field"),
                v.c.seq == bindparam("seq"),
            )
        )
        self.signals = sql(
            select(s.c.signal)
            .where(s.c.execution_id == eid, s.c.seq <= bindparam("upto"))
            .order_by(s.c.seq)
        )
        self.signal = sql(
            select(s.c.signal).where(s.c.execution_id == eid, s.c.seq == bindparam("seq"))
        )
        self.has_signal = sql(
            select(literal(1))
            .where(
                s.c.execution_id == eid,
                s.c.signal == bindparam("signal"),
                s.c.seq <= bindparam("upto"),
            )
            .limit(1)
        )
        self.node_count = sql(
            select(n.c.count).where(n.c.execution_id == eid, n.c.node_name == bindparam("name"))
        )
        self.node_counts = sql(
            select(n.c.node_name, n.c.count)
            .where(n.c.execution_id == eid)
            .order_by(n.c.first_run, n.c.node_name)
        )
        self.ids = sql(select(c.c.execution_id).order_by(c.c.execution_id))

        # -- context rows
        self.add_context = sql(sqlite_insert(c).values(execution_id=eid).on_conflict_do_nothing())
        self.add_key = sql(
            insert(k).values(
                execution_id=eid,
                key=bindparam("key"),
                kind=bindparam("kind"),
                length=bindparam("length"),
                value=bindparam("value"),
            )
        )
        self.set_key = sql(
            update(k)
            .where(k.c.execution_id == eid, k.c.key == bindparam("key"))
            .values(kind=bindparam("kind"), length=bindparam("length"), value=bindparam("value"))
        )
        appended = sqlite_insert(k).values(
            execution_id=eid, key=bindparam("key"), kind=HISTORY, length=1, value=bindparam("value")
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
        raw = sqlite_insert(k).values(
            execution_id=eid, key=bindparam("key"), kind=RAW, length=0, value=bindparam("value")
        )
        self.put_raw = sql(
            raw.on_conflict_do_update(
                index_elements=[k.c.execution_id, k.c.key],
                set_={"kind": RAW, "length": 0, "value": raw.excluded.value},
            )
        )
        self.drop_key = sql(delete(k).where(k.c.execution_id == eid, k.c.key == bindparam("key")))
        self.drop_keys = sql(delete(k).where(k.c.execution_id == eid))
        self.drop_context = sql(delete(c).where(c.c.execution_id == eid))

        # -- histories
        self.add_value = sql(
            insert(v).values(
                execution_id=eid,
                field=bindparam("field"),
                seq=bindparam("seq"),
                value=bindparam("value"),
            )
        )
        self.drop_field = sql(
            delete(v).where(v.c.execution_id == eid, v.c.field == bindparam("field"))
        )
        self.drop_values = sql(delete(v).where(v.c.execution_id == eid))

        # -- __operational__
        self.add_operational = sql(
            insert(o).values(
                execution_id=eid,
                llm_calls=bindparam("llm_calls"),
                tool_calls=bindparam("tool_calls"),
                errors=bindparam("errors"),
                main_execution_id=bindparam("main"),
            )
        )
        self.set_operational = sql(
            update(o)
            .where(o.c.execution_id == eid)
            .values(
                llm_calls=bindparam("llm_calls"),
                tool_calls=bindparam("tool_calls"),
                errors=bindparam("errors"),
                main_execution_id=bindparam("main"),
            )
        )
        # seq = number of signals + 1; only where __operational__ lives in these tables
        self.append_signal = sql(
            insert(s).from_select(
                ["execution_id", "seq", "signal"],
                select(
                    eid,
                    select(func.coalesce(func.max(s.c.seq), 0) + 1)
                    .where(s.c.execution_id == eid)
                    .scalar_subquery(),
                    bindparam("signal"),
                ).where(exists().where(o.c.execution_id == eid)),
            )
        )
        self.increment = {
            name: sql(
                update(o).where(o.c.execution_id == eid).values({name: getattr(o.c, name) + 1})
            )
            for name in COUNTERS
        }
        node_run = sqlite_insert(n).from_select(
            ["execution_id", "node_name", "count", "first_run"],
            select(eid, bindparam("name"), literal(1), bindparam("now")).where(
                exists().where(o.c.execution_id == eid)
            ),
        )
        # counts a run only where __operational__ lives in these tables
        self.count_node = sql(
            node_run.on_conflict_do_update(
                index_elements=[n.c.execution_id, n.c.node_name],
                set_={"count": n.c.count + 1},
            )
        )
        self.add_signal = sql(
            insert(s).values(execution_id=eid, seq=bindparam("seq"), signal=bindparam("signal"))
        )
        self.add_node = sql(
            insert(n).values(
                execution_id=eid,
                node_name=bindparam("name"),
                count=bindparam("count"),
                first_run=bindparam("now"),
            )
        )
        self.drop_operational = sql(delete(o).where(o.c.execution_id == eid))
        self.drop_signals = sql(delete(s).where(s.c.execution_id == eid))
        self.drop_nodes = sql(delete(n).where(n.c.execution_id == eid))

        self.cleanup = [sql(delete(table)) for table in (c, k, v, o, s, n)]
