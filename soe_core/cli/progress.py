"""Live progress: telemetry events turned into one line each.

The engine has no "node finished" event: a node's end shows as the signals
that follow it. Lines of child executions carry the child's short id.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from ..telemetry import EventTypes
from .screens import Screen

SHORT_ID = 8
DETAIL_WIDTH = 120


def describe_event(event_type: str, data: dict) -> tuple[str, str] | None:
    """``(kind, detail)`` for a progress line, or ``None`` for events not worth a line."""
    if event_type == EventTypes.ORCHESTRATION_START:
        return "start", f"workflow {data.get('workflow_name')}"
    if event_type == EventTypes.SIGNALS_BROADCAST:
        return "signals", ", ".join(map(str, data.get("signals") or ()))
    if event_type == EventTypes.NODE_EXECUTION:
        # node types log a second, legacy node_execution without the name; the
        # engine's own one (with node_name) is the one that marks the start
        if not data.get("node_name") or "tool" in data:
            return None
        return "node", f"{data['node_name']} ({data.get('node_type')})"
    if event_type == EventTypes.TOOL_CALL:
        return "tool", str(data.get("tool_name"))
    if event_type == EventTypes.AGENT_TOOL_CALL:
        return "tool", f"{data.get('tool_name')} {_pairs(data.get('tool_args') or {})}".rstrip()
    if event_type == EventTypes.LLM_CALL:
        return "llm", ("call " + _pairs(data)).rstrip()
    if event_type in (EventTypes.NODE_ERROR, EventTypes.LIMIT_EXCEEDED):
        return "error", _pairs(data)
    if event_type == EventTypes.SIGNALS_TO_PARENT:
        parent = str(data.get("parent_id") or "")[:SHORT_ID]
        return "parent", f"{', '.join(map(str, data.get('signals') or ()))} -> {parent}"
    if event_type == EventTypes.CHILD_STARTED:
        child, node = data.get("child_execution_id"), data.get("node_name")
        return "child", f"{child} workflow {data.get('child_workflow')} from {node}"
    if event_type in (EventTypes.AGENT_TOOL_RESULT, EventTypes.AGENT_TOOLS_LOADED):
        return None  # the call line says enough
    return event_type, _pairs(data)


def _pairs(data: dict) -> str:
    text = " ".join(
        f"{key}={json.dumps(value, default=str, ensure_ascii=False)}" for key, value in data.items()
    )
    return text if len(text) <= DETAIL_WIDTH else text[: DETAIL_WIDTH - 1] + "…"


class ProgressObserver:
    """An event observer writing progress lines to a :class:`Screen`.

    The first execution seen (or the one given) is the root: its id is the
    header; lines of other executions are tagged with their short id.
    Thread-safe: a concurrent caller reports from worker threads.
    """

    def __init__(self, screen: Screen, execution_id: str | None = None):
        self.screen = screen
        self.root = execution_id
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, execution_id: str, event_type: str, data: dict) -> Any:
        line = describe_event(event_type, data)
        with self._lock:
            if self.root is None:
                self.root = execution_id
                self.screen.header(execution_id)
            if line is None:
                return
            tag = "" if execution_id == self.root else execution_id[:SHORT_ID]
            self.screen.progress(time.monotonic() - self.started, tag, *line)
