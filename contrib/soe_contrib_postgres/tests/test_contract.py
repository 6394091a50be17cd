"""The kernel's backend contract (CORE-87..CORE-91) on PostgreSQL, one fresh database per test."""

from __future__ import annotations

import pytest
from soe_contrib_postgres.factory import open_postgres

from soe_core import backend_contract
from soe_core.backend_contract import BackendContract


class TestPostgresContract(BackendContract):
    @pytest.fixture(autouse=True)
    def _database(self, postgres_url):
        self.url = postgres_url

    def make_backends(self, tmp_path):
        return open_postgres(self.url)


JournalContract = getattr(backend_contract, "JournalContract", None)
if JournalContract is not None:

    class TestPostgresJournalContract(JournalContract):
        @pytest.fixture(autouse=True)
        def _database(self, postgres_url):
            self.url = postgres_url

        def make_backends(self, tmp_path):
            return open_postgres(self.url)
