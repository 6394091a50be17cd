"""SQL backends for SOE on SQLAlchemy 2: ``sqlite:///PATH`` and ``sqlite://``.

:mod:`soe_backends_sql.core` is the dialect-neutral part (tables, context
rows and views, telemetry...), which soe-contrib-postgres shares.
"""

from __future__ import annotations

from soe_core.lazy import lazy_attributes

__version__ = "0.1.0"

_HOMES = {
    "Database": ".database",
    "SqlBackends": ".factory",
    "SqlContextBackend": ".context",
    "SqlContextSchemaBackend": ".core.others",
    "SqlContextView": ".core.views",
    "SqlConversationHistoryBackend": ".core.others",
    "SqlHistory": ".core.views",
    "SqlIdentityBackend": ".core.others",
    "SqlJournal": ".journal",
    "SqlNodes": ".core.views",
    "SqlOperational": ".core.views",
    "SqlSignals": ".core.views",
    "SqlTelemetryBackend": ".core.others",
    "SqlWorkflowBackend": ".workflow",
    "make_engine": ".engine",
    "open_sqlite": ".factory",
}

__all__ = sorted(_HOMES)


__getattr__ = lazy_attributes(__name__, _HOMES)
