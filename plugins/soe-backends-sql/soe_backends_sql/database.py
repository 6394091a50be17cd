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

Inside :meth:`Database.deferring` (the journal wraps each job in it), a
node's run count is held back and written at the start of the thread's next
write transaction -- the job's own step -- so a node run commits once
instead of twice; the thread's reads see it meanwhile (:mod:`.context`).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from .checkpoint import Checkpointer
from .core.compiled import Sql
from .core.deferred import DeferredRows, write_rows
from .kept import Kept, ViewKeeper
from .schema import tables
from .transaction import Deferring, Transaction


class Lease:
    """A DBAPI connection lent to one thread, and that thread's transaction state."""

    __slots__ = ("fairy", "dbapi", "depth", "writing", "taken", "deferring", "held", "applied",
                 "transactions", "kept", "__weakref__")  # fmt: skip

    def __init__(self, fairy: Any):
        self.fairy = fairy
        self.dbapi: sqlite3.Connection = fairy.driver_connection
        self.depth = 0
        self.writing = False
        self.taken: list = []  # deferred rows written in the open transaction
        self.deferring = 0  # depth of deferring() blocks
        self.held: list[tuple[str, str, Callable[[], Any]]] = []  # (eid, name, write)
        self.applied: list = []  # held writes made in the open transaction
        self.transactions = 0  # write transactions begun
        self.kept: Kept | None = None  # the last view read (see .kept)


class Database:
    """One engine plus per-thread connections, nested transactions and deferred rows.

    It offers the interface :mod:`soe_backends_sql.core` runs on.
    """

    tables = tables
    upsert = staticmethod(sqlite_insert)

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
        self._leases: weakref.WeakSet[Lease] = weakref.WeakSet()
        self.checkpointer = None if in_memory else Checkpointer(engine)
        self.views = ViewKeeper(self)

    def compile(self, statement: Any) -> Sql:
        return Sql(statement, self.engine.dialect)

    def _lease(self) -> Lease:
        lease = getattr(self._local, "lease", None)
        if lease is None:
            if self.closed:
                raise RuntimeError("the SQL backends were closed")
            if self._shared_lock is not None:
                with self._shared_lock:
                    if self._shared_fairy is None:
                        self._shared_fairy = self.engine.raw_connection()
                    lease = Lease(self._shared_fairy)
            else:
                lease = Lease(self.engine.raw_connection())
                # returned to the pool when the thread (and its locals) go away
                weakref.finalize(lease, _give_back, lease.fairy)
            self._local.lease = lease
            self._leases.add(lease)
        return lease

    def write(self, flush: bool = False) -> Transaction:
        """``with db.write() as connection:`` a write transaction (nests within a thread).

        Deferred rows are written with it when they are overdue, or always
        with ``flush=True``; held writes (:meth:`hold`) always.
        """
        return Transaction(self, True, flush)

    def read(self) -> Transaction:
        """``with db.read() as connection:`` one snapshot for several statements."""
        return Transaction(self, False, False)

    snapshot = read

    def open_write(self) -> sqlite3.Connection | None:
        """This thread's connection while it is inside a write transaction, else None."""
        lease = self._lease()
        return lease.dbapi if lease.writing else None

    # -- writes held back for the thread's next transaction -------------------

    def deferring(self) -> Deferring:
        """``with db.deferring():`` around one job; :meth:`hold` works inside it."""
        return Deferring(self)

    def hold(self, eid: str, name: str, write: Callable[[], Any]) -> bool:
        """Postpone ``write`` (a run count of node ``name``) to this thread's next transaction.

        Only inside :meth:`deferring` and outside any transaction; False
        otherwise, and the caller writes now.
        """
        lease = self._lease()
        if not lease.deferring or lease.depth:
            return False
        lease.held.append((eid, name, write))
        self.views.forget_view(eid)  # it may have looked the count up already
        return True

    def held(self, eid: str) -> list[str]:
        """The node names whose runs this thread holds back for context ``eid``."""
        held = self._lease().held
        return [name for held_eid, name, _write in held if held_eid == eid] if held else []

    def log_row(self, sql: Sql, values: dict) -> None:
        """Insert a row with a later write transaction (see :mod:`.core.deferred`)."""
        if self.deferred.add(sql, sql.args(values)):
            self.flush()
        else:
            self.deferred.start(self)

    def flush(self) -> None:
        """Write deferred rows and held writes now (joins an open write transaction)."""
        lease = self._lease()
        if lease.depth:
            if lease.writing:
                rows = self.deferred.take()
                lease.taken.extend(rows)  # given back if the transaction rolls back
                write_rows(lease.dbapi.executemany, rows)
            return  # inside a read: the rows wait for the next write
        if self.deferred or lease.held:
            with self.write(flush=True):
                pass

    def execute(self, sql: Sql, values: dict | None = None) -> int:
        """Run one write statement; return its row count.

        A single statement is atomic on its own and takes the writer lock
        before it reads, so outside a transaction it runs without
        BEGIN/COMMIT (unless overdue deferred rows or held writes should
        ride along), and inside a write transaction without a savepoint.
        """
        lease = self._lease()
        values = values or {}
        if lease.writing:
            return lease.dbapi.execute(sql.text, sql.args(values)).rowcount
        if lease.depth or lease.held or self.deferred.overdue():
            with self.write() as connection:
                return connection.execute(sql.text, sql.args(values)).rowcount
        lock = self._shared_lock
        if lock is not None:
            with lock:
                count = self._autocommit(lease.dbapi, sql, sql.args(values))
        else:
            count = self._autocommit(lease.dbapi, sql, sql.args(values))
        self.committed()
        return count

    def committed(self) -> None:
        """After each commit of a write."""
        self.last_write = time.monotonic()
        if self.checkpointer is not None:
            self.checkpointer.committed()

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

    def executemany(self, sql: Sql, rows: list[dict]) -> None:
        """Run one statement per dict of ``rows``, in one transaction."""
        if not rows:
            return
        args = [sql.args(values) for values in rows]
        lease = self._lease()
        if lease.writing:
            lease.dbapi.executemany(sql.text, args)
            return
        with self.write() as connection:
            connection.executemany(sql.text, args)

    def fetchone(self, sql: Sql, values: dict | None = None) -> tuple | None:
        """Run one statement (in the thread's open transaction, if any)."""
        values = values or {}
        lease = self._lease()
        lock = self._shared_lock
        if lease.depth or lock is None:
            return lease.dbapi.execute(sql.text, sql.args(values)).fetchone()
        with lock:
            return lease.dbapi.execute(sql.text, sql.args(values)).fetchone()

    def fetchall(self, sql: Sql, values: dict | None = None) -> list[tuple]:
        values = values or {}
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
            if self.checkpointer is not None:
                self.checkpointer.stop()
            for lease in list(self._leases):
                _give_back(lease.fairy)
            if self._shared_fairy is not None:
                _give_back(self._shared_fairy)
                self._shared_fairy = None
            self._local = threading.local()
            self.engine.dispose()


def _give_back(fairy: Any) -> None:
    with contextlib.suppress(Exception):
        if fairy.is_valid:
            fairy.close()
