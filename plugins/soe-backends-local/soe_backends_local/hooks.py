"""Plugin hooks: the ``memory`` and ``file`` storage URL schemes."""

from __future__ import annotations

from soe_core import BackendScheme, hookimpl

from .files import open_files
from .memory import open_memory


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
