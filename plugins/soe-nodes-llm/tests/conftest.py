"""Shared helpers: scripted stub LLMs and a workflow runner on in-memory backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from soe import create_all_nodes, orchestrate
from soe_nodes_llm import resolution
from soe_nodes_llm.testing import ScriptedLlm

from soe_core import create_in_memory_backends

Stub = ScriptedLlm


@dataclass
class Run:
    execution_id: str
    backends: Any
    nodes: Any

    @property
    def context(self) -> dict:
        return self.backends.context.get_context(self.execution_id)

    @property
    def signals(self) -> list[str]:
        return list(self.context["__operational__"]["signals"])

    @property
    def operational(self) -> dict:
        return self.context["__operational__"]

    def events(self, event_type: str | None = None, execution_id: str | None = None) -> list:
        events = self.backends.telemetry.get_events(execution_id or self.execution_id)
        return [e for e in events if event_type is None or e["event_type"] == event_type]

    def data(self, event_type: str, execution_id: str | None = None) -> list[dict]:
        return [e.get("context", e) for e in self.events(event_type, execution_id)]

    def history(self, key: str | None = None) -> list[dict]:
        return self.backends.conversation_history.get_conversation_history(
            key or self.execution_id
        )


@pytest.fixture
def run() -> Callable[..., Run]:
    """``run(config, call_llm, context=None, tools=None, workflow="wf", signals=("START",))``."""

    def go(
        config: Any,
        call_llm: Any,
        context: dict | None = None,
        tools: dict | None = None,
        workflow: str = "wf",
        signals: tuple = ("START",),
        backends: Any = None,
    ) -> Run:
        backends = backends or create_in_memory_backends()
        nodes, caller = create_all_nodes(backends, call_llm=call_llm, tools_registry=tools)
        execution_id = orchestrate(config, workflow, list(signals), context or {}, backends, caller)
        return Run(execution_id, backends, nodes)

    return go


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch):
    """Transient-retry backoffs are recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(resolution, "sleep", slept.append)
    return slept


@pytest.fixture
def stub() -> type[Stub]:
    return Stub
