"""A real PostgreSQL server for the session, and an emptied database per test.

Without the server binaries (found as described in
:func:`soe_contrib_postgres.testing.find_bindir`; ``SOE_POSTGRES_BINDIR``
names them explicitly) the tests are skipped, unless
``SOE_REQUIRE_POSTGRES=1`` (set by CI), which makes them fail instead.
"""

from __future__ import annotations

import itertools
import os

import psycopg
import pytest
from soe_contrib_postgres.factory import open_postgres
from soe_contrib_postgres.schema import metadata
from soe_contrib_postgres.testing import PostgresUnavailable, TemporaryPostgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server():
    try:
        server = TemporaryPostgres().start()
    except PostgresUnavailable as exc:
        if os.environ.get("SOE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"SOE_REQUIRE_POSTGRES=1 but PostgreSQL cannot start: {exc}", False)
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _tests_database(postgres_server):
    url = postgres_server.create_database("soe_tests")
    open_postgres(url).close()  # creates the tables
    return url


@pytest.fixture
def postgres_url(_tests_database):
    """The URL of a database holding the SOE tables, all empty (faster than CREATE DATABASE)."""
    with psycopg.connect(_tests_database, autocommit=True) as connection:
        connection.execute("SET lock_timeout = '20s'")
        with connection.transaction():
            for table in metadata.sorted_tables:
                connection.execute(f"DELETE FROM {table.name}")
    return _tests_database


@pytest.fixture
def new_database(postgres_server):
    """``new_database()``: the URL of a brand-new empty database (no tables yet)."""
    names: list[str] = []

    def create() -> str:
        names.append(f"soe_new_{os.getpid()}_{next(_names)}")
        return postgres_server.create_database(names[-1])

    yield create
    for name in names:
        postgres_server.drop_database(name)
