"""PostgreSQL backends for SOE: ``postgresql://user@host:port/dbname``.

Built on the dialect-neutral core of soe-backends-sql
(``soe_backends_sql.core``); this distribution adds what is PostgreSQL's
own: the psycopg pool and transactions, advisory locks, the journal,
forking.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_OTHERS = "soe_backends_sql.core.others"
_HOMES = {
    "Database": (".database", "Database"),
    "PgContextView": ("soe_backends_sql.core.views", "SqlContextView"),
    "PostgresBackends": (".factory", "PostgresBackends"),
    "PostgresContextBackend": (".context", "PostgresContextBackend"),
    "PostgresContextSchemaBackend": (_OTHERS, "SqlContextSchemaBackend"),
    "PostgresConversationHistoryBackend": (_OTHERS, "SqlConversationHistoryBackend"),
    "PostgresIdentityBackend": (_OTHERS, "SqlIdentityBackend"),
    "PostgresJournal": (".journal", "PostgresJournal"),
    "PostgresTelemetryBackend": (_OTHERS, "SqlTelemetryBackend"),
    "PostgresWorkflowBackend": (".workflow", "PostgresWorkflowBackend"),
    "open_postgres": (".factory", "open_postgres"),
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import the heavy modules (psycopg, SQLAlchemy) only when a name is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'soe_contrib_postgres' has no attribute {name!r}")
    module, attribute = home
    return getattr(importlib.import_module(module, __name__), attribute)
