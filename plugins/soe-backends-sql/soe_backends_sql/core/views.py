"""Read-only, lazily loaded views of a stored context (``read_context``).

``read_context`` runs one SELECT: the key rows of the context, each with the
length and latest value of its history, joined with the operational
counters. Everything else is loaded when first touched, so reading a
context costs the same whatever the length of its histories or of its
signal list:

- an ordinary field is a :class:`SqlHistory`, a ``Sequence`` whose ``[-1]``
  and ``len`` are free and whose other entries are one SELECT each (or one
  SELECT for all of them when iterated);
- ``__operational__`` is a :class:`SqlOperational` whose ``signals`` is a
  :class:`SqlSignals` (``len`` free, ``in`` one indexed SELECT) and whose
  ``nodes`` is a :class:`SqlNodes` (``nodes[name]`` one SELECT).

Histories and signals are a snapshot: they end where they ended when the
context was read. ``copy.deepcopy`` of any view gives plain lists and dicts.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .codec import dumps, loads
from .schema import HISTORY, OPERATIONAL

_MISSING = object()


def _same_items(left: Sequence, right: Any) -> Any:
    if isinstance(right, Sequence) and not isinstance(right, (str, bytes, bytearray)):
        return len(left) == len(right) and list(left) == list(right)
    return NotImplemented


class _LazySequence(Sequence):
    """A snapshot of ``length`` rows, fetched one by one or all at once."""

    __slots__ = ("_length", "_items")

    def __init__(self, length: int):
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
        return _same_items(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict) -> list:
        return copy.deepcopy(self._all(), memo)

    def __copy__(self) -> list:
        return list(self._all())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._all()!r})"


class SqlHistory(_LazySequence):
    """The history of one ordinary field."""

    __slots__ = ("_store", "_execution_id", "_field", "_latest_text", "_latest")

    def __init__(self, store: Any, execution_id: str, field: str, length: int, latest: Any):
        super().__init__(length)
        self._store = store
        self._execution_id = execution_id
        self._field = field
        self._latest_text = latest
        self._latest = _MISSING

    def _fetch_one(self, index: int) -> Any:
        if index == self._length - 1:
            if self._latest is _MISSING:
                self._latest = loads(self._latest_text)
            return self._latest
        return self._store.history_item(self._execution_id, self._field, index + 1)

    def _fetch_all(self) -> list:
        return self._store.history(self._execution_id, self._field, self._length)


class SqlSignals(_LazySequence):
    """``__operational__.signals``."""

    __slots__ = ("_store", "_execution_id")

    def __init__(self, store: Any, execution_id: str, length: int):
        super().__init__(length)
        self._store = store
        self._execution_id = execution_id

    def _fetch_one(self, index: int) -> Any:
        return self._store.signal(self._execution_id, index + 1)

    def _fetch_all(self) -> list:
        return self._store.signals(self._execution_id, self._length)

    def __contains__(self, value: Any) -> bool:
        if self._items is not None:
            return value in self._items
        if not self._length:
            return False
        return self._store.has_signal(self._execution_id, dumps(value), self._length)


class SqlNodes(Mapping):
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
        return self.__copy__()

    def __copy__(self) -> dict:
        return {name: self[name] for name in self._all_names()}

    def __repr__(self) -> str:
        return f"SqlNodes({dict(self)!r})"


class SqlOperational(Mapping):
    """``__operational__``: counters read with the context, lists loaded lazily."""

    __slots__ = ("_values",)
    # the six fields always exist and the counters are NOT NULL integers, so
    # the engine need not check them on every read (soe_core.store)
    soe_well_formed = True

    def __init__(self, store: Any, execution_id: str, row: tuple):
        llm_calls, tool_calls, errors, main_execution_id, signal_count = row
        self._values = {
            "signals": SqlSignals(store, execution_id, signal_count or 0),
            "nodes": SqlNodes(store, execution_id),
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
        return f"SqlOperational({self._values!r})"


class SqlContextView(Mapping):
    """What ``read_context`` returns: keys in order, values built on first access."""

    __slots__ = ("_store", "_execution_id", "_rows", "_values")

    def __init__(self, store: Any, execution_id: str, rows: list[tuple]):
        self._store = store
        self._execution_id = execution_id
        # key -> (kind, length, value text, operational row)
        self._rows = {row[0]: row[1:] for row in rows}
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            kind, length, text, *counters = self._rows[key]
            if kind == HISTORY:
                value = SqlHistory(self._store, self._execution_id, key, length, text)
            elif kind == OPERATIONAL:
                value = SqlOperational(self._store, self._execution_id, tuple(counters))
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
        return f"SqlContextView({self._execution_id!r}, keys={list(self._rows)!r})"
