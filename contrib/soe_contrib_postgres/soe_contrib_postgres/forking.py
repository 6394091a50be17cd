"""A store opened before ``fork()``: the child process gets its own connections.

A forked child inherits the parent's sockets. Were it to use one, or just
close it (a ROLLBACK when a connection goes back to the pool, a Terminate
message when psycopg collects it), it would talk over the parent's
session. After a fork, every open :class:`~.database.Database` therefore
points its inherited sockets at ``/dev/null`` in the child and starts a new
pool (Celery's prefork workers, ``multiprocessing`` with fork).
"""

from __future__ import annotations

import contextlib
import os
import weakref
from typing import Any

_databases: weakref.WeakSet = weakref.WeakSet()


def track(database: Any) -> None:
    _databases.add(database)


def silence(connection: Any) -> None:
    """Make an inherited connection harmless: its socket becomes ``/dev/null``."""
    with contextlib.suppress(Exception):
        if not connection.closed:
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, connection.pgconn.socket)
            finally:
                os.close(null)


def _after_fork_in_child() -> None:
    for database in list(_databases):
        database.after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
