"""The SQLite tables: the shared ones (:mod:`.core.schema`) and SQLite's own.

``soe_counters`` holds counters that survive ``cleanup_all`` (workflow
versions are never reused); the journal (:mod:`.journal`) keeps pending
jobs in ``soe_jobs`` and execution summaries in ``soe_executions``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, Table, Text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.schema import CreateIndex, CreateTable

from .core.schema import Tables

metadata = MetaData()
tables = Tables(metadata, Integer, identity=False, signal_count=False)

counters = Table(
    "soe_counters",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Integer, nullable=False),
)
WORKFLOW_VERSION = "workflow_version"

jobs = Table(
    "soe_jobs",
    metadata,
    # AUTOINCREMENT: an id is never reused, not even after its row is deleted
    Column("id", Integer, primary_key=True),
    Column("tree", Text, nullable=False),
    Column("batch", Integer, nullable=False),
    Column("execution_id", Text, nullable=False),
    Column("job", Text, nullable=False),
    sqlite_autoincrement=True,
)
"""Pending jobs: only the frontier of unfinished work, so no index but the id.

Every node adds and removes a row; an index on ``tree`` would be one more
page written per node, for the few reads by tree (at the end of a run,
``soe resume``), which scan these few rows instead.
"""

executions = Table(
    "soe_executions",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("main_execution_id", Text),
    Column("parent_execution_id", Text),
    Column("workflow", Text),
    Column("status", Text),
    Column("error", Text),
    Column("created", Text),
    Column("updated", Text),
    Index("ix_soe_executions_created", "created"),
)


def create_tables(database: Any) -> None:
    """Create missing tables and indexes in one write transaction.

    ``IF NOT EXISTS`` inside ``BEGIN IMMEDIATE`` lets several processes open
    a new database file at the same time.
    """
    statements = []
    for table in metadata.sorted_tables:
        statements.append(CreateTable(table, if_not_exists=True))
        statements.extend(CreateIndex(index, if_not_exists=True) for index in table.indexes)
    statements.append(
        sqlite_insert(counters).values(name=WORKFLOW_VERSION, value=0).on_conflict_do_nothing()
    )
    with database.write() as connection:
        for statement in statements:
            database.execute(database.compile(statement))
        connection.execute("DROP INDEX IF EXISTS ix_soe_jobs_tree")  # made by earlier versions
