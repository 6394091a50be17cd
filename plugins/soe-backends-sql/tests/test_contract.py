"""The kernel's backend and journal contracts on SQLite: a file in tmp_path, and in memory."""

from __future__ import annotations

from soe_backends_sql import open_sqlite

from soe_core.backend_contract import BackendContract, JournalContract


class TestSqliteFileContract(BackendContract):
    def make_backends(self, tmp_path):
        return open_sqlite(f"sqlite:///{tmp_path / 'soe.db'}")


class TestSqliteMemoryContract(BackendContract):
    def make_backends(self, tmp_path):
        return open_sqlite("sqlite://")


class TestSqliteFileJournalContract(JournalContract):
    def make_backends(self, tmp_path):
        return open_sqlite(f"sqlite:///{tmp_path / 'soe.db'}")


class TestSqliteMemoryJournalContract(JournalContract):
    def make_backends(self, tmp_path):
        return open_sqlite("sqlite://")
