"""Runtime checks of an execution's state (CORE-66, CORE-67)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..context import OPERATIONAL
from ..errors import OperationalValidationError

REQUIRED_FIELDS = ("signals", "nodes", "llm_calls", "tool_calls", "errors", "main_execution_id")


def check_operational(execution_id: str, context: Any) -> dict:
    """Raise ``OperationalValidationError`` unless ``context`` is runnable."""
    operational = context.get(OPERATIONAL) if context else None
    # fast path: the plain dicts every built-in store returns, checked by type
    if type(context) is dict and type(operational) is dict:
        try:
            if (
                type(operational["signals"]) is list
                and type(operational["nodes"]) is dict
                and type(operational["llm_calls"]) is int
                and type(operational["tool_calls"]) is int
                and type(operational["errors"]) is int
                and "main_execution_id" in operational
            ):
                return context
        except KeyError:
            pass  # reported below, by name
    if getattr(type(operational), "soe_well_formed", False):
        return context  # a store's view that holds the six fields by construction
    return _check_thoroughly(execution_id, context)


def _check_thoroughly(execution_id: str, context: Any) -> dict:
    if not context:
        raise OperationalValidationError(f"No context found for execution_id '{execution_id}'")
    operational = context.get(OPERATIONAL)
    if operational is None:
        raise OperationalValidationError(
            f"Missing '__operational__' in context for execution_id '{execution_id}'"
        )
    if not isinstance(operational, Mapping):
        raise OperationalValidationError(
            f"Invalid '__operational__' for execution_id '{execution_id}': must be a mapping"
        )
    missing = [name for name in REQUIRED_FIELDS if name not in operational]
    if missing:
        raise OperationalValidationError(
            f"Missing fields: {missing} in '__operational__' for execution_id '{execution_id}'"
        )
    if not _is_sequence(operational["signals"]):
        raise OperationalValidationError("Invalid '__operational__.signals': must be a list")
    if not isinstance(operational["nodes"], Mapping):
        raise OperationalValidationError("Invalid '__operational__.nodes': must be a mapping")
    for counter in ("llm_calls", "tool_calls", "errors"):
        if not isinstance(operational[counter], int):
            raise OperationalValidationError(
                f"Invalid '__operational__.{counter}': must be an integer"
            )
    return context


def _is_sequence(value: Any) -> bool:
    """Lists, or any non-string sequence a lazy backend returns."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def validate_operational(execution_id: str, backends: Any) -> dict:
    """Read the context of ``execution_id`` and check its operational state."""
    from ..store import contexts

    return check_operational(execution_id, contexts(backends).read(execution_id))


def validate_backends(backends: Any) -> None:
    try:
        if backends.context is not None and backends.workflow is not None:
            return  # the usual case, checked once per broadcast
    except AttributeError:
        pass
    for name in ("context", "workflow"):
        if getattr(backends, name, None) is None:
            raise OperationalValidationError(
                f"Invalid backends: missing required attribute '{name}'"
            )
