"""The tables every SQL store shares, in SQLAlchemy Core. JSON values are stored as text.

A context is spread over rows so that each write the engine makes for a
node touches a few rows, whatever the length of the histories:

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

Then the workflow backend's ``soe_workflows`` and ``soe_workflow_registries``,
and one table per optional backend. Each dialect adds its own tables (the
journal, workflow version numbers) to the same ``MetaData``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Identity, Index, Integer, MetaData, Table, Text, UniqueConstraint

HISTORY, RAW, OPERATIONAL = 0, 1, 2


class Tables:
    """The shared tables of one dialect, as attributes (``tables.context_keys``...).

    ``number`` is the type of ids and counters (SQLite's ``INTEGER PRIMARY
    KEY`` is the rowid; PostgreSQL wants ``BIGINT``). With ``identity``,
    auto-numbered columns are ``IDENTITY`` columns (PostgreSQL); without,
    the database numbers rowids itself and a node's first run is a clock
    reading written by the store (SQLite). With ``signal_count``,
    ``soe_operational`` keeps the number of signals, which concurrent
    appends bump under its row lock (PostgreSQL); SQLite's single writer
    counts them with ``max(seq)``.
    """

    def __init__(self, metadata: MetaData, number: Any, identity: bool, signal_count: bool):
        def auto(name: str, **options: Any) -> Column:
            return Column(name, number, *([Identity()] if identity else []), **options)

        self.metadata = metadata
        self.contexts = Table(
            "soe_contexts", metadata, Column("execution_id", Text, primary_key=True)
        )
        self.context_keys = Table(
            "soe_context_keys",
            metadata,
            auto("id", primary_key=True),
            Column("execution_id", Text, nullable=False),
            Column("key", Text, nullable=False),
            Column("kind", Integer, nullable=False),
            Column("length", Integer, nullable=False),
            Column("value", Text),
            UniqueConstraint("execution_id", "key", name="uq_soe_context_keys"),
            Index("ix_soe_context_keys_order", "execution_id", "id"),
        )
        self.context_values = Table(
            "soe_context_values",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("field", Text, primary_key=True),
            Column("seq", Integer, primary_key=True),
            Column("value", Text),
            sqlite_with_rowid=False,
        )
        self.operational = Table(
            "soe_operational",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("llm_calls", number, nullable=False),
            Column("tool_calls", number, nullable=False),
            Column("errors", number, nullable=False),
            Column("main_execution_id", Text),
            *([Column("signals", Integer, nullable=False)] if signal_count else []),
        )
        self.operational_signals = Table(
            "soe_operational_signals",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("seq", Integer, primary_key=True),
            Column("signal", Text, nullable=False),
            Index("ix_soe_operational_signals_signal", "execution_id", "signal"),
            sqlite_with_rowid=False,
        )
        self.operational_nodes = Table(
            "soe_operational_nodes",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("node_name", Text, primary_key=True),
            Column("count", number, nullable=False),
            # the order of ``nodes``; a clock reading on SQLite (one page per run
            # to write, where an insertion-ordered rowid table needs a second index)
            auto("first_run", nullable=False),
            sqlite_with_rowid=False,
        )
        self.workflows = Table(
            "soe_workflows",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("version", number, nullable=False),
            Column("current_name", Text),
        )
        """Read on every broadcast: kept apart from the (possibly large) registries."""
        self.workflow_registries = Table(
            "soe_workflow_registries",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("registry", Text, nullable=False),
        )
        self.telemetry = Table(
            "soe_telemetry",
            metadata,
            auto("id", primary_key=True),
            Column("execution_id", Text, nullable=False),
            Column("event_type", Text, nullable=False),
            Column("timestamp", Text),
            Column("event", Text, nullable=False),
            Index("ix_soe_telemetry_execution", "execution_id", "id"),
        )
        self.conversations = Table(
            "soe_conversations",
            metadata,
            auto("id", primary_key=True),
            Column("conversation_key", Text, nullable=False),
            Column("entry", Text, nullable=False),
            Index("ix_soe_conversations_key", "conversation_key", "id"),
        )
        self.context_schemas = Table(
            "soe_context_schemas",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("schema", Text, nullable=False),
        )
        self.identities = Table(
            "soe_identities",
            metadata,
            Column("execution_id", Text, primary_key=True),
            Column("identities", Text, nullable=False),
        )

    @property
    def counts_signals(self) -> bool:
        return "signals" in self.operational.c

    @property
    def numbers_first_runs(self) -> bool:
        """Whether the database numbers ``first_run`` itself (else the store writes a clock)."""
        return self.operational_nodes.c.first_run.identity is not None
