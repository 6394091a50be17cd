"""The PostgreSQL tables: the shared ones (``soe_backends_sql.core.schema``) and its own.

Ids and counters are ``BIGINT``, auto-numbered columns ``IDENTITY``, and
``soe_operational`` keeps the number of signals (see
:class:`soe_backends_sql.core.schema.Tables`). Workflow versions come from
the ``soe_workflow_versions`` sequence; the journal (``soe_journal``,
``soe_executions``) is described in :mod:`soe_contrib_postgres.journal`.
"""

from __future__ import annotations

from typing import Any

from soe_backends_sql.core.schema import Tables
from sqlalchemy import (
    BigInteger,
    Column,
    Identity,
    Index,
    MetaData,
    Sequence,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import CreateIndex, CreateSequence, CreateTable

LOCK_CLASS = 0x50E
"""First key of every advisory lock this store takes (the second is a hash of the id)."""

metadata = MetaData()
tables = Tables(metadata, BigInteger, identity=True, signal_count=True)

workflow_versions = Sequence("soe_workflow_versions", metadata=metadata)
"""Every save of a registry or current name takes the next value: never reused."""

journal_ids = Sequence("soe_journal_ids", metadata=metadata)

journal = Table(
    "soe_journal",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("batch", BigInteger, nullable=False),
    Column("main_id", Text, nullable=False),
    Column("execution_id", Text, nullable=False),
    Column("job", Text, nullable=False),
    Index("ix_soe_journal_main", "main_id", "id"),
    Index("ix_soe_journal_execution", "execution_id"),
)

executions = Table(
    "soe_executions",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("position", BigInteger, Identity(), nullable=False),  # ties of ``created``
    Column("record", JSONB, nullable=False),
)


def create_tables(db: Any) -> None:
    """Create what is missing, under an advisory lock: many processes may open at once."""
    sequences = (workflow_versions, journal_ids)
    names = [table.name for table in metadata.sorted_tables] + [seq.name for seq in sequences]
    # to_regclass is NULL for a missing relation: a quick look saves the DDL round trips
    with db.connection() as connection:
        present = connection.execute(
            "SELECT count(to_regclass(name)) FROM unnest(%s::text[]) AS name", (names,)
        ).fetchone()[0]
    if present == len(names):
        return
    statements = [CreateSequence(sequence, if_not_exists=True) for sequence in sequences]
    for table in metadata.sorted_tables:
        statements.append(CreateTable(table, if_not_exists=True))
        statements.extend(CreateIndex(index, if_not_exists=True) for index in table.indexes)
    with db.write():
        db.execute(db.compile(select(func.pg_advisory_xact_lock(LOCK_CLASS + 1, 0))))
        for statement in statements:
            db.execute(db.compile(statement))
