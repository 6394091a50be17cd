"""SQL backends for SOE on SQLAlchemy 2: ``sqlite:///PATH`` and ``sqlite://``."""

from __future__ import annotations

from .context import SqlContextBackend
from .database import Database
from .engine import make_engine
from .factory import SqlBackends, open_sqlite
from .journal import SqlJournal
from .others import (
    SqlContextSchemaBackend,
    SqlConversationHistoryBackend,
    SqlIdentityBackend,
    SqlTelemetryBackend,
)
from .views import SqlContextView, SqlHistory, SqlNodes, SqlOperational, SqlSignals
from .workflow import SqlWorkflowBackend

__version__ = "0.1.0"

__all__ = [
    "Database",
    "SqlBackends",
    "SqlContextBackend",
    "SqlContextSchemaBackend",
    "SqlContextView",
    "SqlConversationHistoryBackend",
    "SqlHistory",
    "SqlIdentityBackend",
    "SqlJournal",
    "SqlNodes",
    "SqlOperational",
    "SqlSignals",
    "SqlTelemetryBackend",
    "SqlWorkflowBackend",
    "make_engine",
    "open_sqlite",
]
