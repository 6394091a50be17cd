"""Opening ``postgresql://`` URLs: all six backends and the journal over one pool."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from soe_backends_sql.core.container import Backends
from soe_backends_sql.core.deferred import DeferredRows

from .context import PostgresContextBackend
from .database import Database
from .journal import PostgresJournal
from .schema import create_tables
from .workflow import PostgresWorkflowBackend

OPTIONAL = ("telemetry", "conversation_history", "context_schema", "identity")
POOL_OPTIONS = {
    "pool_size": int,
    "max_overflow": int,
    "pool_timeout": float,
    "telemetry_delay": float,
}
DEFAULTS = {"pool_size": 10, "max_overflow": 20, "pool_timeout": 30.0, "telemetry_delay": 0.2}


class PostgresBackends(Backends):
    """The six PostgreSQL backends plus ``journal``; ``close()`` closes the pool."""

    context_class = PostgresContextBackend
    workflow_class = PostgresWorkflowBackend
    journal_class = PostgresJournal


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """``(libpq URL, SOE options)``: SOE's query options are taken out of the URL.

    ``postgresql+psycopg://`` is accepted as a synonym (SQLAlchemy's spelling).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"expected a postgresql:// URL, got {url!r}")
    ours: dict[str, str] = {}
    libpq: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        (ours.__setitem__(name, value) if name in POOL_OPTIONS or name in OPTIONAL
         else libpq.append((name, value)))  # fmt: skip
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(libpq), ""))
    try:
        conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        names = ", ".join([*POOL_OPTIONS, *OPTIONAL])
        problem = str(exc).strip()
        raise ValueError(
            f"bad PostgreSQL URL {url!r}: {problem} (SOE options: {names}; others go to libpq)"
        ) from None
    return conninfo, ours


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


def open_postgres(url: str, **options: Any) -> PostgresBackends:
    """Open ``postgresql://user:password@host:port/dbname?pool_size=10&...``.

    Tables are created when missing. Options, in the URL query or as
    keywords (keywords win): ``pool_size`` (connections kept open, default
    10), ``max_overflow`` (extra connections allowed beyond it, default 20),
    ``pool_timeout`` (seconds a thread waits for a connection, default 30),
    ``telemetry_delay`` (seconds a queued event may wait, default 0.2; 0
    inserts each event at once), and ``telemetry=False`` (likewise ``conversation_history``,
    ``context_schema``, ``identity``) to turn an optional backend off. Other
    query parameters (``sslmode``, ``connect_timeout``, ``options``...) go to
    libpq unchanged.
    """
    conninfo, from_url = split_url(url)
    merged = {**from_url, **options}
    unknown = set(merged) - set(POOL_OPTIONS) - set(OPTIONAL)
    if unknown:
        raise TypeError(
            f"unknown option(s) for postgresql://: {', '.join(sorted(unknown))}; expected "
            f"{', '.join([*POOL_OPTIONS, *OPTIONAL])}"
        )
    pool = {name: kind(merged.get(name, DEFAULTS[name])) for name, kind in POOL_OPTIONS.items()}
    enabled = {name: _flag(merged[name]) for name in OPTIONAL if name in merged}
    delay = pool.pop("telemetry_delay")
    deferred = DeferredRows(max_delay=delay, max_rows=1000)
    database = Database(conninfo, **pool, deferred=deferred)
    try:
        create_tables(database)
    except BaseException:
        database.close()
        raise
    return PostgresBackends(database, **enabled)
