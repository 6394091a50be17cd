"""Pooled connections, nested transactions and statement execution.

Statements are written with SQLAlchemy Core and compiled once
(:func:`compile`); they run on psycopg 3 connections, which
prepare a statement on the server after a few uses. A thread takes a
connection from the pool (SQLAlchemy's ``QueuePool``) for one statement, or
for a whole transaction, and gives it back at once: idle threads (a
caller's pool of 64 workers, say) hold no connection, and threads of one
process write in parallel, each on the connection it holds.

Connections are in autocommit mode: a statement outside a transaction
commits on its own. :meth:`Database.write` opens a transaction; one opened
inside another (same thread) joins it through a savepoint, so a failure
inside the inner one (caught by the caller) undoes only its writes. Round
trips are what a node run pays for: ``BEGIN`` waits for the transaction's
first statement (a transaction that sends none costs nothing), and queued
rows (``soe_backends_sql.core.deferred``) go in one pipeline with its ``COMMIT``.

The database offers the interface ``soe_backends_sql.core`` runs on.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import psycopg
from soe_backends_sql.core.compiled import Sql
from soe_backends_sql.core.deferred import DeferredRows
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.pool import QueuePool

from . import forking
from .schema import tables
from .transaction import Lease, begin, commit, insert_rows, rollback, savepoint, send

ROWCOUNT, ONE, ALL = 0, 1, 2
DIALECT = psycopg_dialect.dialect()


def compile_statement(statement: Any) -> Sql:
    """A Core statement compiled once for psycopg."""
    return Sql(statement, DIALECT)


class Database:
    """One connection pool, and each thread's open transaction.

    At most ``pool_size + max_overflow`` connections are open at once; a
    thread that needs one beyond that waits up to ``pool_timeout`` seconds.
    """

    tables = tables
    upsert = staticmethod(pg_insert)
    compile = staticmethod(compile_statement)
    last_write = 0.0
    """Queued rows are written whenever due: writers do not wait for each other here."""

    def __init__(
        self,
        conninfo: str,
        pool_size: int = 10,
        max_overflow: int = 20,
        pool_timeout: float = 30.0,
        deferred: DeferredRows | None = None,
    ):
        self._connections: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()

        def connect() -> psycopg.Connection:
            connection = psycopg.connect(conninfo, autocommit=True)
            self._connections.add(connection)
            return connection

        def new_pool() -> QueuePool:
            return QueuePool(
                connect, pool_size=pool_size, max_overflow=max_overflow, timeout=pool_timeout
            )

        self._new_pool = new_pool
        self.pool = new_pool()
        self.deferred = deferred if deferred is not None else DeferredRows()
        self.closed = False
        self._local = threading.local()
        self._inherited: list = []
        forking.track(self)

    # -- connections --------------------------------------------------------

    def _checkout(self) -> Any:
        if self.closed:
            raise RuntimeError("the PostgreSQL backends were closed")
        return self.pool.connect()

    @staticmethod
    def _checkin(fairy: Any) -> None:
        if fairy.dbapi_connection is not None and fairy.dbapi_connection.broken:
            fairy.invalidate()  # the server went away: the pool opens a new one
        else:
            fairy.close()

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """``with db.connection() as c:`` this thread's connection (its transaction begun)."""
        lease = getattr(self._local, "lease", None)
        if lease is not None:
            begin(lease)
            yield lease.connection
            return
        fairy = self._checkout()
        try:
            yield fairy.dbapi_connection
        finally:
            self._checkin(fairy)

    def after_fork(self) -> None:
        """In a forked child: leave the parent's connections alone, start a new pool."""
        for connection in list(self._connections):
            forking.silence(connection)
        self._inherited.append(self.pool)  # never closed nor collected here
        self._connections = weakref.WeakSet()
        self.pool = self._new_pool()
        self._local = threading.local()
        self.deferred = DeferredRows(self.deferred.max_delay, self.deferred.max_rows)

    # -- statements ---------------------------------------------------------

    def _run(self, sql: Sql, values: dict | None, result: int) -> Any:
        args = sql.args(values or {})
        lease = getattr(self._local, "lease", None)
        if lease is not None:
            begin(lease)
            return _result(lease.connection.execute(sql.text, args), result)
        fairy = self._checkout()
        try:
            return _result(fairy.dbapi_connection.execute(sql.text, args), result)
        finally:
            self._checkin(fairy)

    def execute(self, sql: Sql, values: dict | None = None) -> int:
        """Run one statement (in the thread's transaction if one is open); its row count."""
        return self._run(sql, values, ROWCOUNT)

    def fetchone(self, sql: Sql, values: dict | None = None) -> tuple | None:
        return self._run(sql, values, ONE)

    def fetchall(self, sql: Sql, values: dict | None = None) -> list[tuple]:
        return self._run(sql, values, ALL)

    def executemany(self, sql: Sql, rows: list[dict]) -> None:
        if rows:
            with self.connection() as connection, connection.cursor() as cursor:
                cursor.executemany(sql.text, [sql.args(row) for row in rows])

    def log_row(self, sql: Sql, values: dict) -> None:
        """Insert a row soon: with the open transaction, or queued (``core.deferred``)."""
        lease = getattr(self._local, "lease", None)
        if lease is not None:
            lease.rows.append((sql, sql.args(values)))
        elif self.deferred.max_delay <= 0:
            self.execute(sql, values)
        elif self.deferred.add(sql, sql.args(values)):
            self.flush()
        else:
            self.deferred.start(self)

    def flush(self) -> None:
        """Write the queued rows now (inside the thread's open transaction, if any)."""
        lease = getattr(self._local, "lease", None)
        if lease is not None:
            rows, lease.rows = lease.rows, []
            taken = self.deferred.take()
            lease.taken += taken
            begin(lease)
            with lease.connection.pipeline():
                insert_rows(lease.connection, rows + taken)
            return
        taken = self.deferred.take()
        if taken:
            fairy = self._checkout()
            try:
                send(fairy.dbapi_connection, taken, with_begin=True)
            except BaseException:
                self.deferred.give_back(taken)
                raise
            finally:
                self._checkin(fairy)

    # -- transactions -------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """``with db.write():`` one transaction (a savepoint when nested in this thread)."""
        lease = getattr(self._local, "lease", None)
        if lease is not None:
            with savepoint(self.deferred, lease):
                yield self
            return
        lease = Lease(self._checkout())
        self._local.lease = lease
        try:
            lease.depth = 1
            yield self
        except BaseException:
            rollback(self.deferred, lease)
            raise
        else:
            commit(self.deferred, lease)
        finally:
            self._local.lease = None
            self._checkin(lease.fairy)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Database]:
        """``with db.snapshot():`` several reads that see one state of the database.

        Inside a write transaction the reads simply join it.
        """
        if getattr(self._local, "lease", None) is not None:
            yield self
            return
        lease = Lease(self._checkout())
        lease.connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        lease.depth, lease.begun = 1, True
        self._local.lease = lease
        try:
            yield self
        finally:
            self._local.lease = None
            with contextlib.suppress(psycopg.Error):
                lease.connection.execute("COMMIT")
            self._checkin(lease.fairy)

    def close(self) -> None:
        """Write queued rows and close the pool's connections."""
        if self.closed:
            return
        try:
            self.flush()
        finally:
            self.closed = True
            self.deferred.stop()
            self.pool.dispose()


def _result(cursor: psycopg.Cursor, result: int) -> Any:
    if result == ONE:
        return cursor.fetchone()
    if result == ALL:
        return cursor.fetchall()
    return cursor.rowcount
