"""Telemetry events and the operational counters they drive (CORE-63, CORE-80..86)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from . import plugins
from .plugins import get_registry
from .registrations import EventObserver
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
    LLM_REQUEST = "llm_request"  # one provider request (usage, latency); see execution_scope


def utc_timestamp(when: float | None = None) -> str:
    """UTC time (now, or POSIX time ``when``) in ISO-8601 with a trailing ``Z`` (CORE-80).

    The text is what ``datetime.isoformat`` writes; the date part is
    formatted once per second, since every event needs a timestamp.
    """
    if when is None:
        when = time.time()
    second = int(when)
    micros = round((when - second) * 1_000_000)  # rounded as datetime rounds it
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    cached = _second
    if cached[0] != second:
        text = datetime.fromtimestamp(second, UTC).replace(tzinfo=None).isoformat()
        cached = (second, text)
        globals()["_second"] = cached  # one tuple swap: safe between threads
    if micros:
        return f"{cached[1]}.{micros:06d}Z"
    return cached[1] + "Z"


_second: tuple[int | None, str] = (None, "")


# what each counted event adds to ``__operational__`` (CORE-63)
_COUNTED = {
    EventTypes.SIGNALS_BROADCAST: "signals",
    EventTypes.NODE_EXECUTION: "nodes",
    EventTypes.LLM_CALL: "llm_calls",
    EventTypes.TOOL_CALL: "tool_calls",
    EventTypes.AGENT_TOOL_CALL: "tool_calls",
    EventTypes.NODE_ERROR: "errors",
}


class _Recorder:
    """How events reach one backends container: looked up once, then kept on it.

    An event is logged several times per node, so the telemetry methods and
    the context access are resolved here rather than on every event; a
    backend swapped on the container is noticed by identity.
    """

    __slots__ = ("telemetry", "context", "log_at", "increment", "extend_signals")

    def __init__(self, backends: Any):
        self.telemetry = telemetry = getattr(backends, "telemetry", None)
        self.context = backends.context
        self.log_at = getattr(telemetry, "log_event_at", None)
        access = contexts(backends)
        # the store's own methods when it has them: one call less per event
        self.increment = access.direct_increment()
        self.extend_signals = access.direct_extend_signals()

    def record(self, execution_id: str, event_type: str, data: dict) -> None:
        log_at = self.log_at
        if log_at is not None:
            log_at(execution_id, event_type, time.time(), data)
        elif self.telemetry is not None:
            self.telemetry.log_event(
                execution_id, event_type, timestamp=utc_timestamp(), context=data
            )
        counter = _COUNTED.get(event_type)
        if counter is None:
            return
        if counter == "nodes":
            name = data.get("node_name")
            # built-in mutation tools log node_execution with a "tool" key; they
            # must not count as runs of the node they edit (spec §15 #19).
            if name and "tool" not in data:
                self.increment(execution_id, "nodes", name)
        elif counter == "signals":
            signals = data.get("signals")
            if signals:
                self.extend_signals(execution_id, list(signals))
        else:
            self.increment(execution_id, counter)


def _new_recorder(backends: Any) -> _Recorder:
    recorder = _Recorder(backends)
    try:
        backends._soe_recorder = recorder
    except (AttributeError, TypeError):
        pass  # a container that refuses attributes: looked up on every event
    return recorder


def register_event(
    backends: Any, execution_id: str, event_type: str, data: dict | None = None
) -> None:
    """Log an event and apply its counter updates (even without telemetry)."""
    recorder = getattr(backends, "_soe_recorder", None)
    if (
        type(recorder) is not _Recorder
        or recorder.context is not backends.context
        or recorder.telemetry is not getattr(backends, "telemetry", None)
    ):
        recorder = _new_recorder(backends)
    recorder.record(execution_id, event_type, {} if data is None else data)
    # the registry is loaded before any event: read the global, spare the call
    registry = plugins._registry or get_registry()
    if registry.observers:
        _notify(execution_id, event_type, data or {})


_scope: ContextVar[tuple[Any, str] | None] = ContextVar("soe_execution_scope", default=None)


@contextmanager
def execution_scope(backends: Any, execution_id: str) -> Iterator[None]:
    """Mark code that runs for one execution (node types wrap their LLM calls in it).

    Code that is not handed the execution, such as an LLM provider, can then
    log events on it with :func:`register_scoped_event`. Scopes nest (a child
    workflow started inside wins until it returns) and are per thread.
    """
    token = _scope.set((backends, execution_id))
    try:
        yield
    finally:
        _scope.reset(token)


def register_scoped_event(event_type: str, data: dict) -> bool:
    """Log an event on the execution in scope; ``False`` (nothing logged) outside any scope."""
    current = _scope.get()
    if current is None:
        return False
    backends, execution_id = current
    register_event(backends, execution_id, event_type, data)
    return True


def _notify(execution_id: str, event_type: str, data: dict) -> None:
    observers = get_registry().observers
    if not observers:
        return
    for observer in observers:
        try:
            observer(execution_id, event_type, data)
        except Exception:  # an observer must never break a workflow
            log.exception("event observer %r failed on %s", observer, event_type)


_observers_lock = threading.Lock()


@contextmanager
def observing(observer: EventObserver) -> Iterator[EventObserver]:
    """Call ``observer(execution_id, event_type, data)`` for every event while the block runs.

    Events from every thread of the process are seen (a concurrent caller
    runs nodes in worker threads), so ``observer`` must be thread-safe.
    The observer joins those of the current plugin registry: the list is
    replaced, never changed in place, so ``register_event`` reads it without
    a lock and costs nothing more when nobody observes.
    """
    registry = get_registry()
    with _observers_lock:
        registry.observers = [*registry.observers, observer]
    try:
        yield observer
    finally:
        with _observers_lock:
            remaining = list(registry.observers)
            for index, attached in enumerate(remaining):
                if attached is observer:
                    del remaining[index]
                    break
            registry.observers = remaining
