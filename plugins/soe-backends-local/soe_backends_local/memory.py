"""In-memory backends (CORE-90), for tests and single-process runs.

Unlike the original, every public ``get_*`` returns a copy and every
``save_*`` stores one, so results never depend on whether the caller kept a
reference to a live object (CORE-89). The engine's fast paths
(``read_context``, ``update_context``, ``append_context_field``,
``read_workflows_registry``, ``workflows_version``) skip copying because they
run several times per node or copy a whole config.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from soe_core.backends import LocalBackends
from soe_core.context import OPERATIONAL, copy_large, copy_value, count_in, set_field
from soe_core.telemetry import utc_timestamp

from .frozen import frozen, thawed
from .journal import MemoryJournal


def _detach(value: Any, copy: Callable[[Any], Any] = copy_value) -> Any:
    """A private copy of ``value``; one that cannot be copied is kept as it is.

    An event payload must never break the execution.
    """
    try:
        return copy(value)
    except Exception:
        return value


class InMemoryContextBackend:
    def __init__(self) -> None:
        self._contexts: dict[str, dict] = {}
        self._lock = threading.RLock()

    def save_context(self, id: str, context: dict) -> None:
        with self._lock:
            self._contexts[id] = _detach(context)

    def get_context(self, id: str) -> dict:
        with self._lock:
            stored = self._contexts.get(id)
            return _detach(stored) if stored is not None else {}

    def read_context(self, id: str) -> dict:
        """The stored dict itself; the engine promises not to mutate it."""
        stored = self._contexts.get(id)
        return stored if stored is not None else {}

    def update_context(self, id: str, mutate: Callable[[dict], Any]) -> Any:
        """Apply ``mutate`` in place under the lock and return its result.

        No copy is taken (a large workflow calls this several times per node),
        so a ``mutate`` that raises half way leaves its partial changes behind.
        """
        with self._lock:
            stored = self._contexts.get(id)
            if stored is not None:
                return mutate(stored)
            fresh: dict = {}
            result = mutate(fresh)
            self._contexts[id] = fresh
            return result

    def append_context_field(self, id: str, field: str, value: Any) -> None:
        with self._lock:
            stored = self._contexts.get(id)
            if stored is None:
                stored = self._contexts[id] = {}
            set_field(stored, field, value)

    def extend_operational_signals(self, id: str, signals: list) -> None:
        # each step is one atomic operation on a dict or list: no lock on
        # the hot path (an increment, a read then a write, needs one)
        stored = self._contexts.get(id)
        operational = stored.get(OPERATIONAL) if stored is not None else None
        if isinstance(operational, dict):
            operational["signals"].extend(signals)

    def increment_operational(self, id: str, counter: str, node_name: str | None = None) -> None:
        with self._lock:
            stored = self._contexts.get(id)
            if stored is not None:
                count_in(stored, counter, node_name)

    def list_context_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._contexts)

    def delete_context(self, id: str) -> None:
        with self._lock:
            self._contexts.pop(id, None)

    def cleanup_all(self) -> None:
        with self._lock:
            self._contexts.clear()


class InMemoryWorkflowBackend:
    def __init__(self) -> None:
        self._registries: dict[str, dict] = {}
        self._names: dict[str, str] = {}
        self._versions: dict[str, int] = {}
        # one counter for the whole backend, so a version is never reused,
        # not even after cleanup_all() (the kernel caches by version)
        self._ticks = itertools.count(1)
        self._lock = threading.RLock()

    def save_workflows_registry(self, id: str, workflows: dict) -> None:
        snapshot = _detach(workflows, copy_large)
        with self._lock:
            self._registries[id] = snapshot
            self._versions[id] = next(self._ticks)

    def get_workflows_registry(self, id: str) -> dict | None:
        with self._lock:
            stored = self._registries.get(id)
        return _detach(stored, copy_large) if stored is not None else None

    def read_workflows_registry(self, id: str) -> dict | None:
        """The stored registry itself; the kernel promises not to mutate it."""
        return self._registries.get(id)

    def save_current_workflow_name(self, id: str, name: str) -> None:
        with self._lock:
            self._names[id] = name
            self._versions[id] = next(self._ticks)

    def get_current_workflow_name(self, id: str) -> str:
        with self._lock:
            return self._names.get(id, "")

    def workflows_version(self, id: str) -> int:
        """Changes whenever the registry or current name of ``id`` is saved."""
        return self._versions.get(id, 0)

    def delete_workflows(self, id: str) -> None:
        with self._lock:
            self._registries.pop(id, None)
            self._names.pop(id, None)
            self._versions[id] = next(self._ticks)

    def cleanup_all(self) -> None:
        with self._lock:
            self._registries.clear()
            self._names.clear()
            self._versions.clear()


class InMemoryTelemetryBackend:
    """Events kept per execution.

    The kernel logs through :meth:`log_event_at`, which stores a compact
    record; the event dict and its ISO timestamp are built only when read.
    A record takes three slots of a flat list (type, time, data) rather than
    a tuple: a tuple holding a dict stays tracked by the garbage collector
    for good, and a long run keeps millions of events. Payloads are kept
    :func:`~soe_backends_local.frozen.frozen` for the same reason.
    """

    def __init__(self) -> None:
        self._events: dict[str, list] = {}
        self._lock = threading.Lock()

    def log_event(self, execution_id: str, event_type: str, **event_data: Any) -> None:
        event = frozen({"event_type": event_type, **event_data})
        with self._lock:
            self._events.setdefault(execution_id, []).extend((None, None, event))

    def log_event_at(self, execution_id: str, event_type: str, when: float, data: dict) -> None:
        events = self._events.get(execution_id)
        if events is None:
            with self._lock:
                events = self._events.setdefault(execution_id, [])
        # list.extend is atomic: no lock on the hot path
        events.extend((event_type, when, frozen(data)))

    def get_events(self, execution_id: str) -> list[dict]:
        with self._lock:
            flat = list(self._events.get(execution_id, ()))
        return [_event(*flat[at : at + 3]) for at in range(0, len(flat), 3)]

    def delete_events(self, execution_id: str) -> None:
        with self._lock:
            self._events.pop(execution_id, None)

    def cleanup_all(self) -> None:
        with self._lock:
            self._events.clear()


def _event(event_type: str | None, when: float | None, data: Any) -> dict:
    if event_type is None:  # logged whole by log_event
        return thawed(data)
    return {"event_type": event_type, "timestamp": utc_timestamp(when), "context": thawed(data)}


class InMemoryConversationHistoryBackend:
    def __init__(self) -> None:
        self._histories: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    def get_conversation_history(self, identity: str) -> list[dict]:
        with self._lock:
            return _detach(self._histories.get(identity, []))

    def append_to_conversation_history(self, identity: str, entry: dict) -> None:
        snapshot = _detach(entry)
        with self._lock:
            self._histories.setdefault(identity, []).append(snapshot)

    def save_conversation_history(self, identity: str, history: list[dict]) -> None:
        snapshot = _detach(list(history))
        with self._lock:
            self._histories[identity] = snapshot

    def delete_conversation_history(self, identity: str) -> None:
        with self._lock:
            self._histories.pop(identity, None)

    def cleanup_all(self) -> None:
        with self._lock:
            self._histories.clear()


class InMemoryContextSchemaBackend:
    def __init__(self) -> None:
        self._schemas: dict[str, dict] = {}
        self._lock = threading.Lock()

    def save_context_schema(self, execution_id: str, schema: dict) -> None:
        snapshot = _detach(schema)
        with self._lock:
            self._schemas[execution_id] = snapshot

    def get_context_schema(self, execution_id: str) -> dict | None:
        with self._lock:
            stored = self._schemas.get(execution_id)
            return _detach(stored) if stored is not None else None

    def delete_context_schema(self, execution_id: str) -> bool:
        with self._lock:
            return self._schemas.pop(execution_id, None) is not None

    def cleanup_all(self) -> None:
        with self._lock:
            self._schemas.clear()


class InMemoryIdentityBackend:
    def __init__(self) -> None:
        self._identities: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def save_identities(self, execution_id: str, identities: dict[str, str]) -> None:
        snapshot = _detach(identities)
        with self._lock:
            self._identities[execution_id] = snapshot

    def get_identities(self, execution_id: str) -> dict[str, str] | None:
        with self._lock:
            stored = self._identities.get(execution_id)
            return _detach(stored) if stored is not None else None

    def get_identity(self, execution_id: str, name: str) -> str | None:
        with self._lock:
            stored = self._identities.get(execution_id)
            return _detach(stored.get(name)) if stored else None

    def delete_identities(self, execution_id: str) -> bool:
        with self._lock:
            return self._identities.pop(execution_id, None) is not None

    def cleanup_all(self) -> None:
        with self._lock:
            self._identities.clear()


def open_memory(url: str = "memory://", *, journal: bool | None = None) -> LocalBackends:
    """Open ``memory://``: all six backends in memory (CORE-90).

    A journal (``memory://?journal=1`` or ``journal=True``) records pending
    work so that a failed execution can be resumed in the same process; it
    is off by default because memory dies with the process and the journal
    costs about a fifth of a node run.
    """
    if not url.startswith("memory:"):
        raise ValueError(f"open_memory() expects a memory:// URL, got {url!r}")
    query = parse_qs(urlsplit(url).query)
    unknown = set(query) - {"journal"}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise TypeError(f"memory:// takes only the journal option, got {names}")
    if journal is None:
        journal = query.get("journal", ["0"])[-1].lower() in ("1", "true", "yes", "on")
    return LocalBackends(
        InMemoryContextBackend(),
        InMemoryWorkflowBackend(),
        telemetry_backend=InMemoryTelemetryBackend(),
        conversation_history_backend=InMemoryConversationHistoryBackend(),
        context_schema_backend=InMemoryContextSchemaBackend(),
        identity_backend=InMemoryIdentityBackend(),
        journal=MemoryJournal() if journal else None,
    )


def create_in_memory_backends() -> LocalBackends:
    """Same as ``open_memory("memory://")``, without going through the plugin registry."""
    return open_memory("memory://")
