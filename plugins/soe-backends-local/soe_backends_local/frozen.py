"""Event payloads as the in-memory telemetry keeps them: lists stored as tuples.

A long run keeps millions of events. The garbage collector traverses every
list and every dict holding one on each full collection, however old; a
tuple of plain values (and then the dict holding it) it stops tracking after
one pass. Payloads are frozen when logged and thawed into fresh lists and
dicts when read, so readers get what a JSON store would give them: lists,
never tuples.
"""

from __future__ import annotations

import copy
from typing import Any

_SCALARS = frozenset({str, int, float, bool, type(None)})


def frozen(value: Any) -> Any:
    """A private copy of ``value`` with its lists and tuples as tuples."""
    return _rebuilt(value, tuple)


def thawed(value: Any) -> Any:
    """A fresh copy of a :func:`frozen` value, its tuples turned back into lists."""
    return _rebuilt(value, list)


def _rebuilt(value: Any, sequence: type) -> Any:
    kind = type(value)
    if kind is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) not in _SCALARS:
                copied[key] = _rebuilt(item, sequence)  # same keys: safe while iterating
        return copied
    if kind is list or kind is tuple:
        for item in value:
            if type(item) not in _SCALARS:
                items = [v if type(v) in _SCALARS else _rebuilt(v, sequence) for v in value]
                return items if sequence is list else sequence(items)
        return sequence(value)  # plain values only: copied in C
    if kind in _SCALARS:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # an event payload must never break the execution
        return value
