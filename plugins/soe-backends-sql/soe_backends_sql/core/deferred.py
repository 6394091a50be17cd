"""Rows written a little later, many per commit (telemetry events).

A commit (SQLite) or a round trip (PostgreSQL) costs more than the row in
it, and a node run logs about three events. Events therefore wait in
memory and ride along with a later commit: at the latest ``max_delay``
seconds after the oldest one (checked on each new event and by a
background thread while the process is idle), when ``max_rows`` are
waiting, before any read of the events, and at ``close()`` and interpreter
exit. ``max_delay=0`` writes every event at once.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger("soe.backends.sql")

Row = tuple[Any, Any]
"""``(sql, args)``: a compiled statement and its driver parameters."""


class DeferredRows:
    """Queued inserts of one database, in logging order."""

    def __init__(self, max_delay: float = 0.2, max_rows: int = 512):
        self.max_delay = max_delay
        self.max_rows = max_rows
        self._rows: list[Row] = []
        self._due = 0.0  # when the oldest queued row is max_delay old
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, sql: Any, args: Any) -> bool:
        """Queue one insert; True when it is time to write the queue."""
        now = time.monotonic()
        with self._lock:
            rows = self._rows
            if not rows:
                self._due = now + self.max_delay
            rows.append((sql, args))
            return now >= self._due or len(rows) >= self.max_rows

    def take(self) -> list[Row]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def give_back(self, rows: list[Row]) -> None:
        """Put back rows whose transaction failed, ahead of newer ones."""
        if rows:
            with self._lock:
                self._rows[:0] = rows
                self._due = time.monotonic()

    def overdue(self) -> bool:
        # no lock: a stale answer only moves a write to the next commit
        return bool(self._rows) and time.monotonic() >= self._due

    def __bool__(self) -> bool:
        return bool(self._rows)

    def start(self, database: Any) -> None:
        """Start the idle flusher and the exit hook for ``database`` (once)."""
        if self._thread is not None or self.max_delay <= 0:
            return
        ref = weakref.ref(database)
        self._thread = threading.Thread(
            target=_flush_when_idle,
            args=(ref, self._stop, self.max_delay),
            daemon=True,
            name="soe-sql-flush",
        )
        self._thread.start()
        atexit.register(_flush_at_exit, ref)

    def stop(self) -> None:
        self._stop.set()


def write_rows(executemany: Callable[[str, list], Any], rows: list[Row]) -> None:
    """Insert queued rows: one ``executemany(text, args_list)`` per run of the same statement."""
    start = 0
    while start < len(rows):
        sql = rows[start][0]
        end = start
        while end < len(rows) and rows[end][0] is sql:
            end += 1
        executemany(sql.text, [args for _sql, args in rows[start:end]])
        start = end


def _flush_when_idle(ref: weakref.ref, stop: threading.Event, delay: float) -> None:
    while not stop.wait(delay / 2):
        database = ref()
        if database is None or database.closed:
            return
        try:
            # only while the process is idle: a busy one writes them itself, and
            # a second writer could make it wait (SQLite's lock)
            idle = time.monotonic() - database.last_write >= delay
            if idle and database.deferred.overdue():
                database.flush()
        except Exception:  # keep trying; the rows stay queued
            log.exception("writing queued telemetry failed")
        del database


def _flush_at_exit(ref: weakref.ref) -> None:
    database = ref()
    if database is not None and not database.closed:
        with contextlib.suppress(Exception):
            database.flush()
