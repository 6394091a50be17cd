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
    kind = type(value)
    if kind is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) not in _SCALARS:
                copied[key] = frozen(item)  # same keys: safe while iterating
        return copied
    if kind is list or kind is tuple:
        return tuple([v if type(v) in _SCALARS else frozen(v) for v in value])
    if kind in _SCALARS:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # an event payload must never break the execution
        return value


def thawed(value: Any) -> Any:
    """A fresh copy of a :func:`frozen` value, its tuples turned back into lists."""
    kind = type(value)
    if kind is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) not in _SCALARS:
                copied[key] = thawed(item)
        return copied
    if kind is tuple or kind is list:
        return [v if type(v) in _SCALARS else thawed(v) for v in value]
    if kind in _SCALARS:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:
        return value
