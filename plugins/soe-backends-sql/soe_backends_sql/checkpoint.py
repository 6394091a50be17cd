"""WAL checkpoints from a thread of their own, so that no node waits for the disk.

In WAL mode a commit appends its pages to the ``-wal`` file; a checkpoint
copies them into the database file and syncs both files
(``synchronous=NORMAL`` syncs only then). SQLite runs one in the commit
that takes the WAL past ``wal_autocheckpoint`` pages, and that commit waits
for the disk: with a few pages per node, a long run paid it every ~150
nodes, which made a node's cost grow with the length of the run.

Here a thread runs a PASSIVE checkpoint (it blocks neither writers nor
readers) after every :data:`EVERY` commits, and :data:`INTERVAL` seconds
after a commit that none has covered yet, while the writers' own threshold
is :data:`LIMIT` pages: they reach it only when the thread falls behind,
and then find most pages copied and synced already. So the WAL file stays
under about ``LIMIT`` pages, and a commit reaches the disk (is safe from a
power cut, not only from a crash of the process) within ``INTERVAL``
seconds or ``EVERY`` commits.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("soe.backends.sql")

EVERY = 512
"""Commits between two checkpoints: each wake-up passes the GIL to the thread and back."""
INTERVAL = 1.0
"""Seconds after which commits not checkpointed yet are, even when no more come."""
LIMIT = 10_000
"""Pages in the WAL (40 MB at 4 KiB) past which a writer checkpoints itself."""


class Checkpointer:
    """Checkpoints the WAL of one database file from a daemon thread."""

    def __init__(self, engine: Any):
        # connected here: a connection opened by the thread would hold the
        # GIL for a while in the middle of some run
        self._connection = engine.raw_connection()
        self._wake = threading.Event()
        self._stopped = False
        self._commits = 0  # since the last checkpoint; races only shift the cadence
        self._thread = threading.Thread(target=self._run, daemon=True, name="soe-sql-checkpoint")
        self._thread.start()

    def committed(self) -> None:
        """Count a write transaction; every :data:`EVERY`, wake the thread."""
        self._commits += 1
        if self._commits >= EVERY:
            self._wake.set()

    def _run(self) -> None:
        connection = self._connection
        try:
            while not self._stopped:
                self._wake.wait(INTERVAL)
                self._wake.clear()
                if self._stopped or not self._commits:
                    continue
                self._commits = 0
                try:
                    connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except Exception:  # the writers' own checkpoints still bound the WAL
                    log.exception("checkpointing the SQLite WAL failed")
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        self._thread.join()
