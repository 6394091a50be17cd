"""The dialect-neutral core of the SQL stores (SQLite here, PostgreSQL in soe-contrib-postgres).

The tables, the context backend (rows, diffs, lazy views), telemetry,
conversations, schemas, identities and the workflow backend's reads are
written once, in SQLAlchemy Core, and compiled for a dialect. A dialect
plugin brings the rest: its *database* object and the statements that
depend on its locking (the per-node context writes, workflow saves, the
journal). The core calls the database through this interface only:

``compile(statement) -> Sql``
    the statement compiled once for the dialect (:mod:`.compiled`)
``execute(sql, values=None) -> int``
    a write, in the calling thread's transaction if one is open, else
    atomic on its own; returns the row count
``fetchone(sql, values=None)``, ``fetchall(sql, values=None)``
    a read, or a write with RETURNING inside ``write()``
``executemany(sql, rows)``
    one statement per dict of ``rows``
``write()``, ``snapshot()``
    context managers: a transaction (a savepoint when nested in the same
    thread), and several reads that see one state of the database
``log_row(sql, values)``, ``flush()``
    an insert that may wait to ride along with a later commit (telemetry,
    :mod:`.deferred`), and writing those now

Nothing here imports a driver; importing this package imports SQLAlchemy.
"""
