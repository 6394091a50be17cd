"""Rows written a little later, many per transaction (telemetry events).

A SQLite commit costs far more than the rows in it, and a node run logs
three events. Events therefore wait in memory and are inserted together:
when ``max_delay`` seconds have passed since the oldest one (checked on each
new event and by a background thread while the process is idle), when
``max_rows`` are waiting, before any read of the events, and at ``close()``
and interpreter exit. ``max_delay=0`` writes every event at once.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
import weakref
from typing import Any

log = logging.getLogger("soe.backends.sql")


class DeferredRows:
    """Pending ``(sql, args)`` inserts of one database, in logging order."""

    def __init__(self, max_delay: float = 0.2, max_rows: int = 512):
        self.max_delay = max_delay
        self.max_rows = max_rows
        self._rows: list[tuple[Any, tuple]] = []
        self._since = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, sql: Any, args: tuple) -> bool:
        """Queue one insert; True when it is time to write the queue."""
        with self._lock:
            if not self._rows:
                self._since = time.monotonic()
            self._rows.append((sql, args))
            due = len(self._rows) >= self.max_rows or (
                time.monotonic() - self._since >= self.max_delay
            )
        return due

    def take(self) -> list[tuple[Any, tuple]]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def give_back(self, rows: list[tuple[Any, tuple]]) -> None:
        """Put back rows whose transaction failed, ahead of newer ones."""
        if rows:
            with self._lock:
                self._rows[:0] = rows
                self._since = time.monotonic() - self.max_delay

    def overdue(self) -> bool:
        # no lock: a stale answer only moves a write to the next transaction
        return bool(self._rows) and time.monotonic() - self._since >= self.max_delay

    def __bool__(self) -> bool:
        return bool(self._rows)

    def start(self, database: Any) -> None:
        """Start the idle flusher and the exit hook for ``database`` (once)."""
        if self._thread is not None or self.max_delay <= 0:
            return
        ref = weakref.ref(database)
        self._thread = threading.Thread(
            target=_flush_when_idle,
            args=(ref, self._wake, self.max_delay),
            daemon=True,
            name="soe-sql-flush",
        )
        self._thread.start()
        atexit.register(_flush_at_exit, ref)

    def stop(self) -> None:
        self._wake.set()


def write_rows(connection: Any, rows: list[tuple[Any, tuple]]) -> None:
    """Insert queued rows, one ``executemany`` per run of the same statement."""
    start = 0
    while start < len(rows):
        sql = rows[start][0]
        end = start
        while end < len(rows) and rows[end][0] is sql:
            end += 1
        connection.executemany(sql.text, [args for _sql, args in rows[start:end]])
        start = end


def _flush_when_idle(ref: weakref.ref, wake: threading.Event, delay: float) -> None:
    while not wake.wait(delay / 2):
        database = ref()
        if database is None or database.closed:
            return
        try:
            # only while the process is idle: a busy one writes them itself, and
            # a second writer would make it wait on SQLite's lock
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
