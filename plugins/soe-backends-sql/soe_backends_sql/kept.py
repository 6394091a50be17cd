"""A thread's last read of a context, kept while nothing has changed it.

A node reads its context; the delivery of the signals it emits reads it
again at once; the next node, run by the same thread, reads it once more,
and between these reads the engine writes only the signal and the run
count. So each thread keeps the rows of its last view read
(:meth:`ViewKeeper.keep`) and serves the next read of the same context
from them (:meth:`ViewKeeper.recall`) while they are current:

- no context write went through this database since (any thread: every
  write of the context backend calls :meth:`ViewKeeper.changed`), except
  signal appends this thread made inside a transaction in which it had
  checked the rows, which update the kept signal count instead
  (:meth:`ViewKeeper.signals_added`); run counts are not in the rows;
- no other connection committed (SQLite's ``PRAGMA data_version``);
- no transaction of this database rolled back since.

A recall then costs one ``PRAGMA`` instead of the view's SELECT. The
in-memory database keeps nothing: its threads share one connection, whose
``data_version`` does not see their commits.
"""

from __future__ import annotations

import itertools
from typing import Any

from .core.rows import OPERATIONAL_FIELD
from .core.schema import OPERATIONAL

SIGNALS = 8
"""Index of the signal count in a view row (see ``ContextStatements.view``)."""


class Kept:
    """The rows of one view read, and when they were known to be current."""

    __slots__ = ("eid", "rows", "writes", "version", "checked_in", "view")

    def __init__(self, eid: str, rows: list, writes: int, version: int):
        self.eid = eid
        self.rows = rows
        self.writes = writes  # ViewKeeper.writes when read
        self.version = version  # data_version when read
        self.checked_in: int | None = None  # the write transaction that last checked them
        self.view: Any = None  # the view built from them, handed out again while unchanged


class ViewKeeper:
    """The kept views of one database (one per thread, on its lease)."""

    def __init__(self, db: Any):
        self.db = db
        self._ticks = itertools.count(1)
        self.writes = 0  # a new value at each context write, any thread

    def changed(self) -> None:
        """A context write (or a rollback): every kept view may be stale."""
        self.writes = next(self._ticks)  # never a value seen before, whatever the race

    def keep(self, eid: str, rows: list, version: int, writes: int) -> Kept:
        """Keep rows read at ``data_version`` ``version``, when :attr:`writes` was ``writes``.

        ``writes`` is taken before the SELECT: a write racing it makes the
        rows stale at once, never current by mistake.
        """
        kept = Kept(eid, rows, writes, version)
        lease = self.db._lease()
        if lease.writing:
            kept.checked_in = lease.transactions
        if not self.db.in_memory:
            lease.kept = kept
        return kept

    def recall(self, eid: str) -> Kept | None:
        """The kept rows of ``eid`` if they are current, else None."""
        db = self.db
        lease = db._lease()
        kept = lease.kept
        if kept is None or kept.eid != eid or kept.writes != self.writes:
            return None
        if lease.dbapi.execute("PRAGMA data_version").fetchone()[0] != kept.version:
            return None
        if lease.writing:
            kept.checked_in = lease.transactions
        return kept

    def signals_added(self, eid: str, count: int) -> None:
        """This thread appended ``count`` signals to ``eid``."""
        lease = self.db._lease()
        kept = lease.kept
        current = (
            kept is not None
            and kept.eid == eid
            and kept.writes == self.writes
            and lease.writing
            and kept.checked_in == lease.transactions
        )
        if not current:
            self.changed()
            return
        rows = []
        for row in kept.rows:
            if row[0] == OPERATIONAL_FIELD and row[1] == OPERATIONAL:
                row = (*row[:SIGNALS], (row[SIGNALS] or 0) + count, *row[SIGNALS + 1 :])
            rows.append(row)
        kept.rows, kept.view = rows, None

    def forget_view(self, eid: str) -> None:
        """Keep the rows but not the view built from them (a run count it cached changed)."""
        kept = self.db._lease().kept
        if kept is not None and kept.eid == eid:
            kept.view = None
