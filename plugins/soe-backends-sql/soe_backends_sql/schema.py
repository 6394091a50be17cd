"""The tables, in SQLAlchemy Core. Every JSON value is stored as text.

A context is spread over six tables so that every engine write is one or
two small statements, whatever the length of the histories:

``soe_contexts``
    One row per context id, so that an empty context is still listed.
``soe_context_keys``
    One row per top-level key, in the context's key order (``id``).
    ``kind`` says where the value lives: ``HISTORY`` (an ordinary field
    whose value is a list: ``length`` entries in ``soe_context_values``, the
    latest one copied in ``value``), ``RAW`` (``value`` is the JSON of the
    whole value: reserved fields, and ordinary fields that do not hold a
    list), or ``OPERATIONAL`` (``__operational__``, in the three
    ``soe_operational*`` tables).
``soe_context_values``
    One row per history entry, ``seq`` counting from 1.
``soe_operational``
    The counters of ``__operational__`` (its presence says that the
    context's ``__operational__`` lives in these tables).
``soe_operational_signals``
    One row per broadcast signal, ``seq`` counting from 1 without gaps.
``soe_operational_nodes``
    One row per node name with its run count, in first-run order.

The journal (:mod:`.journal`) keeps pending jobs in ``soe_jobs`` and
execution summaries in ``soe_executions``.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateIndex, CreateTable

HISTORY, RAW, OPERATIONAL = 0, 1, 2

metadata = MetaData()

context_keys = Table(
    "soe_context_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("execution_id", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("kind", Integer, nullable=False),
    Column("length", Integer, nullable=False, default=0),
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
    sqlite_with_rowid=False,
)

operational = Table(
    "soe_operational",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("llm_calls", Integer, nullable=False, default=0),
    Column("tool_calls", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("main_execution_id", Text),
)

operational_signals = Table(
    "soe_operational_signals",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("signal", Text, nullable=False),
    Index("ix_soe_operational_signals_signal", "execution_id", "signal"),
    sqlite_with_rowid=False,
)

operational_nodes = Table(
    "soe_operational_nodes",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("node_name", Text, primary_key=True),
    Column("count", Integer, nullable=False),
    # wall-clock ns of the first run: the order of ``nodes`` (one page per run
    # to write, where an insertion-ordered rowid table needs a second index)
    Column("first_run", Integer, nullable=False),
    sqlite_with_rowid=False,
)

workflows = Table(
    "soe_workflows",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("current_name", Text),
)
"""Read on every broadcast: kept apart from the (possibly large) registries."""

workflow_registries = Table(
    "soe_workflow_registries",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("registry", Text, nullable=False),
)

counters = Table(
    "soe_counters",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Integer, nullable=False),
)
"""Counters that survive ``cleanup_all`` (workflow versions are never reused)."""
WORKFLOW_VERSION = "workflow_version"

contexts = Table(
    "soe_contexts",
    metadata,
    Column("execution_id", Text, primary_key=True),
)
"""Every stored context, empty ones included (for ``list_context_ids``)."""

telemetry = Table(
    "soe_telemetry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("execution_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("timestamp", Text),
    Column("event", Text, nullable=False),
    Index("ix_soe_telemetry_execution", "execution_id", "id"),
)

conversations = Table(
    "soe_conversations",
    metadata,
    Column("id", Integer, primary_key=True),
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

jobs = Table(
    "soe_jobs",
    metadata,
    # AUTOINCREMENT: an id is never reused, not even after its row is deleted
    Column("id", Integer, primary_key=True),
    Column("tree", Text, nullable=False),
    Column("batch", Integer, nullable=False),
    Column("execution_id", Text, nullable=False),
    Column("job", Text, nullable=False),
    Index("ix_soe_jobs_tree", "tree", "id"),
    sqlite_autoincrement=True,
)
"""The journal's pending jobs (see :mod:`.journal`)."""

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
"""The journal's execution summaries."""


def create_tables(database) -> None:
    """Create missing tables and indexes in one write transaction.

    ``IF NOT EXISTS`` inside ``BEGIN IMMEDIATE`` lets several processes open
    a new database file at the same time.
    """
    engine: Engine = database.engine
    statements = []
    for table in metadata.sorted_tables:
        statements.append(CreateTable(table, if_not_exists=True))
        statements.extend(CreateIndex(index, if_not_exists=True) for index in table.indexes)
    with database.write() as connection:
        for statement in statements:
            connection.execute(str(statement.compile(dialect=engine.dialect)))
        seed = database.compile(
            sqlite_insert(counters).values(name=WORKFLOW_VERSION, value=0).on_conflict_do_nothing()
        )
        connection.execute(seed.text, seed.args({}))
