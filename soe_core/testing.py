"""Testing kit for SOE and its plugins (loaded by pytest through the ``pytest11`` entry point).

Fixtures:

``soe_plugins``
    A function ``soe_plugins(*plugins)`` that loads the installed plugins plus
    the given plugin objects into a fresh registry and makes it the
    process-wide one for the current test.
``memory_backends``
    Fresh in-memory backends.
``run_workflow``
    ``run_workflow(yaml, workflow, signals, context=None, tools=None, call_llm=None)``
    runs on fresh in-memory backends and returns a :class:`Run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from .backends import create_in_memory_backends
from .engine import orchestrate
from .plugins import get_registry, load_plugins, set_registry
from .setup import create_all_nodes


@dataclass
class Run:
    """The result of one ``run_workflow`` call."""

    execution_id: str
    backends: Any
    nodes: Any
    broadcast: Any

    @property
    def context(self) -> dict:
        return self.backends.context.get_context(self.execution_id)

    @property
    def signals(self) -> list[str]:
        return self.context["__operational__"]["signals"]

    def events(self, event_type: str | None = None, execution_id: str | None = None) -> list[dict]:
        events = self.backends.telemetry.get_events(execution_id or self.execution_id)
        return [e for e in events if event_type is None or e["event_type"] == event_type]


@pytest.fixture
def soe_plugins():
    previous = get_registry()

    def install(*plugins: Any):
        registry = load_plugins(extra_plugins=plugins)
        set_registry(registry)
        return registry

    yield install
    set_registry(previous)


@pytest.fixture
def memory_backends():
    return create_in_memory_backends()


@pytest.fixture
def run_workflow():
    def run(config, workflow, signals, context=None, tools=None, call_llm=None, **kwargs) -> Run:
        backends = create_in_memory_backends()
        nodes, broadcast = create_all_nodes(
            backends, call_llm=call_llm, tools_registry=tools, **kwargs
        )
        execution_id = orchestrate(
            config, workflow, list(signals), context or {}, backends, broadcast
        )
        return Run(execution_id, backends, nodes, broadcast)

    return run
