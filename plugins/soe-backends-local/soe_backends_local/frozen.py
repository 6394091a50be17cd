"""Event payloads as the in-memory telemetry keeps them: compact, private, untracked.

A long run keeps millions of events. A payload is kept as its ``marshal``
encoding: one ``bytes`` object, written in C, less than half the size of
the dict it encodes, and never watched by the garbage collector (which
traverses every list, and every dict holding a container, on each
collection that reaches them). :func:`thawed` loads it back with tuples
turned into lists, so readers get what a JSON store would give them.

``marshal`` refuses subclasses and foreign objects. Such payloads are frozen
into tuples instead, which the collector stops watching soon: a dict of
plain values stays a dict (untracked from the start); anything else becomes
tuples, lists and tuples as tuples, and dicts as
``(_MAPPING, key, value, key, value, ...)``.
"""

from __future__ import annotations

import copy
from marshal import dumps, loads
from typing import Any

_SCALARS = frozenset({str, int, float, bool, type(None)})

# first item of a tuple that stands for a dict; compared by identity
_MAPPING = "<soe frozen mapping>"


def frozen(value: Any) -> Any:
    """A private copy of ``value`` that the garbage collector does not watch for long."""
    try:
        return dumps(value)
    except (ValueError, RecursionError):  # a subclass, a foreign object, too deep
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
    if type(value) is bytes:  # an encoding: frozen() encodes whole payloads only
        return _listed(loads(value))
    return _thawed(value)


def _thawed(value: Any) -> Any:
    kind = type(value)
    if kind is tuple:
        if value and value[0] is _MAPPING:
            return {value[at]: _thawed(value[at + 1]) for at in range(1, len(value), 2)}
        return [v if type(v) in _SCALARS else _thawed(v) for v in value]
    if kind in _SCALARS:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # kept whole by frozen(): handed back as it is
        return value


def _listed(value: Any) -> Any:
    """``value`` (freshly loaded, so ours to change) with every tuple made a list."""
    kind = type(value)
    if kind is tuple:
        return [item if type(item) in _SCALARS else _listed(item) for item in value]
    if kind is dict:
        for key, item in value.items():
            if type(item) not in _SCALARS:
                value[key] = _listed(item)  # an existing key: the dict keeps its size
    elif kind is list:
        for at, item in enumerate(value):
            if type(item) not in _SCALARS:
                value[at] = _listed(item)
    return value
