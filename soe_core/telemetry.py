"""Telemetry events and the operational counters they drive (CORE-63, CORE-80..86)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from .context import OPERATIONAL
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


def _apply_counters(event_type: str, data: dict):
    """The context mutation an event implies, or None when it changes nothing."""
    if event_type == EventTypes.SIGNALS_BROADCAST:
        signals = list(data.get("signals") or ())

        def mutate(context: dict) -> None:
            operational = context.get(OPERATIONAL)
            if isinstance(operational, dict):
                operational["signals"].extend(signals)

        return mutate
    if event_type == EventTypes.NODE_EXECUTION:
        name = data.get("node_name")
        # built-in mutation tools log node_execution with a "tool" key; they
        # must not count as runs of the node they edit (spec §15 #19).
        if not name or "tool" in data:
            return None

        def mutate(context: dict) -> None:
            operational = context.get(OPERATIONAL)
            if isinstance(operational, dict):
                nodes = operational["nodes"]
                nodes[name] = nodes.get(name, 0) + 1

        return mutate
    key = {
        EventTypes.LLM_CALL: "llm_calls",
        EventTypes.TOOL_CALL: "tool_calls",
        EventTypes.AGENT_TOOL_CALL: "tool_calls",
        EventTypes.NODE_ERROR: "errors",
    }.get(event_type)
    if key is None:
        return None

    def mutate(context: dict) -> None:
        operational = context.get(OPERATIONAL)
        if isinstance(operational, dict):
            operational[key] = operational.get(key, 0) + 1

    return mutate


def register_event(
    backends: Any, execution_id: str, event_type: str, data: dict | None = None
) -> None:
    """Log an event and apply its counter updates (even without telemetry)."""
    data = data if data is not None else {}
    telemetry = getattr(backends, "telemetry", None)
    if telemetry is not None:
        telemetry.log_event(execution_id, event_type, timestamp=utc_timestamp(), context=data)
    mutate = _apply_counters(event_type, data)
    if mutate is not None:
        contexts(backends).update(execution_id, mutate)
    _notify(execution_id, event_type, data)


def _notify(execution_id: str, event_type: str, data: dict) -> None:
    from .plugins import get_registry

    observers = get_registry().observers
    if not observers:
        return
    for observer in observers:
        try:
            observer(execution_id, event_type, data)
        except Exception:  # an observer must never break a workflow
            log.exception("event observer %r failed on %s", observer, event_type)
