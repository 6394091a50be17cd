"""Read-only, lazily loaded views of a stored context (``read_context``).

``read_context`` runs one SELECT: the key rows of the context (each with
the length and latest value of its history) joined with the operational
counters and signal count. The rest is loaded when touched, so a read
costs the same whatever the length of the histories:

- an ordinary field is a :class:`PgHistory` (``[-1]`` and ``len`` free,
  another entry one SELECT, iteration one SELECT for all);
- ``__operational__`` is a :class:`PgOperational` whose ``signals`` is a
  :class:`PgSignals` (``in`` is one indexed SELECT) and whose ``nodes`` is
  a :class:`PgNodes` (``nodes[name]`` one SELECT).

Histories and signals end where they ended when the context was read.
``copy.deepcopy`` of a view gives plain lists and dicts (store protocol in
:mod:`soe_core.store`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .jsontext import dumps, loads
from .schema import HISTORY, OPERATIONAL

_MISSING = object()


class _LazySequence(Sequence):
    """A snapshot of ``length`` rows, fetched one by one or all at once."""

    __slots__ = ("_store", "_execution_id", "_length", "_items")

    def __init__(self, store: Any, execution_id: str, length: int):
        self._store = store
        self._execution_id = execution_id
        self._length = length
        self._items: list | None = None

    def _fetch_one(self, index: int) -> Any:
        raise NotImplementedError

    def _fetch_all(self) -> list:
        raise NotImplementedError

    def _all(self) -> list:
        if self._items is None:
            self._items = self._fetch_all()
        return self._items

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._all()[index]
        index = index.__index__()
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(f"{type(self).__name__} index out of range")
        if self._items is not None:
            return self._items[index]
        return self._fetch_one(index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._all())

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes, bytearray)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict) -> list:
        return copy.deepcopy(self._all(), memo)

    def __copy__(self) -> list:
        return list(self._all())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._all()!r})"


class PgHistory(_LazySequence):
    """The history of one ordinary field."""

    __slots__ = ("_field", "_latest")

    def __init__(self, store: Any, execution_id: str, field: str, length: int, latest: str):
        super().__init__(store, execution_id, length)
        self._field = field
        self._latest = latest  # JSON text until first used

    def _fetch_one(self, index: int) -> Any:
        if index == self._length - 1:
            if isinstance(self._latest, str):
                self._latest = (loads(self._latest),)
            return self._latest[0]
        return self._store.history_item(self._execution_id, self._field, index + 1)

    def _fetch_all(self) -> list:
        return self._store.history(self._execution_id, self._field, self._length)


class PgSignals(_LazySequence):
    """``__operational__.signals``."""

    __slots__ = ()

    def _fetch_one(self, index: int) -> Any:
        return self._store.signal(self._execution_id, index + 1)

    def _fetch_all(self) -> list:
        return self._store.signals(self._execution_id, self._length)

    def __contains__(self, value: Any) -> bool:
        if self._items is not None:
            return value in self._items
        return bool(self._length) and self._store.has_signal(
            self._execution_id, dumps(value), self._length
        )


class PgNodes(Mapping):
    """``__operational__.nodes``: run counts by node name, one SELECT per name."""

    __slots__ = ("_store", "_execution_id", "_counts", "_names")

    def __init__(self, store: Any, execution_id: str):
        self._store = store
        self._execution_id = execution_id
        self._counts: dict[str, Any] = {}
        self._names: list[str] | None = None

    def __getitem__(self, name: Any) -> int:
        count = self._counts.get(name, _MISSING) if isinstance(name, str) else None
        if count is _MISSING:
            count = self._counts[name] = self._store.node_count(self._execution_id, name)
        if count is None:
            raise KeyError(name)
        return count

    def _all_names(self) -> list[str]:
        if self._names is None:
            rows = self._store.node_counts(self._execution_id)
            self._counts.update(rows)
            self._names = [name for name, _count in rows]
        return self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_names())

    def __len__(self) -> int:
        return len(self._all_names())

    def __deepcopy__(self, memo: dict) -> dict:
        return {name: self[name] for name in self._all_names()}

    __copy__ = __deepcopy__  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PgNodes({dict(self)!r})"


class PgOperational(Mapping):
    """``__operational__``: counters read with the context, lists loaded lazily."""

    __slots__ = ("_values",)

    def __init__(self, store: Any, execution_id: str, row: tuple):
        llm_calls, tool_calls, errors, main_execution_id, signal_count = row
        self._values = {
            "signals": PgSignals(store, execution_id, signal_count or 0),
            "nodes": PgNodes(store, execution_id),
            "llm_calls": llm_calls,
            "tool_calls": tool_calls,
            "errors": errors,
            "main_execution_id": main_execution_id,
        }

    def __getitem__(self, key: Any) -> Any:
        return self._values[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._values

    def get(self, key: Any, default: Any = None) -> Any:
        return self._values.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __deepcopy__(self, memo: dict) -> dict:
        return {key: copy.deepcopy(value, memo) for key, value in self._values.items()}

    def __repr__(self) -> str:
        return f"PgOperational({self._values!r})"


class PgContextView(Mapping):
    """What ``read_context`` returns: keys in order, values built on first access."""

    __slots__ = ("_store", "_execution_id", "_rows", "_values")

    def __init__(self, store: Any, execution_id: str, rows: list[tuple]):
        self._store = store
        self._execution_id = execution_id
        self._rows = {row[0]: row[1:] for row in rows}  # key -> (kind, length, text, *counters)
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            kind, length, text, *counters = self._rows[key]
            if kind == HISTORY:
                value = PgHistory(self._store, self._execution_id, key, length, text)
            elif kind == OPERATIONAL:
                value = PgOperational(self._store, self._execution_id, tuple(counters))
            else:
                value = loads(text)
            self._values[key] = value
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self._rows else default

    def __contains__(self, key: Any) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __deepcopy__(self, memo: dict) -> dict:
        return {key: copy.deepcopy(self[key], memo) for key in self._rows}

    def __repr__(self) -> str:
        return f"PgContextView({self._execution_id!r}, keys={list(self._rows)!r})"
