"""The current workflow of an execution, indexed by signal.

A broadcast must find its listeners without scanning every node or copying
the registry. A :class:`CompiledWorkflow` is an immutable snapshot (CORE-37)
with a ``signal -> node positions`` index. It is cached per execution and
rebuilt only when the stored registry changes: workflow backends that offer
``workflows_version(execution_id)`` tell us cheaply; for the others we
re-read and rebuild on every broadcast, which is correct but slower.
"""

from __future__ import annotations

import threading
from typing import Any

from .attached import attached

_MISSING = object()


class CompiledWorkflow:
    """One workflow, indexed by signal.

    Kept flat (parallel lists, a bare position for a signal with one
    listener) because a large workflow lives as long as its execution and
    every extra tuple or list is one more object for the garbage collector.
    """

    __slots__ = ("workflow_name", "names", "configs", "index", "validated")

    def __init__(self, workflow_name: str, workflow: dict):
        self.workflow_name = workflow_name
        self.names: list[str] = []
        self.configs: list[Any] = []
        self.index: dict[str, int | list[int]] = {}
        self.validated: set[str] = set()
        if not isinstance(workflow, dict):
            return
        index = self.index
        self.names = list(workflow)
        self.configs = configs = list(workflow.values())
        for position, config in enumerate(configs):
            triggers = config.get("event_triggers") if isinstance(config, dict) else None
            if not isinstance(triggers, list):
                continue
            if len(triggers) == 1 and type(triggers[0]) is str:
                signals: Any = triggers  # the common case: one plain signal
            else:
                signals = {_hashable(trigger): None for trigger in triggers}
            for signal in signals:
                known = index.get(signal)
                if known is None:
                    index[signal] = position
                elif type(known) is int:
                    index[signal] = [known, position]
                else:
                    known.append(position)

    @property
    def nodes(self) -> list[tuple[str, dict]]:
        """``(name, config)`` of every node, in registry order."""
        return list(zip(self.names, self.configs, strict=True))

    def listeners(self, signals: list[str]) -> list[tuple[str, dict]]:
        """Nodes triggered by any of ``signals``, once each, in registry order (CORE-34)."""
        index = self.index
        if len(signals) == 1:
            found = index.get(signals[0])
            if found is None:
                return []
            positions = (found,) if type(found) is int else found
        else:
            unique: set[int] = set()
            for signal in signals:
                found = index.get(signal)
                if found is None:
                    continue
                if type(found) is int:
                    unique.add(found)
                else:
                    unique.update(found)
            positions = sorted(unique)
        names, configs = self.names, self.configs
        return [(names[p], configs[p]) for p in positions]


def _hashable(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


class _Cache:
    def __init__(self, size: int = 2048):
        self.size = size
        self.entries: dict[str, tuple[Any, CompiledWorkflow | None]] = {}
        self.lock = threading.Lock()


# the attribute holding the helper on its backend (see attached())
_ATTACHED = "_soe_compiled_workflows"


def current_workflow(backends: Any, execution_id: str) -> CompiledWorkflow | None:
    """The compiled current workflow of an execution, or None (CORE-32 step 3)."""
    backend = backends.workflow
    version_of = getattr(backend, "workflows_version", None)
    if version_of is None:
        return _compile(backend, execution_id)
    version = version_of(execution_id)
    cache = getattr(backend, _ATTACHED, None)
    if type(cache) is not _Cache:
        cache = _cache_for(backend)
    entry = cache.entries.get(execution_id)  # a dict read needs no lock
    if entry is not None and entry[0] == version:
        return entry[1]
    compiled = _compile(backend, execution_id)
    with cache.lock:
        entries = cache.entries
        entries.pop(execution_id, None)
        entries[execution_id] = (version, compiled)
        while len(entries) > cache.size:  # the least recently compiled goes first
            del entries[next(iter(entries))]
    return compiled


def mark_validated(backends: Any, execution_id: str) -> None:
    """Record that the stored registry of an execution passed static validation.

    ``orchestrate`` validates the whole config before saving it; this spares
    the broker a second validation of each node on its first run.
    """
    compiled = current_workflow(backends, execution_id)
    if compiled is not None and getattr(backends.workflow, "workflows_version", None):
        compiled.validated.update(compiled.names)


def _compile(backend: Any, execution_id: str) -> CompiledWorkflow | None:
    # read_workflows_registry: the stored registry without a copy, for
    # backends that keep live objects; the compiled snapshot never mutates it
    read = getattr(backend, "read_workflows_registry", None) or backend.get_workflows_registry
    registry = read(execution_id) or {}
    name = backend.get_current_workflow_name(execution_id)
    workflow = registry.get(name) if isinstance(registry, dict) else None
    if workflow is None:
        return None
    return CompiledWorkflow(name, workflow)


def _cache_for(backend: Any) -> _Cache:
    return attached(backend, _ATTACHED, _Cache, lambda _backend: _Cache())
