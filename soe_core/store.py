"""How the engine reads and writes contexts through any context backend.

A backend needs only the two methods of the original protocol,
``save_context`` and ``get_context``. It may also offer faster or safer
capabilities, which are used when present:

``read_context(id) -> Mapping``
    The stored context without copying; the engine treats it as read-only.
``update_context(id, mutate) -> result``
    Apply ``mutate(context)`` atomically and persist it; return its result.
``append_context_field(id, field, value)``
    Append one value to a field's history (or overwrite a reserved field).

Without ``update_context`` the engine falls back to get, modify, save under
an in-process lock, which is safe between threads of one process only.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from .context import set_field

_STRIPES = [threading.RLock() for _ in range(64)]


class ContextAccess:
    """The engine's vocabulary over one context backend."""

    __slots__ = ("backend", "_read", "_update", "_append", "__weakref__")

    def __init__(self, backend: Any):
        self.backend = backend
        self._read = getattr(backend, "read_context", None)
        self._update = getattr(backend, "update_context", None)
        self._append = getattr(backend, "append_context_field", None)

    def read(self, execution_id: str) -> Mapping:
        if self._read is not None:
            return self._read(execution_id)
        return self.backend.get_context(execution_id)

    def save(self, execution_id: str, context: dict) -> None:
        self.backend.save_context(execution_id, context)

    def update(self, execution_id: str, mutate: Callable[[dict], Any]) -> Any:
        if self._update is not None:
            return self._update(execution_id, mutate)
        with _STRIPES[hash(execution_id) % len(_STRIPES)]:
            context = self.backend.get_context(execution_id)
            result = mutate(context)
            self.backend.save_context(execution_id, context)
            return result

    def write_field(self, execution_id: str, field: str, value: Any) -> None:
        if self._append is not None:
            self._append(execution_id, field, value)
        else:
            self.update(execution_id, lambda context: set_field(context, field, value))


_cache: weakref.WeakKeyDictionary[Any, ContextAccess] = weakref.WeakKeyDictionary()


def contexts(backends: Any) -> ContextAccess:
    """The :class:`ContextAccess` for a backends container (cached per backend)."""
    backend = backends.context
    try:
        access = _cache.get(backend)
    except TypeError:  # not weak-referenceable
        return ContextAccess(backend)
    if access is None:
        access = ContextAccess(backend)
        try:
            _cache[backend] = access
        except TypeError:
            pass
    return access
