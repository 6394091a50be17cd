"""Mappings kept per execution tree root: identities and the context schema.

Both live under the root's ``main_execution_id`` (BUILTIN-5), are read as a
whole mapping and written back whole; this is the one place that does it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RootMapping:
    backend_attr: str  # attribute of the backends container
    getter: str  # e.g. "get_identities"
    saver: str  # e.g. "save_identities"
    label: str  # for errors: "identity", "context schema"
    what: str  # for errors: "identities", "the schema"

    def load(self, backends: Any, root: str) -> dict:
        """An independent copy of the stored mapping ({} when there is none)."""
        backend = getattr(backends, self.backend_attr, None)
        if backend is None:
            return {}
        stored = getattr(backend, self.getter)(root)
        return copy.deepcopy(stored) if isinstance(stored, dict) else {}

    def save(self, backends: Any, root: str, data: dict) -> None:
        backend = getattr(backends, self.backend_attr, None)
        if backend is None:
            raise ValueError(
                f"No {self.label} backend configured: {self.what} cannot be changed"
            )
        getattr(backend, self.saver)(root, data)


IDENTITIES = RootMapping(
    "identity", "get_identities", "save_identities", "identity", "identities"
)
CONTEXT_SCHEMA = RootMapping(
    "context_schema", "get_context_schema", "save_context_schema", "context schema", "the schema"
)
