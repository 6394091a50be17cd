"""Rows written a little later, many per round trip (telemetry events).

A round trip to the server costs more than the row, and a node run logs
about three events. An event logged inside a transaction is kept with that
transaction and sent with its COMMIT (gone if it rolls back). One logged
outside waits in a queue shared by the process's threads and goes out with
the next COMMIT of any thread, or, when no transaction comes along, at
most ``max_delay`` seconds later (checked on each new event and by a
background thread), before any read of the events, and at ``close()`` and
interpreter exit. ``max_delay=0`` writes every event at once.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
import weakref
from typing import Any

log = logging.getLogger("soe.backends.postgres")


class DeferredRows:
    """Queued ``(sql, values)`` inserts, in logging order."""

    def __init__(self, max_delay: float = 0.2, max_rows: int = 1000):
        self.max_delay = max_delay
        self.max_rows = max_rows
        self._rows: list[tuple[Any, dict]] = []
        self._since = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, sql: Any, values: dict) -> bool:
        """Queue one insert; True when it is time to write the queue."""
        with self._lock:
            if not self._rows:
                self._since = time.monotonic()
            self._rows.append((sql, values))
            return len(self._rows) >= self.max_rows or self._overdue()

    def take(self) -> list[tuple[Any, dict]]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def give_back(self, rows: list[tuple[Any, dict]]) -> None:
        """Put back rows whose transaction failed, ahead of newer ones."""
        if rows:
            with self._lock:
                self._rows[:0] = rows
                self._since = time.monotonic() - self.max_delay

    def _overdue(self) -> bool:
        return bool(self._rows) and time.monotonic() - self._since >= self.max_delay

    def overdue(self) -> bool:
        return self._overdue()  # no lock: a stale answer only delays a write

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
            name="soe-postgres-flush",
        )
        self._thread.start()
        atexit.register(_flush_at_exit, ref)

    def stop(self) -> None:
        self._stop.set()


def write_rows(connection: Any, rows: list[tuple[Any, dict]]) -> None:
    """Queue the inserts on a connection in pipeline mode: one ``executemany`` per statement."""
    start = 0
    while start < len(rows):
        sql = rows[start][0]
        end = start
        while end < len(rows) and rows[end][0] is sql:
            end += 1
        with connection.cursor() as cursor:
            cursor.executemany(sql.text, [sql.args(values) for _sql, values in rows[start:end]])
        start = end


def _flush_when_idle(ref: weakref.ref, stop: threading.Event, delay: float) -> None:
    while not stop.wait(delay / 2):
        database = ref()
        if database is None or database.closed:
            return
        try:
            if database.deferred.overdue():
                database.flush()
        except Exception:  # keep trying; the rows stay queued
            log.exception("writing queued telemetry failed")
        del database


def _flush_at_exit(ref: weakref.ref) -> None:
    database = ref()
    if database is not None and not database.closed:
        with contextlib.suppress(Exception):
            database.flush()
