"""Tools registry entries and their checks (TOOL-1, TOOL-2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from soe_core import WorkflowValidationError


@dataclass(frozen=True)
class ToolEntry:
    function: Callable[..., Any]
    max_retries: int = 0
    failure_signal: str | None = None
    process_accumulated: bool = False


def resolve_entry(name: str, raw: Any) -> ToolEntry:
    """Normalise a registry entry (a callable or a mapping) into a :class:`ToolEntry`."""
    where = f"Tool '{name}'"
    if callable(raw) and not isinstance(raw, dict):
        return ToolEntry(raw)
    if not isinstance(raw, dict):
        raise WorkflowValidationError(
            f"{where}: registry entry must be a callable or dict with 'function' key"
        )
    if "function" not in raw:
        raise WorkflowValidationError(f"{where}: registry entry dict must have 'function' key")
    function = raw["function"]
    if not callable(function):
        raise WorkflowValidationError(f"{where}: 'function' must be callable")
    max_retries = raw.get("max_retries", 0)
    if not isinstance(max_retries, int) or max_retries < 0:
        raise WorkflowValidationError(f"{where}: 'max_retries' must be a non-negative integer")
    failure_signal = raw.get("failure_signal")
    if failure_signal is not None and not isinstance(failure_signal, str):
        raise WorkflowValidationError(f"{where}: 'failure_signal' must be a string")
    return ToolEntry(function, max_retries, failure_signal, bool(raw.get("process_accumulated")))
