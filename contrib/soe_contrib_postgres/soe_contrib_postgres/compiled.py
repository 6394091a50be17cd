"""SQLAlchemy Core statements compiled once for the psycopg dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

DIALECT = psycopg_dialect.dialect()


class Sql:
    """A Core statement compiled once; run it with named parameters."""

    __slots__ = ("text", "fixed")

    def __init__(self, statement: Any):
        compiled = statement.compile(dialect=DIALECT)
        self.text = str(compiled)
        required = {bind.key for bind in compiled.binds.values() if bind.required}
        # literals written in the statement (``kind=1``) are parameters too
        self.fixed = {name: v for name, v in compiled.params.items() if name not in required}

    def args(self, values: dict) -> dict:
        return self.fixed | values if self.fixed else values
