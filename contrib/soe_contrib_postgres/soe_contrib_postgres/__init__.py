"""PostgreSQL backends for SOE: ``postgresql://user@host:port/dbname``."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Database",
    "PgContextView",
    "PostgresBackends",
    "PostgresContextBackend",
    "PostgresContextSchemaBackend",
    "PostgresConversationHistoryBackend",
    "PostgresIdentityBackend",
    "PostgresJournal",
    "PostgresTelemetryBackend",
    "PostgresWorkflowBackend",
    "open_postgres",
]

_HOMES = {
    "Database": ".database",
    "PgContextView": ".views",
    "PostgresBackends": ".factory",
    "PostgresContextBackend": ".context",
    "PostgresContextSchemaBackend": ".others",
    "PostgresConversationHistoryBackend": ".others",
    "PostgresIdentityBackend": ".others",
    "PostgresJournal": ".journal",
    "PostgresTelemetryBackend": ".others",
    "PostgresWorkflowBackend": ".workflow",
    "open_postgres": ".factory",
}


def __getattr__(name: str) -> Any:
    """Import the heavy modules (psycopg, SQLAlchemy) only when a name is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'soe_contrib_postgres' has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)
