"""Plugin hooks: the ``postgresql`` storage URL schemes."""

from __future__ import annotations

from typing import Any

from soe_core import BackendScheme, hookimpl

_DESCRIPTION = "all six backends and the journal in PostgreSQL (psycopg 3), for many workers"


def open_postgres(url: str, **options: Any) -> Any:
    # imported on first use: psycopg and SQLAlchemy cost ~0.4 s, and every
    # `soe` command loads the plugins whether or not it opens PostgreSQL
    from .factory import open_postgres as open_store

    return open_store(url, **options)


@hookimpl
def soe_backends() -> list[BackendScheme]:
    return [
        BackendScheme("postgresql", open_postgres, _DESCRIPTION),
        BackendScheme("postgresql+psycopg", open_postgres, _DESCRIPTION),
    ]
