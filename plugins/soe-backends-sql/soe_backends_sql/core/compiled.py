"""SQLAlchemy Core statements compiled once for a dialect (:class:`Sql`).

The stores run the compiled text on DBAPI connections themselves: a node
run issues about ten small statements, and SQLAlchemy's per-execution
machinery would cost more than the database does.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any


class Sql:
    """A Core statement compiled once; ``sql.args(values)`` gives the driver's parameters.

    ``values`` is a dict of named values (extra names are ignored). A
    positional dialect (SQLite's ``?``) gets a tuple in placeholder order,
    a named one (psycopg's ``%(name)s``) a dict.
    """

    __slots__ = ("text", "args")

    def __init__(self, statement: Any, dialect: Any):
        compiled = statement.compile(dialect=dialect)
        self.text = str(compiled)
        binds = getattr(compiled, "binds", None) or {}  # DDL has none
        # literals written in the statement (``kind=1``) are parameters too; the
        # names rendered are those of compiled.params (binds also holds internal ones)
        fixed = {
            name: binds[name].effective_value
            for name in getattr(compiled, "params", None) or ()
            if name in binds and not binds[name].required
        }
        if not dialect.positional:
            self.args: Callable[[dict], Any] = (
                (lambda values: fixed | values) if fixed else (lambda values: values)
            )
            return
        names = tuple(getattr(compiled, "positiontup", None) or ())
        if not names:
            self.args = lambda values: ()
        elif len(names) == 1:
            name = names[0]
            self.args = (
                (lambda values: (fixed[name],)) if fixed else (lambda values: (values[name],))
            )
        else:
            getter = operator.itemgetter(*names)
            self.args = (lambda values: getter(fixed | values)) if fixed else getter
