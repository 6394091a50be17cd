"""The kernel's backend contract on the memory and file backends."""

from __future__ import annotations

from soe_backends_local import open_files, open_memory

from soe_core.backend_contract import BackendContract, JournalContract


class TestMemoryContract(BackendContract):
    def make_backends(self, tmp_path):
        return open_memory("memory://")


class TestFileContract(BackendContract):
    def make_backends(self, tmp_path):
        return open_files(f"file://{tmp_path / 'data'}")


class TestMemoryJournalContract(JournalContract):
    def make_backends(self, tmp_path):
        return open_memory("memory://?journal=1")


class TestFileJournalContract(JournalContract):
    def make_backends(self, tmp_path):
        return open_files(f"file://{tmp_path / 'data'}")
