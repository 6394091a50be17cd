"""Telemetry for built-in calls: who changed what, before and after.

Every change a built-in makes is logged as a ``builtin_modification`` event
on the calling execution::

    {"tool": "soe_inject_node",
     "actor": {"execution_id": ..., "main_execution_id": ..., "node_name": "Evolve"},
     "target": {"workflow_name": "main", "node_name": "New"},
     "before": None, "after": {...node config...}}

``actor.node_name`` is the node that ran the tool (None for a direct Python
call). Refused calls (policy, another execution tree, reserved fields,
invalid injections) are logged as ``builtin_refused`` with the error. Neither
event changes ``__operational__`` counters. The ``node_execution`` events of
the original (``{"tool": ..., "workflow_name": ..., ...}``) are logged too,
and do not count as node runs either (spec §15 #19).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from soe_core import dispatch
from soe_core.operational import main_execution_id as _main_id
from soe_core.store import contexts
from soe_core.telemetry import EventTypes, register_event

BUILTIN_MODIFICATION = "builtin_modification"
BUILTIN_REFUSED = "builtin_refused"


def main_execution_id(backends: Any, execution_id: str) -> str:
    """The root of the execution tree ``execution_id`` belongs to (itself for a root)."""
    try:
        context = contexts(backends).read(execution_id)
    except Exception:
        return execution_id
    return _main_id(context if isinstance(context, Mapping) else {}, execution_id)


def actor(backends: Any, execution_id: str) -> dict:
    running = getattr(dispatch, "current_node", lambda: None)()
    node_name = None
    if running is not None and running[0] == execution_id:
        node_name = running[1]
    return {
        "execution_id": execution_id,
        "main_execution_id": main_execution_id(backends, execution_id),
        "node_name": node_name,
    }


def record_modification(
    backends: Any,
    execution_id: str,
    tool: str,
    target: dict,
    before: Any,
    after: Any,
    legacy: dict | None = None,
    also_on: str | None = None,
) -> None:
    """Log a change: the original's ``node_execution`` payload (``legacy``), then the audit.

    ``also_on`` names a second execution whose data was changed (a copy into
    another context); it gets the audit event too.
    """
    if legacy is not None:
        register_event(backends, execution_id, EventTypes.NODE_EXECUTION, legacy)
    data = {
        "tool": tool,
        "actor": actor(backends, execution_id),
        "target": target,
        "before": copy.deepcopy(before),
        "after": copy.deepcopy(after),
    }
    register_event(backends, execution_id, BUILTIN_MODIFICATION, data)
    if also_on and also_on != execution_id:
        register_event(backends, also_on, BUILTIN_MODIFICATION, data)


def record_refusal(backends: Any, execution_id: str, tool: str, error: BaseException) -> None:
    """Log a refused call; never raises (the refusal itself is what the caller must see)."""
    try:
        register_event(
            backends,
            execution_id,
            BUILTIN_REFUSED,
            {
                "tool": tool,
                "actor": actor(backends, execution_id),
                "error_type": type(error).__name__,
                "error": str(error),
            },
        )
    except Exception:
        pass


__all__ = [
    "BUILTIN_MODIFICATION",
    "BUILTIN_REFUSED",
    "actor",
    "main_execution_id",
    "record_modification",
    "record_refusal",
]
