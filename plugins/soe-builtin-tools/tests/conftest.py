"""Fixtures for the built-in tool suites: run YAML workflows on shared or fresh backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from soe_builtin_tools import set_policy
from soe_builtin_tools.policy import (
    ENV_ALLOW,
    ENV_CROSS_EXECUTION,
    ENV_DENY,
    ENV_INJECT_NODE_TYPES,
)

from soe_core import create_all_nodes, create_in_memory_backends, orchestrate


@dataclass
class Flow:
    execution_id: str
    backends: Any
    nodes: Any
    broadcast: Any

    @property
    def context(self) -> dict:
        return self.backends.context.get_context(self.execution_id)

    def ctx(self, execution_id: str) -> dict:
        return self.backends.context.get_context(execution_id)

    def latest(self, field: str, execution_id: str | None = None) -> Any:
        history = self.ctx(execution_id or self.execution_id).get(field)
        return history[-1] if history else None

    @property
    def signals(self) -> list[str]:
        return self.context["__operational__"]["signals"]

    @property
    def registry(self) -> dict:
        return self.backends.workflow.get_workflows_registry(self.execution_id)

    def events(self, event_type: str | None = None, execution_id: str | None = None):
        events = self.backends.telemetry.get_events(execution_id or self.execution_id)
        return [e["context"] for e in events if event_type in (None, e["event_type"])]

    def errors(self, execution_id: str | None = None) -> list[str]:
        return [e.get("error", "") for e in self.events("node_error", execution_id)]

    def signal(self, *signals: str) -> None:
        from soe_core import broadcast_signals

        broadcast_signals(self.execution_id, list(signals), self.nodes, self.backends)


@pytest.fixture(autouse=True)
def _clean_policy(monkeypatch):
    for name in (ENV_ALLOW, ENV_DENY, ENV_CROSS_EXECUTION, ENV_INJECT_NODE_TYPES):
        monkeypatch.delenv(name, raising=False)
    set_policy(None)
    yield
    set_policy(None)


@pytest.fixture
def flow():
    """``flow(yaml, workflow="main", signals=("START",), context=None, tools=None,
    backends=None, nodes=None)`` runs a workflow and returns a :class:`Flow`.

    Pass ``backends``/``nodes`` (from an earlier Flow) to share them between runs.
    """

    def run(
        config,
        workflow="main",
        signals=("START",),
        context=None,
        tools=None,
        backends=None,
        nodes=None,
        **orchestrate_kwargs,
    ) -> Flow:
        backends = backends if backends is not None else create_in_memory_backends()
        if nodes is None:
            nodes, broadcast = create_all_nodes(backends, tools_registry=tools)
        else:
            broadcast = nodes.broadcast_caller
        execution_id = orchestrate(
            config,
            workflow,
            list(signals),
            context or {},
            backends,
            broadcast,
            **orchestrate_kwargs,
        )
        return Flow(execution_id, backends, nodes, broadcast)

    return run

