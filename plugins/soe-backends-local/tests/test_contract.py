"""The kernel's backend contract on the memory and file backends."""

from __future__ import annotations

from soe_backends_local import open_files, open_memory

from soe_core.backend_contract import BackendContract, JournalContract


class TestMemoryContract(BackendContract):
    def make_backends(self, tmp_path):
        return open_memory("memory://")


class TestFileContract(BackendContract):
    appends_per_thread = 150  # one JSON file per context, rewritten per append

    def make_backends(self, tmp_path):
        return open_files(f"file://{tmp_path / 'data'}")


class TestMemoryJournalContract(JournalContract):
    def make_backends(self, tmp_path):
        return open_memory("memory://?journal=1")


class TestFileJournalContract(JournalContract):
    def make_backends(self, tmp_path):
        return open_files(f"file://{tmp_path / 'data'}")
