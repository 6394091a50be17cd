"""Reading a stored execution back: latest values, histories, events, children.

Used by ``soe inspect`` and by the command line's final report; works on any
backends (only ``get_context`` is required, telemetry and listing are used
when the backends offer them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import OPERATIONAL, PARENT, is_history, is_reserved
from .telemetry import EventTypes


def latest_fields(context: Mapping) -> dict:
    """Latest value of each ordinary field (reserved ``__`` fields left out)."""
    return {
        key: (value[-1] if value else None) if is_history(value) else value
        for key, value in context.items()
        if not is_reserved(key)
    }


def field_histories(context: Mapping) -> dict[str, list]:
    """Every value each ordinary field has had, oldest first."""
    return {
        key: list(value) if is_history(value) else [value]
        for key, value in context.items()
        if not is_reserved(key)
    }


def broadcast_signals_of(context: Mapping) -> list[str]:
    """Signals broadcast so far, in order (``__operational__.signals``)."""
    operational = context.get(OPERATIONAL)
    return list(operational.get("signals") or ()) if isinstance(operational, Mapping) else []


def _event_reader(backends: Any):
    return getattr(getattr(backends, "telemetry", None), "get_events", None)


def events_of(backends: Any, execution_id: str) -> list[dict]:
    """Telemetry events of an execution; ``[]`` when the backends keep none."""
    get_events = _event_reader(backends)
    return list(get_events(execution_id)) if get_events is not None else []


def children_of(backends: Any, execution_id: str, events: list[dict] | None = None) -> list[dict]:
    """Child executions started by ``execution_id``, in start order.

    Read from the ``child_started`` events; without telemetry, from the stored
    contexts whose ``__parent__`` names this execution (needs listing).
    """
    events = events_of(backends, execution_id) if events is None else events
    if _event_reader(backends) is not None:
        return [
            {
                "execution_id": event["context"].get("child_execution_id"),
                "workflow": event["context"].get("child_workflow"),
                "node": event["context"].get("node_name"),
                "timestamp": event.get("timestamp"),
            }
            for event in events
            if event.get("event_type") == EventTypes.CHILD_STARTED
        ]
    list_ids = getattr(backends.context, "list_context_ids", None)
    found = []
    for candidate in list_ids() if list_ids is not None else ():
        parent = backends.context.get_context(candidate).get(PARENT)
        if isinstance(parent, Mapping) and parent.get("parent_execution_id") == execution_id:
            found.append({"execution_id": candidate, "workflow": None, "node": None})
    return found


def describe_execution(backends: Any, execution_id: str) -> dict | None:
    """Everything stored about one execution as plain data; ``None`` if unknown."""
    context = backends.context.get_context(execution_id)
    if not context:
        return None
    operational = dict(context.get(OPERATIONAL) or {})
    parent = context.get(PARENT)
    events = events_of(backends, execution_id)
    return {
        "execution_id": execution_id,
        "workflow": _current_workflow(backends, execution_id),
        "parent_execution_id": parent.get("parent_execution_id")
        if isinstance(parent, Mapping)
        else None,
        "main_execution_id": operational.get("main_execution_id"),
        "signals": broadcast_signals_of(context),
        "counters": {
            k: v for k, v in operational.items() if k not in ("signals", "main_execution_id")
        },
        "context": latest_fields(context),
        "history": field_histories(context),
        "events": events,
        "children": children_of(backends, execution_id, events),
    }


def _current_workflow(backends: Any, execution_id: str) -> str | None:
    try:
        return backends.workflow.get_current_workflow_name(execution_id) or None
    except Exception:  # a broken workflow store must not hide the context
        return None
