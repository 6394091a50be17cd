"""Helpers the kernel keeps on the backend objects they serve.

The engine looks up its helpers for a backend several times per node. A
``WeakKeyDictionary`` costs a weak reference per lookup, and its values
would keep their backend alive (they hold it); an attribute on the backend
costs one lookup and dies with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

V = TypeVar("V")

_lock = threading.Lock()


def attached(obj: Any, name: str, kind: type[V], build: Callable[[Any], V]) -> V:
    """``obj.<name>`` if it holds a ``kind``, else ``build(obj)`` stored there.

    Objects that refuse new attributes get a fresh helper on every call.
    """
    helper = getattr(obj, name, None)
    if type(helper) is kind:
        return helper
    with _lock:
        helper = getattr(obj, name, None)
        if type(helper) is kind:
            return helper  # another thread attached it meanwhile
        helper = build(obj)
        try:
            setattr(obj, name, helper)
        except (AttributeError, TypeError):
            pass
        return helper
