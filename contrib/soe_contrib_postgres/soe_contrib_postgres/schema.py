"""The tables, in SQLAlchemy Core; JSON values are stored as text (key order kept).

The layout follows the SQLite store (``soe_backends_sql.schema``): a context
is spread over rows so that each engine write touches a few rows whatever
the length of the histories.

``soe_contexts``
    One row per context id, so that an empty context is still listed.
``soe_context_keys``
    One row per top-level key, in key order (``id``). ``kind``: ``HISTORY``
    (an ordinary field holding a list: ``length`` rows in
    ``soe_context_values``, the latest copied in ``value``), ``RAW``
    (``value`` is the JSON of the whole value) or ``OPERATIONAL``.
``soe_context_values``
    One row per history entry, ``seq`` counting from 1.
``soe_operational``
    The counters of ``__operational__`` and its number of ``signals``.
``soe_operational_signals``, ``soe_operational_nodes``
    One row per broadcast signal; one per node name with its run count.

The journal (``soe_journal``, ``soe_executions``) is described in
:mod:`soe_contrib_postgres.journal`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import CreateIndex, CreateSequence, CreateTable

from .compiled import DIALECT, Sql
from .database import Database

HISTORY, RAW, OPERATIONAL = 0, 1, 2
LOCK_CLASS = 0x50E
"""First key of every advisory lock this store takes (the second is a hash of the id)."""

metadata = MetaData()

contexts = Table("soe_contexts", metadata, Column("execution_id", Text, primary_key=True))

context_keys = Table(
    "soe_context_keys",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("execution_id", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("kind", Integer, nullable=False),
    Column("length", Integer, nullable=False),
    Column("value", Text),
    UniqueConstraint("execution_id", "key", name="uq_soe_context_keys"),
    Index("ix_soe_context_keys_order", "execution_id", "id"),
)

context_values = Table(
    "soe_context_values",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("value", Text),
)

operational = Table(
    "soe_operational",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("llm_calls", BigInteger, nullable=False),
    Column("tool_calls", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("main_execution_id", Text),
    Column("signals", Integer, nullable=False),
)

operational_signals = Table(
    "soe_operational_signals",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("signal", Text, nullable=False),
    Index("ix_soe_operational_signals_signal", "execution_id", "signal"),
)

operational_nodes = Table(
    "soe_operational_nodes",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("node_name", Text, primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("first_run", BigInteger, Identity(), nullable=False),  # the order of ``nodes``
)

workflow_versions = Sequence("soe_workflow_versions", metadata=metadata)
"""Every save of a registry or current name takes the next value: never reused."""

workflows = Table(
    "soe_workflows",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("current_name", Text),
)
"""Read on every broadcast: kept apart from the (possibly large) registries."""

workflow_registries = Table(
    "soe_workflow_registries",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("registry", Text, nullable=False),
)

telemetry = Table(
    "soe_telemetry",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("execution_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("timestamp", Text),
    Column("event", Text, nullable=False),
    Index("ix_soe_telemetry_execution", "execution_id", "id"),
)

conversations = Table(
    "soe_conversations",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("conversation_key", Text, nullable=False),
    Column("entry", Text, nullable=False),
    Index("ix_soe_conversations_key", "conversation_key", "id"),
)

context_schemas = Table(
    "soe_context_schemas",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("schema", Text, nullable=False),
)

identities = Table(
    "soe_identities",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("identities", Text, nullable=False),
)

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


def create_tables(db: Database) -> None:
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
    statements = [
        CreateSequence(sequence, if_not_exists=True)
        for sequence in (workflow_versions, journal_ids)
    ]
    for table in metadata.sorted_tables:
        statements.append(CreateTable(table, if_not_exists=True))
        statements.extend(CreateIndex(index, if_not_exists=True) for index in table.indexes)
    with db.write(), db.connection() as connection:
        db.execute(Sql(select(func.pg_advisory_xact_lock(LOCK_CLASS + 1, 0))))
        for statement in statements:
            connection.execute(str(statement.compile(dialect=DIALECT)))
