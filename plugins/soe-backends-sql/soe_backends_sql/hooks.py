"""Plugin hooks: the ``sqlite`` storage URL scheme."""

from __future__ import annotations

from soe_core import BackendScheme, hookimpl

from .factory import open_sqlite


@hookimpl
def soe_backends() -> list[BackendScheme]:
    return [
        BackendScheme(
            "sqlite",
            open_sqlite,
            "all six backends in one SQLite database (sqlite:///PATH, sqlite:// in memory)",
        )
    ]
