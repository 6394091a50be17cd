"""Plugin hooks: the ``sqlite`` storage URL scheme."""

from __future__ import annotations

from typing import Any

from soe_core import BackendScheme, hookimpl


def open_sqlite(url: str = "sqlite://", **options: Any) -> Any:
    # imported on first use: SQLAlchemy costs ~0.2 s, and every `soe`
    # command loads the plugins whether or not it opens a database
    from .factory import open_sqlite as open_store

    return open_store(url, **options)


@hookimpl
def soe_backends() -> list[BackendScheme]:
    return [
        BackendScheme(
            "sqlite",
            open_sqlite,
            "all six backends in one SQLite database (sqlite:///PATH, sqlite:// in memory)",
        )
    ]
