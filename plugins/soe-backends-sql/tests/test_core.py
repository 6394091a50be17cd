"""The dialect-neutral core (``soe_backends_sql.core``): JSON text and compiled statements."""

from __future__ import annotations

import datetime
import json
import sqlite3

import pytest
from soe_backends_sql import open_sqlite
from soe_backends_sql.core.codec import dumps, loads
from soe_backends_sql.core.compiled import Sql
from sqlalchemy import bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite


@pytest.mark.parametrize(
    "value",
    [
        'é\n"x',
        "",
        0,
        1.5,
        1e300,
        float("nan"),
        None,
        True,
        [1, [2, {"a": "ü"}]],
        {"k": datetime.datetime(2024, 1, 2), 1: 2, None: 3, 2.5: "x"},
        (1, "2"),
        {"context": {"node_name": "N1", "signals": ["A"]}},
    ],
)
def test_dumps_writes_what_json_dumps_writes(value):
    """Every SOE store writes the same JSON text (values JSON lacks become their ``str``)."""
    expected = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    assert dumps(value) == expected


def test_dumps_reports_a_cycle_and_keeps_working():
    looped: list = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        dumps(looped)
    assert loads(dumps({"x": [1]})) == {"x": [1]}


def test_a_statement_compiles_for_positional_and_named_drivers():
    statement = select(bindparam("b"), literal(7), bindparam("a"))
    positional = Sql(statement, sqlite.dialect())
    assert positional.text.count("?") == 3
    assert positional.args({"a": 1, "b": 2, "unused": 3}) == (2, 7, 1)
    named = Sql(statement, postgresql.psycopg.dialect())
    assert "%(b)s" in named.text and "%(a)s" in named.text
    assert named.args({"a": 1, "b": 2}) == {"a": 1, "b": 2, "param_1": 7}


def test_opening_drops_the_jobs_index_of_earlier_versions(tmp_path):
    """Pending jobs are only the frontier: no index by tree, one page less per node."""
    path = tmp_path / "old.db"
    open_sqlite(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE INDEX ix_soe_jobs_tree ON soe_jobs (tree, id)")
    with open_sqlite(f"sqlite:///{path}") as backends:
        (job,) = backends.journal.commit("tree", None, [("e", {"n": 1})])
        assert backends.journal.job("tree", job).job == {"n": 1}
    with sqlite3.connect(path) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "ix_soe_jobs_tree" not in names
