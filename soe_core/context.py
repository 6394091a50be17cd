"""The context model: every ordinary field keeps its history (CORE-50..58).

Ordinary fields are stored as a non-empty list, oldest value first; reserved
fields (names starting with ``__``) are stored raw. The readers below also
accept any other non-string ``Sequence`` as a history: what a backend's
``read_context`` returns may load histories lazily (see :mod:`soe_core.store`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from marshal import dumps as _marshal_dumps
from marshal import loads as _marshal_loads
from typing import Any

OPERATIONAL = "__operational__"
PARENT = "__parent__"


def is_reserved(field: str) -> bool:
    return isinstance(field, str) and field.startswith("__")


def is_history(value: Any) -> bool:
    """Whether ``value`` is a history: a list, or a lazy non-string ``Sequence``."""
    return isinstance(value, list) or (
        isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))
    )


def set_field(context: dict, field: str, value: Any) -> None:
    """Append ``value`` to the history of ``field``; reserved fields are overwritten."""
    if is_reserved(field):
        context[field] = value
        return
    history = context.get(field)
    if isinstance(history, list):
        history.append(value)
    else:
        context[field] = [value]


def count_in(context: Mapping, counter: str, node_name: str | None = None) -> None:
    """Add one to ``__operational__[counter]``, or to its ``nodes[node_name]`` (CORE-63)."""
    operational = context.get(OPERATIONAL)
    if not isinstance(operational, dict):
        return
    if counter == "nodes":
        nodes = operational["nodes"]
        nodes[node_name] = nodes.get(node_name, 0) + 1
    else:
        operational[counter] = operational.get(counter, 0) + 1


def get_field(context: Mapping, field: str) -> Any:
    """The latest value of ``field`` (raw value for reserved fields), or None."""
    value = context.get(field)
    if is_reserved(field):
        return value
    if is_history(value):
        return value[-1] if value else None
    return None


def get_accumulated(context: Mapping, field: str) -> list:
    """The history of ``field`` as a new list.

    A history of one entry that is itself a list is unwrapped, so a list given
    as initial context fans out item by item. A missing field gives ``[]``.
    """
    history = context.get(field)
    if not is_history(history):
        return []
    if len(history) == 1 and isinstance(history[0], list):
        return list(history[0])
    return list(history)


def wrap_initial_context(initial: Mapping) -> dict:
    """Turn plain values into one-entry histories (CORE-58)."""
    return {key: (value if is_reserved(key) else [value]) for key, value in initial.items()}


def template_view(context: Mapping) -> dict:
    """Latest value of each ordinary field, raw value of each reserved field (CORE-52)."""
    view = {}
    # list(): a C-level copy of the items, so a field added meanwhile by
    # another thread (concurrent callers, in-memory store) cannot break the loop
    for key, value in list(context.items()):
        if is_reserved(key):
            view[key] = value
        elif isinstance(value, list) or is_history(value):
            view[key] = value[-1] if value else None
        else:
            view[key] = value
    return view


_SCALARS = frozenset({str, int, float, bool, type(None)})


def copy_large(value: Any) -> Any:
    """:func:`copy_value` for a large JSON-like value, such as a whole workflow registry.

    ``marshal`` copies plain dicts, lists, strings and numbers in C, two to
    three times faster than the recursion below once there are more than a
    few containers (slower for one small dict). It refuses anything else,
    subclasses of the plain types included; :func:`copy_value` then copies.
    """
    if type(value) is dict or type(value) is list:
        try:
            return _marshal_loads(_marshal_dumps(value))
        except (ValueError, RecursionError):
            pass  # a custom object, or nesting marshal will not follow
    return copy_value(value)


def copy_value(value: Any) -> Any:
    """A deep copy for values crossing from one context to another.

    Context values are mostly JSON-like; those are copied by a plain
    recursion several times faster than ``copy.deepcopy``, which still
    handles everything else (and shared or cyclic structures inside it).
    Containers of scalars, the common case, are copied in C.
    """
    kind = type(value)
    if kind is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) not in _SCALARS:
                copied[key] = copy_value(item)  # same keys: safe while iterating
        return copied
    if kind is list:
        for item in value:
            if type(item) not in _SCALARS:
                return [v if type(v) in _SCALARS else copy_value(v) for v in value]
        return value[:]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)
