"""One thread's transaction: lazy BEGIN, savepoints, COMMIT with queued rows.

``BEGIN`` waits for the transaction's first statement (a transaction that
sends none costs nothing); rows logged inside it (telemetry) are sent in
one pipeline with its ``COMMIT`` and vanish if it rolls back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from soe_backends_sql.core.deferred import DeferredRows, write_rows


class Lease:
    """A pooled connection held by one thread, and the state of its transaction."""

    __slots__ = ("fairy", "connection", "depth", "begun", "rows", "taken")

    def __init__(self, fairy: Any):
        self.fairy = fairy
        self.connection: psycopg.Connection = fairy.dbapi_connection
        self.depth = 0
        self.begun = False  # BEGIN sent (it waits for the first statement)
        self.rows: list = []  # rows logged in the open transaction
        self.taken: list = []  # queued rows written with it (given back on rollback)


def begin(lease: Lease) -> None:
    if not lease.begun:
        lease.begun = True
        lease.connection.execute("BEGIN")


@contextlib.contextmanager
def savepoint(deferred: DeferredRows, lease: Lease) -> Iterator[None]:
    """The body of a nested ``write()``: its failure undoes only its own writes."""
    begin(lease)
    connection = lease.connection
    name = f"soe_{lease.depth}"
    connection.execute(f"SAVEPOINT {name}")
    marks = len(lease.rows), len(lease.taken)
    lease.depth += 1
    try:
        yield
    except BaseException:
        if not connection.broken:
            connection.execute(f"ROLLBACK TO SAVEPOINT {name}")
            connection.execute(f"RELEASE SAVEPOINT {name}")
        del lease.rows[marks[0] :]
        deferred.give_back(lease.taken[marks[1] :])
        del lease.taken[marks[1] :]
        raise
    else:
        connection.execute(f"RELEASE SAVEPOINT {name}")
    finally:
        lease.depth -= 1


def commit(deferred: DeferredRows, lease: Lease) -> None:
    # queued rows ride along with a transaction that is sent anyway
    taken = deferred.take() if lease.begun or deferred.overdue() else []
    rows = lease.rows + taken
    lease.taken += taken
    if not lease.begun and not rows:
        return  # nothing was sent: nothing to commit
    try:
        send(lease.connection, rows, with_begin=not lease.begun)
    except BaseException:
        deferred.give_back(lease.taken)
        raise


def rollback(deferred: DeferredRows, lease: Lease) -> None:
    deferred.give_back(lease.taken)
    if lease.begun:
        with contextlib.suppress(psycopg.Error):
            lease.connection.execute("ROLLBACK")


def send(connection: psycopg.Connection, rows: list, with_begin: bool) -> None:
    """Rows and COMMIT (after BEGIN if ``with_begin``), in one round trip when there are rows."""
    try:
        if not rows:  # on loopback a pipeline costs more CPU than the round trip it saves
            connection.execute("COMMIT")
            return
        with connection.pipeline():
            if with_begin:
                connection.execute("BEGIN")
            insert_rows(connection, rows)
            connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(psycopg.Error):
            connection.execute("ROLLBACK")
        raise


def insert_rows(connection: psycopg.Connection, rows: list) -> None:
    """Queued ``(sql, args)`` inserts: one ``executemany`` per run of the same statement."""
    with connection.cursor() as cursor:
        write_rows(cursor.executemany, rows)
