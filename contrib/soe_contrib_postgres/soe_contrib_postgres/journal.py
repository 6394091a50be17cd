"""The journal on PostgreSQL: pending jobs and execution summaries.

Implements the protocol of :mod:`soe_core.journal` with two tables:

``soe_journal``
    One row per pending job: ``id`` (from the ``soe_journal_ids``
    sequence), ``batch``, ``main_id`` (the execution tree), ``execution_id``
    and the job as JSON text.
``soe_executions``
    One JSONB summary per execution, so ``update_execution`` is one
    atomic ``record || changes``.

``commit`` is a single statement: it deletes the done job (``DELETE ...
RETURNING``; the row lock makes a second worker finishing the same job find
nothing, so it gets None) and inserts the new jobs with ids drawn from the
sequence. ``transaction()`` is the database transaction of the calling
thread: context writes made inside it commit or roll back with the journal.
"""

from __future__ import annotations

import contextlib
from typing import Any

from soe_backends_sql.core.codec import dumps, loads
from soe_backends_sql.core.compiled import Sql
from sqlalchemy import BigInteger, Text, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert

from soe_core.journal import EXECUTION_FIELDS, PendingJob

from .database import Database, compile_statement
from .schema import executions, journal, journal_ids

EID = bindparam("eid", type_=Text)
MAIN = bindparam("main", type_=Text)


def _commit_statement() -> Sql:
    j = journal
    done = bindparam("done", type_=BigInteger)
    gone = delete(j).where(j.c.id == done, j.c.main_id == MAIN).returning(j.c.id).cte("gone")
    given = (
        func.unnest(bindparam("eids", type_=ARRAY(Text)), bindparam("jobs", type_=ARRAY(Text)))
        .table_valued("execution_id", "job", with_ordinality="ord")
        .render_derived(name="given")
    )
    fresh = (
        select(journal_ids.next_value().label("id"), given.c.execution_id, given.c.job)
        .where(or_(done.is_(None), exists(select(gone.c.id))))
        .order_by(given.c.ord)
        .cte("fresh")
    )
    added = (
        pg_insert(j)
        .from_select(
            ["id", "batch", "main_id", "execution_id", "job"],
            select(
                fresh.c.id, func.min(fresh.c.id).over(), MAIN, fresh.c.execution_id, fresh.c.job
            ),
        )
        .returning(j.c.id)
        .cte("added")
    )
    return compile_statement(
        select(
            select(func.count()).select_from(gone).scalar_subquery(),
            select(func.array_agg(aggregate_order_by(added.c.id, added.c.id))).scalar_subquery(),
        )
    )


class PostgresJournal:
    """Pending jobs and execution summaries (protocol: :mod:`soe_core.journal`)."""

    atomic = True
    """``transaction()`` is a real database transaction (the journal contract checks it)."""

    def __init__(self, db: Database):
        self.db = db
        j, e = journal, executions
        record = bindparam("record", type_=JSONB)
        self._commit = _commit_statement()
        columns = (j.c.id, j.c.batch, j.c.execution_id, j.c.job)
        self._pending = db.compile(select(*columns).where(j.c.main_id == MAIN).order_by(j.c.id))
        self._job = db.compile(
            select(*columns).where(j.c.main_id == MAIN, j.c.id == bindparam("id", BigInteger))
        )
        saved = pg_insert(e).values(execution_id=EID, record=record)
        self._record = db.compile(
            saved.on_conflict_do_update(
                index_elements=[e.c.execution_id], set_={"record": saved.excluded.record}
            )
        )
        self._update = db.compile(
            update(e).where(e.c.execution_id == EID).values(record=e.c.record.op("||")(record))
        )
        self._execution = db.compile(select(e.c.record).where(e.c.execution_id == EID))
        self._executions = db.compile(
            select(e.c.record).order_by(
                func.coalesce(e.c.record["created"].astext, ""), e.c.position
            )
        )
        self._forget = [
            db.compile(delete(e).where(e.c.execution_id == EID)),
            db.compile(delete(j).where(j.c.execution_id == EID)),
        ]
        self._cleanup = [db.compile(delete(j)), db.compile(delete(e))]

    def commit(self, main_id: str, done: int | None, jobs: list) -> list[int] | None:
        values = {
            "main": main_id,
            "done": done,
            "eids": [execution_id for execution_id, _job in jobs],
            "jobs": [dumps(job) for _execution_id, job in jobs],
        }
        removed, ids = self.db.fetchone(self._commit, values)
        if done is not None and not removed:
            return None
        return list(ids or ())

    def pending(self, main_id: str) -> list[PendingJob]:
        rows = self.db.fetchall(self._pending, {"main": main_id})
        return [PendingJob(id, batch, eid, loads(job)) for id, batch, eid, job in rows]

    def job(self, main_id: str, job_id: int) -> PendingJob | None:
        """One pending job (one indexed SELECT), or None when done or unknown."""
        row = self.db.fetchone(self._job, {"main": main_id, "id": job_id})
        return None if row is None else PendingJob(row[0], row[1], row[2], loads(row[3]))

    def transaction(self) -> contextlib.AbstractContextManager:
        """The calling thread's database transaction (nests through savepoints)."""
        return self.db.write()

    def record_execution(self, execution_id: str, info: dict) -> None:
        record = dict.fromkeys(EXECUTION_FIELDS)
        record.update(info, execution_id=execution_id)
        self.db.execute(self._record, {"eid": execution_id, "record": dumps(record)})

    def update_execution(self, execution_id: str, changes: dict) -> None:
        self.db.execute(self._update, {"eid": execution_id, "record": dumps(changes)})

    def execution(self, execution_id: str) -> dict | None:
        row = self.db.fetchone(self._execution, {"eid": execution_id})
        return None if row is None else _record(row[0])

    def executions(self) -> list[dict]:
        return [_record(row[0]) for row in self.db.fetchall(self._executions)]

    def forget(self, execution_id: str) -> None:
        """Delete the summary and the pending jobs of one execution (pruning)."""
        with self.db.write():
            for statement in self._forget:
                self.db.execute(statement, {"eid": execution_id})

    def cleanup_all(self) -> None:
        with self.db.write():
            for statement in self._cleanup:
                self.db.execute(statement)


def _record(value: Any) -> dict:
    """A summary as stored (psycopg parses JSONB; text if a loader was changed)."""
    return loads(value) if isinstance(value, str) else value
