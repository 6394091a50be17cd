"""Plugin hooks: the ``memory`` and ``file`` storage URL schemes."""

from __future__ import annotations

from typing import Any

from soe_core import BackendScheme, hookimpl

from .memory import open_memory


def open_files(url: str, **options: Any) -> Any:
    # imported on first use: the file backends (JSON, hashing, journal files)
    # are not needed by processes that keep everything in memory (issue #9)
    from .files import open_files as open_store

    return open_store(url, **options)


@hookimpl
def soe_backends() -> list[BackendScheme]:
    return [
        BackendScheme("memory", open_memory, "all six backends in process memory (memory://)"),
        BackendScheme(
            "file",
            open_files,
            "JSON/YAML files under a folder (file://DIR, or file:// with *_storage_dir options)",
        ),
    ]
