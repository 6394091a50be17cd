"""Per-thread connections and nested transactions over one engine.

Transactions (:meth:`Database.write`, :meth:`Database.read`) nest within a
thread: a write started inside another joins it, so a ``mutate`` passed to
``update_context`` may call the backends again. A write transaction starts
with ``BEGIN IMMEDIATE``, which takes SQLite's single writer lock up front,
so two writers never interleave a read and a write and no update is lost; a
writer that finds the lock held waits ``busy_timeout`` and then retries.

Each thread borrows one pooled connection for as long as it lives (a
checkout per statement would cost as much as the statement). An in-memory
database is a single connection shared by all threads, behind a lock.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
import weakref
from typing import Any

from sqlalchemy.engine import Engine

from .deferred import DeferredRows, write_rows
from .engine import Sql


class _Lease:
    """A DBAPI connection lent to one thread, and that thread's transaction depth."""

    __slots__ = ("fairy", "dbapi", "depth", "writing", "writes", "taken", "__weakref__")

    def __init__(self, fairy: Any):
        self.fairy = fairy
        self.dbapi: sqlite3.Connection = fairy.driver_connection
        self.depth = 0
        self.writing = False
        self.writes = 0  # write() calls made by this thread
        self.taken: list = []  # deferred rows written in the open transaction


class Database:
    """One engine plus per-thread connections, nested transactions and deferred rows."""

    def __init__(
        self,
        engine: Engine,
        in_memory: bool,
        lock_retries: int = 5,
        deferred: DeferredRows | None = None,
    ):
        self.engine = engine
        self.in_memory = in_memory
        self.lock_retries = lock_retries
        self.deferred = deferred if deferred is not None else DeferredRows()
        self.closed = False
        self.last_write = 0.0
        self._local = threading.local()
        # an in-memory database is one connection shared by every thread:
        # its transactions must not interleave
        self._shared_lock = threading.RLock() if in_memory else None
        self._shared_fairy: Any = None
        self._leases: weakref.WeakSet[_Lease] = weakref.WeakSet()

    def compile(self, statement: Any) -> Sql:
        return Sql(statement, self.engine)

    def _lease(self) -> _Lease:
        lease = getattr(self._local, "lease", None)
        if lease is None:
            if self.closed:
                raise RuntimeError("the SQL backends were closed")
            if self._shared_lock is not None:
                with self._shared_lock:
                    if self._shared_fairy is None:
                        self._shared_fairy = self.engine.raw_connection()
                    lease = _Lease(self._shared_fairy)
            else:
                lease = _Lease(self.engine.raw_connection())
                # returned to the pool when the thread (and its locals) go away
                weakref.finalize(lease, _give_back, lease.fairy)
            self._local.lease = lease
            self._leases.add(lease)
        return lease

    def write(self, flush: bool = False) -> _Transaction:
        """``with db.write() as connection:`` a write transaction (nests within a thread).

        Deferred rows are written with it when they are overdue, or always
        with ``flush=True``.
        """
        return _Transaction(self, True, flush)

    def read(self) -> _Transaction:
        """``with db.read() as connection:`` one snapshot for several statements."""
        return _Transaction(self, False, False)

    def writes(self) -> int:
        """How many write transactions this thread has opened (nested ones included)."""
        return self._lease().writes

    def defer(self, sql: Sql, args: tuple) -> None:
        """Insert a row with the next write transaction (see :mod:`.deferred`)."""
        if self.deferred.add(sql, args):
            self.flush()
        else:
            self.deferred.start(self)

    def flush(self) -> None:
        """Write the deferred rows now (joins an open write transaction)."""
        lease = self._lease()
        if lease.depth:
            if lease.writing:
                rows = self.deferred.take()
                lease.taken.extend(rows)  # given back if the transaction rolls back
                write_rows(lease.dbapi, rows)
            return  # inside a read: the rows wait for the next write
        if self.deferred:
            with self.write(flush=True):
                pass

    def write_one(self, sql: Sql, values: dict) -> int:
        """Run one write statement; return its row count.

        A single statement is atomic on its own and takes the writer lock
        before it reads, so outside a transaction it runs without
        BEGIN/COMMIT (unless overdue deferred rows should ride along), and
        inside a write transaction without a savepoint.
        """
        lease = self._lease()
        if lease.writing:
            lease.writes += 1
            return lease.dbapi.execute(sql.text, sql.args(values)).rowcount
        if lease.depth or self.deferred.overdue():
            with self.write() as connection:
                return connection.execute(sql.text, sql.args(values)).rowcount
        lease.writes += 1
        lock = self._shared_lock
        if lock is not None:
            with lock:
                count = self._autocommit(lease.dbapi, sql, sql.args(values))
        else:
            count = self._autocommit(lease.dbapi, sql, sql.args(values))
        self.last_write = time.monotonic()
        return count

    def _autocommit(self, connection: sqlite3.Connection, sql: Sql, args: tuple) -> int:
        for attempt in range(self.lock_retries + 1):
            try:
                return connection.execute(sql.text, args).rowcount
            except sqlite3.OperationalError as exc:
                # busy_timeout already waited; another writer held the lock too long
                if "locked" not in str(exc) or attempt == self.lock_retries:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    def fetchone(self, sql: Sql, values: dict) -> tuple | None:
        """Run one statement (in the thread's open transaction, if any)."""
        lease = self._lease()
        lock = self._shared_lock
        if lease.depth or lock is None:
            return lease.dbapi.execute(sql.text, sql.args(values)).fetchone()
        with lock:
            return lease.dbapi.execute(sql.text, sql.args(values)).fetchone()

    def fetchall(self, sql: Sql, values: dict) -> list[tuple]:
        lease = self._lease()
        lock = self._shared_lock
        if lease.depth or lock is None:
            return lease.dbapi.execute(sql.text, sql.args(values)).fetchall()
        with lock:
            return lease.dbapi.execute(sql.text, sql.args(values)).fetchall()

    def _begin_immediate(self, connection: sqlite3.Connection) -> None:
        for attempt in range(self.lock_retries + 1):
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                # busy_timeout already waited; another writer held the lock too long
                if "locked" not in str(exc) or attempt == self.lock_retries:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))

    def close(self) -> None:
        """Write deferred rows, return every lent connection, dispose of the engine."""
        if self.closed:
            return
        try:
            self.flush()
        finally:
            self.closed = True
            self.deferred.stop()
            for lease in list(self._leases):
                _give_back(lease.fairy)
            if self._shared_fairy is not None:
                _give_back(self._shared_fairy)
                self._shared_fairy = None
            self._local = threading.local()
            self.engine.dispose()


class _Transaction:
    """One use of ``db.write()`` or ``db.read()``.

    Only the outermost one commits; a nested write is a savepoint, so a
    failure inside it (caught by the caller) leaves no half-written change.
    """

    __slots__ = ("db", "writing", "flush", "lease", "outer", "rows", "mark")

    def __init__(self, db: Database, writing: bool, flush: bool):
        self.db = db
        self.writing = writing
        self.flush = flush

    def __enter__(self) -> sqlite3.Connection:
        db = self.db
        lease = self.lease = db._lease()
        self.rows: list = []
        lease.writes += self.writing
        if lease.depth:
            if self.writing and not lease.writing:
                raise RuntimeError("cannot write inside a read transaction")
            if self.writing:
                lease.dbapi.execute("SAVEPOINT soe_nested")
                self.mark = len(lease.taken)
            lease.depth += 1
            self.outer = False
            return lease.dbapi
        self.outer = True
        lock = db._shared_lock
        if lock is not None:
            lock.acquire()
        try:
            if self.writing:
                db._begin_immediate(lease.dbapi)
            else:
                lease.dbapi.execute("BEGIN")
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        lease.depth, lease.writing = 1, self.writing
        return lease.dbapi

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        lease = self.lease
        if not self.outer:
            lease.depth -= 1
            if self.writing:
                if exc_type is not None:
                    lease.dbapi.execute("ROLLBACK TO soe_nested")
                    undone = lease.taken[self.mark :]
                    del lease.taken[self.mark :]
                    self.db.deferred.give_back(undone)
                lease.dbapi.execute("RELEASE soe_nested")
            return
        db = self.db
        connection = lease.dbapi
        try:
            if exc_type is not None:
                self._rollback()
                return
            try:
                if self.writing and (self.flush or db.deferred.overdue()):
                    # deferred rows ride along rather than commit alone
                    self.rows = db.deferred.take()
                    write_rows(connection, self.rows)
                connection.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            if self.writing:
                db.last_write = time.monotonic()
        finally:
            lease.depth, lease.writing = 0, False
            lease.taken = []
            if db._shared_lock is not None:
                db._shared_lock.release()

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.lease.dbapi.execute("ROLLBACK")
        self.db.deferred.give_back(self.lease.taken + self.rows)


def _give_back(fairy: Any) -> None:
    with contextlib.suppress(Exception):
        if fairy.is_valid:
            fairy.close()
