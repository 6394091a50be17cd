"""One thread's transactions on SQLite: BEGIN IMMEDIATE, savepoints, held writes.

Only the outermost transaction commits; a nested write is a savepoint, so a
failure inside it (caught by the caller) leaves no half-written change. An
outer write first makes the writes its thread held back (see
:meth:`.database.Database.hold`); if it rolls back they are held again, like
the deferred rows written with it.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

from .core.deferred import write_rows

log = logging.getLogger("soe.backends.sql")


class Transaction:
    """One use of ``db.write()`` or ``db.read()``."""

    __slots__ = ("db", "writing", "flush", "lease", "outer", "rows", "mark")

    def __init__(self, db: Any, writing: bool, flush: bool):
        self.db = db
        self.writing = writing
        self.flush = flush

    def __enter__(self) -> sqlite3.Connection:
        db = self.db
        lease = self.lease = db._lease()
        self.rows: list = []
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
        lease.transactions += self.writing
        if self.writing and lease.held:
            try:
                lease.applied, lease.held = lease.held, []
                for _eid, _name, write in lease.applied:
                    write()
            except BaseException as exc:
                self.__exit__(type(exc), exc, exc.__traceback__)
                raise
        return lease.dbapi

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        lease = self.lease
        if not self.outer:
            lease.depth -= 1
            if self.writing:
                if exc_type is not None:
                    lease.dbapi.execute("ROLLBACK TO soe_nested")
                    self.db.views.changed()
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
                    write_rows(connection.executemany, self.rows)
                connection.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            if self.writing:
                db.committed()
        finally:
            lease.depth, lease.writing = 0, False
            lease.taken, lease.applied = [], []
            if db._shared_lock is not None:
                db._shared_lock.release()

    def _rollback(self) -> None:
        lease = self.lease
        with contextlib.suppress(sqlite3.Error):
            lease.dbapi.execute("ROLLBACK")
        self.db.views.changed()  # rows kept since may show what was undone
        self.db.deferred.give_back(lease.taken + self.rows)
        lease.held[:0] = lease.applied


class Deferring:
    """``db.deferring()``: held writes left at the end of the block are written then.

    They are left when the job failed, or was done by another worker: its
    step rolled back, but a node that ran is counted (as before there was
    any holding back).
    """

    __slots__ = ("db", "lease")

    def __init__(self, db: Any):
        self.db = db

    def __enter__(self) -> None:
        self.lease = self.db._lease()
        self.lease.deferring += 1

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        lease = self.lease
        lease.deferring -= 1
        if lease.deferring or not lease.held or lease.depth:
            return
        if exc_type is None:
            self.db.flush()
            return
        try:  # the job's own error is the one to report
            self.db.flush()
        except Exception:
            log.exception("writing the run counts of a failed job failed")
            lease.held.clear()
