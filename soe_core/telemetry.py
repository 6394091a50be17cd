"""Telemetry events and the operational counters they drive (CORE-63, CORE-80..86)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from .plugins import get_registry
from .store import contexts

log = logging.getLogger("soe.telemetry")


class EventTypes:
    """Event names; the first fifteen are those of the original SOE."""

    ORCHESTRATION_START = "orchestration_start"
    SIGNALS_BROADCAST = "signals_broadcast"
    NODE_EXECUTION = "node_execution"
    TOOL_CALL = "tool_call"
    LLM_CALL = "llm_call"
    SIGNALS_TO_PARENT = "signals_to_parent"
    NODE_ERROR = "node_error"
    CONTEXT_WARNING = "context_warning"
    AGENT_TOOLS_LOADED = "agent_tools_loaded"
    AGENT_TOOL_CALL = "agent_tool_call"
    AGENT_TOOL_RESULT = "agent_tool_result"
    AGENT_TOOL_NOT_FOUND = "agent_tool_not_found"
    CONFIG_INHERITANCE_START = "config_inheritance_start"
    CONTEXT_INHERITANCE_START = "context_inheritance_start"
    CONTEXT_MERGE = "context_merge"
    # added by this engine
    LIMIT_EXCEEDED = "limit_exceeded"
    CHILD_STARTED = "child_started"


def utc_timestamp() -> str:
    """UTC time in ISO-8601 with a trailing ``Z`` (CORE-80)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z"


_COUNTERS = {
    EventTypes.LLM_CALL: "llm_calls",
    EventTypes.TOOL_CALL: "tool_calls",
    EventTypes.AGENT_TOOL_CALL: "tool_calls",
    EventTypes.NODE_ERROR: "errors",
}


def _apply_counters(backends: Any, execution_id: str, event_type: str, data: dict) -> None:
    """Update ``__operational__`` as the event implies (CORE-63)."""
    if event_type == EventTypes.SIGNALS_BROADCAST:
        contexts(backends).extend_signals(execution_id, list(data.get("signals") or ()))
    elif event_type == EventTypes.NODE_EXECUTION:
        name = data.get("node_name")
        # built-in mutation tools log node_execution with a "tool" key; they
        # must not count as runs of the node they edit (spec §15 #19).
        if name and "tool" not in data:
            contexts(backends).increment(execution_id, "nodes", name)
    else:
        counter = _COUNTERS.get(event_type)
        if counter is not None:
            contexts(backends).increment(execution_id, counter)


def register_event(
    backends: Any, execution_id: str, event_type: str, data: dict | None = None
) -> None:
    """Log an event and apply its counter updates (even without telemetry)."""
    data = data if data is not None else {}
    telemetry = getattr(backends, "telemetry", None)
    if telemetry is not None:
        telemetry.log_event(execution_id, event_type, timestamp=utc_timestamp(), context=data)
    _apply_counters(backends, execution_id, event_type, data)
    _notify(execution_id, event_type, data)


def _notify(execution_id: str, event_type: str, data: dict) -> None:
    observers = get_registry().observers
    if not observers:
        return
    for observer in observers:
        try:
            observer(execution_id, event_type, data)
        except Exception:  # an observer must never break a workflow
            log.exception("event observer %r failed on %s", observer, event_type)
