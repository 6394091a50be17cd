"""Event payloads as the in-memory telemetry keeps them: nothing the collector must watch.

A long run keeps millions of events. The garbage collector traverses every
list, and every dict holding a container, on each collection that reaches
them; such dicts it only stops watching in a full collection, and it is
those dicts piling up that make full collections come often. A tuple of
plain values it stops watching at the first collection of any kind.

So payloads are frozen when logged: a dict of plain values stays a dict
(untracked from the start); anything else becomes tuples, lists and tuples
as tuples, and dicts as ``(_MAPPING, key, value, key, value, ...)``.
:func:`thawed` turns them back into fresh lists and dicts, so readers get
what a JSON store would give them: lists, never tuples.
"""

from __future__ import annotations

import copy
from typing import Any

_SCALARS = frozenset({str, int, float, bool, type(None)})

# first item of a tuple that stands for a dict; compared by identity
_MAPPING = "<soe frozen mapping>"


def frozen(value: Any) -> Any:
    """A private copy of ``value`` that the garbage collector soon stops tracking."""
    if type(value) is dict:
        for item in value.values():
            if type(item) not in _SCALARS:
                return _tupled(value)
        return value.copy()  # plain values: a dict untracked from the start
    return _tupled(value)


def _tupled(value: Any) -> Any:
    # only tuples of tuples and plain values are ever untracked: a tuple
    # holding a dict is watched for good, so nested dicts become tuples too
    kind = type(value)
    if kind is dict:
        flat: list = [_MAPPING]
        for key, item in value.items():
            flat += (key, item if type(item) in _SCALARS else _tupled(item))
        return tuple(flat)
    if kind is list or kind is tuple:
        for item in value:
            if type(item) not in _SCALARS:
                return tuple([v if type(v) in _SCALARS else _tupled(v) for v in value])
        return tuple(value)  # plain values only: copied in C
    if kind in _SCALARS:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # an event payload must never break the execution
        return value


def thawed(value: Any) -> Any:
    """A fresh copy of a :func:`frozen` value, with lists and dicts again."""
    kind = type(value)
    if kind is tuple:
        if value and value[0] is _MAPPING:
            return {value[at]: thawed(value[at + 1]) for at in range(1, len(value), 2)}
        return [v if type(v) in _SCALARS else thawed(v) for v in value]
    if kind is dict:  # frozen() keeps only dicts of plain values as dicts
        return value.copy()
    if kind in _SCALARS:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # kept whole by frozen(): handed back as it is
        return value
