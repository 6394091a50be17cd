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
``extend_operational_signals(id, signals)``
    Append to ``__operational__.signals``.
``increment_operational(id, counter, node_name=None)``
    Add one to ``__operational__[counter]``, or to ``__operational__.nodes[node_name]``
    when ``counter == "nodes"``.

A backend whose histories live outside one document (a row per value, say)
may return from ``read_context`` any ``Mapping`` whose ordinary fields are
non-string ``Sequence`` histories (``[-1]`` is the latest value), whose
``__operational__`` ``signals`` is a ``Sequence`` and ``nodes`` a ``Mapping``;
the engine only reads through those interfaces (see
:func:`soe_core.context.is_history`), and ``copy.deepcopy`` of such values
should give plain lists and dicts. An ``__operational__`` mapping whose class
sets ``soe_well_formed = True`` promises its six fields with the right types:
the engine then skips checking them on every read.

Without ``update_context`` the engine falls back to get, modify, save under
an in-process lock, which is safe between threads of one process only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from .attached import attached
from .context import OPERATIONAL, count_in, set_field

_STRIPES = [threading.RLock() for _ in range(64)]


class ContextAccess:
    """The engine's vocabulary over one context backend."""

    __slots__ = ("backend", "read", "_update", "_append", "_signals", "_increment")

    def __init__(self, backend: Any):
        self.backend = backend
        # read(execution_id) -> Mapping: the store's own method, called
        # directly (several reads per node); get_context when it has none
        self.read: Callable[[str], Mapping] = (
            getattr(backend, "read_context", None) or backend.get_context
        )
        self._update = getattr(backend, "update_context", None)
        self._append = getattr(backend, "append_context_field", None)
        self._signals = getattr(backend, "extend_operational_signals", None)
        self._increment = getattr(backend, "increment_operational", None)

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

    def extend_signals(self, execution_id: str, signals: list) -> None:
        if self._signals is not None:
            self._signals(execution_id, signals)
            return

        def mutate(context: dict) -> None:
            operational = context.get(OPERATIONAL)
            if isinstance(operational, dict):
                operational["signals"].extend(signals)

        self.update(execution_id, mutate)

    def direct_increment(self) -> Callable[[str, str, str | None], None]:
        """What :meth:`increment` ends up calling: the store's method, or the fallback."""
        return self._increment or self.increment

    def direct_extend_signals(self) -> Callable[[str, list], None]:
        """What :meth:`extend_signals` ends up calling: the store's method, or the fallback."""
        return self._signals or self.extend_signals

    def increment(self, execution_id: str, counter: str, node_name: str | None = None) -> None:
        if self._increment is not None:
            self._increment(execution_id, counter, node_name)
            return

        self.update(execution_id, lambda context: count_in(context, counter, node_name))


# the attribute holding the helper on its backend (see attached())
_ATTACHED = "_soe_context_access"


def contexts(backends: Any) -> ContextAccess:
    """The :class:`ContextAccess` for a backends container (kept on its context backend)."""
    backend = backends.context
    access = getattr(backend, _ATTACHED, None)
    if type(access) is ContextAccess:  # attached()'s first test, spared a call
        return access
    return attached(backend, _ATTACHED, ContextAccess, ContextAccess)
