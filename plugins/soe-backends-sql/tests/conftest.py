"""A fresh SQLite file per test: ``db_url`` names it, ``backends`` opens it."""

from __future__ import annotations

import pytest
from soe_backends_sql import open_sqlite


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'soe.db'}"


@pytest.fixture
def backends(db_url):
    opened = open_sqlite(db_url)
    yield opened
    opened.close()
