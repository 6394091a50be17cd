"""The journal of the SQL store (protocol: :mod:`soe_core.journal`).

Pending jobs are rows of ``soe_jobs``, execution summaries rows of
``soe_executions`` (see :mod:`.schema`). A commit is one write transaction
(or joins the thread's open one), so the journal is atomic with the
context writes made in the same :meth:`SqlJournal.transaction`.

A commit runs two statements in the usual case (one job done, one job
added): a DELETE of the done job, whose row count says whether it was
still pending, and an INSERT. A batch is numbered by its first job's id,
which ``AUTOINCREMENT`` hands out (never reused) only at the INSERT: that
row stores batch 0, read as its own id, and the other jobs of the batch,
inserted next under the same write lock, the first id. Inside the caller's
transaction (a job's step) it runs
without a savepoint of its own: everything is encoded before the first
statement, so only a database error can stop it half way, and that error
ends the whole step, which is rolled back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    insert,
    literal_column,
    select,
    update,
)

from soe_core.journal import EXECUTION_FIELDS, PendingJob

from .core.codec import dumps, loads
from .core.compiled import Sql
from .database import Database
from .schema import executions
from .schema import jobs as job_rows
from .transaction import Deferring, Transaction

_OWN = {"batch": 0}  # a batch's first job: its batch number is its own id
_CHANGEABLE = tuple(name for name in EXECUTION_FIELDS if name != "execution_id")


class SqlJournal:
    """Pending jobs and execution summaries in SQL tables; atomic with context writes."""

    atomic = True

    def __init__(self, db: Database):
        self.db = db
        j, e = job_rows, executions
        sql = db.compile
        tree, eid, job = bindparam("tree"), bindparam("eid"), bindparam("job")
        self._done = sql(delete(j).where(j.c.id == bindparam("done"), j.c.tree == tree))
        self._add = sql(
            insert(j).values(tree=tree, batch=bindparam("batch"), execution_id=eid, job=job)
        )
        columns = (j.c.id, j.c.batch, j.c.execution_id, j.c.job)
        self._pending = sql(select(*columns).where(j.c.tree == tree).order_by(j.c.id))
        self._job = sql(
            select(j.c.batch, j.c.execution_id, j.c.job).where(
                j.c.id == bindparam("id"), j.c.tree == tree
            )
        )
        record = db.upsert(e)  # parameters named after the columns
        self._record = sql(
            record.on_conflict_do_update(
                index_elements=[e.c.execution_id],
                set_={name: record.excluded[name] for name in _CHANGEABLE},
            )
        )
        fields = [e.c[name] for name in EXECUTION_FIELDS]
        self._execution = sql(select(*fields).where(e.c.execution_id == eid))
        # rowid: summaries created at the same moment keep their recording order
        self._executions = sql(select(*fields).order_by(e.c.created, literal_column("rowid")))
        # no index on soe_jobs.execution_id: the pending jobs are only the frontier
        self._forget = [
            sql(delete(e).where(e.c.execution_id == eid)),
            sql(delete(j).where(j.c.execution_id == eid)),
        ]
        self._cleanup = [sql(delete(e)), sql(delete(j))]
        self._updates: dict[tuple[str, ...], Sql] = {}

    # -- pending jobs -------------------------------------------------------

    def commit(self, main_id: str, done: int | None, jobs: list) -> list[int] | None:
        rows = [{"tree": main_id, "eid": eid, "job": dumps(job)} for eid, job in jobs]
        joined = self.db.open_write()
        if joined is not None:
            return self._commit(joined, main_id, done, rows)
        with self.db.write() as connection:
            return self._commit(connection, main_id, done, rows)

    def _commit(self, connection: Any, main_id: str, done: int | None, rows: list) -> Any:
        if done is not None:
            statement = self._done
            cursor = connection.execute(
                statement.text, statement.args({"done": done, "tree": main_id})
            )
            if not cursor.rowcount:
                return None  # done already (by another worker)
        if not rows:
            return []
        statement = self._add
        first = connection.execute(statement.text, statement.args(rows[0] | _OWN)).lastrowid
        if len(rows) > 1:
            connection.executemany(
                statement.text, [statement.args(row | {"batch": first}) for row in rows[1:]]
            )
        # the write lock is held: the others took the ids right after the first
        return list(range(first, first + len(rows)))

    def pending(self, main_id: str) -> list[PendingJob]:
        rows = self.db.fetchall(self._pending, {"tree": main_id})
        return [PendingJob(id, batch or id, eid, loads(job)) for id, batch, eid, job in rows]

    def job(self, main_id: str, job_id: int) -> PendingJob | None:
        row = self.db.fetchone(self._job, {"id": job_id, "tree": main_id})
        return None if row is None else PendingJob(job_id, row[0] or job_id, row[1], loads(row[2]))

    def transaction(self) -> Transaction:
        return self.db.write()

    def deferring(self) -> Deferring:
        """Around one job: its node's run count commits with the job's step."""
        return self.db.deferring()

    # -- execution summaries ------------------------------------------------

    def record_execution(self, execution_id: str, info: dict) -> None:
        values = dict.fromkeys(EXECUTION_FIELDS)
        values.update({k: v for k, v in info.items() if k in values}, execution_id=execution_id)
        self.db.execute(self._record, values)

    def update_execution(self, execution_id: str, changes: dict) -> None:
        names = tuple(sorted(name for name in changes if name in _CHANGEABLE))
        if not names:
            return
        statement = self._updates.get(names)
        if statement is None:
            e = executions
            statement = self.db.compile(
                update(e)
                .where(e.c.execution_id == bindparam("eid"))
                .values({name: bindparam(f"new_{name}") for name in names})
            )
            self._updates[names] = statement
        values = {f"new_{name}": changes[name] for name in names}
        self.db.execute(statement, {**values, "eid": execution_id})

    def execution(self, execution_id: str) -> dict | None:
        row = self.db.fetchone(self._execution, {"eid": execution_id})
        return None if row is None else dict(zip(EXECUTION_FIELDS, row, strict=True))

    def executions(self) -> list[dict]:
        rows = self.db.fetchall(self._executions, {})
        return [dict(zip(EXECUTION_FIELDS, row, strict=True)) for row in rows]

    def forget(self, execution_id: str) -> None:
        self._run_all(self._forget, {"eid": execution_id})

    def cleanup_all(self) -> None:
        # sqlite_sequence keeps its count: ids are not reused after a cleanup
        self._run_all(self._cleanup, {})

    def _run_all(self, statements: list[Sql], values: dict[str, Any]) -> None:
        with self.db.write() as connection:
            for statement in statements:
                connection.execute(statement.text, statement.args(values))
