"""Writing node outputs and syncing them to parent executions (CORE-54, CORE-55)."""

from __future__ import annotations

from typing import Any

from . import durable
from .context import PARENT, copy_value
from .store import contexts


def save_output_to_context(
    backends: Any, execution_id: str, output_field: str | None, value: Any
) -> None:
    """Append ``value`` to ``output_field`` once, then to each ancestor that asked for it.

    Nothing is written when there is no field or the value is None. Only the
    new value travels up, never the whole history (spec §15 #4).
    """
    if not output_field or value is None:
        return
    durable.before_output_write()
    access = contexts(backends)
    access.write_field(execution_id, output_field, value)
    current = execution_id
    for _ in range(10_000):  # a bound, in case of a corrupted parent cycle
        parent = access.read(current).get(PARENT)
        if not isinstance(parent, dict):
            return
        if output_field not in (parent.get("context_updates_to_parent") or ()):
            return
        parent_id = parent.get("parent_execution_id")
        if not parent_id:
            return
        access.write_field(parent_id, output_field, copy_value(value))
        current = parent_id
