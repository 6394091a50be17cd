"""A friendlier entry point over the original functions: :class:`Engine`.

``Engine`` builds backends from a URL, an LLM from a provider name and a
node set, then runs workflows::

    engine = Engine("memory://", tools={"add": lambda a, b: a + b})
    run = engine.run(yaml_text, "main", ["START"], {"a": 1})
    run.context["total"]          # latest value of a field

``orchestrate`` and friends stay first-class; this only wires them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .backends import open_backends
from .context import template_view
from .engine import orchestrate
from .errors import ResumeError, WorkflowValidationError
from .journal import journal_of
from .llm import get_llm
from .resume import resume
from .retention import prune
from .settings import Settings
from .setup import create_all_nodes
from .store import contexts


@dataclass
class Execution:
    """A view of one execution: its id and the backends holding it."""

    engine: Engine
    execution_id: str

    @property
    def raw_context(self) -> dict:
        """The stored context: histories for ordinary fields."""
        return self.engine.backends.context.get_context(self.execution_id)

    @property
    def context(self) -> dict:
        """Latest value of each ordinary field."""
        view = template_view(contexts(self.engine.backends).read(self.execution_id))
        return {key: value for key, value in view.items() if not key.startswith("__")}

    @property
    def signals(self) -> list[str]:
        return list(self.raw_context["__operational__"]["signals"])

    def history(self, field: str) -> list:
        return list(self.raw_context.get(field, []))

    def events(self) -> list[dict]:
        telemetry = self.engine.backends.telemetry
        return telemetry.get_events(self.execution_id) if telemetry is not None else []

    def signal(self, *signals: str) -> Execution:
        self.engine.signal(self.execution_id, *signals)
        return self

    @property
    def status(self) -> str | None:
        """``running``, ``idle`` or ``failed`` (None when the store keeps no journal)."""
        journal = journal_of(self.engine.backends)
        record = journal.execution(self.execution_id) if journal is not None else None
        return record.get("status") if record else None

    def resume(self) -> Execution:
        self.engine.resume(self.execution_id)
        return self


class Engine:
    """Backends, node set and caller, assembled from names."""

    def __init__(
        self,
        store: str | Any = "memory://",
        *,
        llm: str | Callable[[str, dict], str] | None = None,
        llm_options: Mapping[str, Any] | None = None,
        tools: Mapping[str, Any] | None = None,
        caller: str = "sync",
        caller_options: Mapping[str, Any] | None = None,
        settings: Settings | None = None,
    ):
        self.backends = open_backends(store) if isinstance(store, str) else store
        if isinstance(llm, str):
            llm = get_llm(llm, **dict(llm_options or {}))
        self.call_llm = llm
        self.nodes, self.broadcast = create_all_nodes(
            self.backends,
            call_llm=llm,
            tools_registry=dict(tools) if tools is not None else None,
            caller=caller,
            caller_options=caller_options,
            settings=settings,
        )

    def run(
        self,
        config: Any,
        workflow: str,
        signals: list[str],
        context: Mapping[str, Any] | None = None,
        *,
        inherit_config_from: str | None = None,
        inherit_context_from: str | None = None,
    ) -> Execution:
        execution_id = orchestrate(
            config,
            workflow,
            list(signals),
            dict(context or {}),
            self.backends,
            self.broadcast,
            inherit_config_from_id=inherit_config_from,
            inherit_context_from_id=inherit_context_from,
        )
        return Execution(self, execution_id)

    def execution(self, execution_id: str) -> Execution:
        return Execution(self, execution_id)

    def signal(self, execution_id: str, *signals: str) -> None:
        """Send signals to an existing execution (external continuation, CORE-69)."""
        self.broadcast(execution_id, list(signals))

    def resume(self, execution_id: str) -> Execution:
        """Finish an execution stopped by a crash or an error (:func:`soe_core.resume.resume`)."""
        resume(execution_id, self.nodes, self.backends)
        return Execution(self, execution_id)

    def executions(self) -> list[dict]:
        """Summaries of the stored executions, oldest first (needs a journal)."""
        journal = journal_of(self.backends)
        if journal is None:
            raise ResumeError("this store keeps no journal: executions are not listed")
        return journal.executions()

    def prune(
        self, *execution_ids: str, older_than: datetime.datetime | str | None = None
    ) -> list[str]:
        """Delete executions and their children; return the deleted ids."""
        return prune(self.backends, list(execution_ids), older_than=older_than)

    def switch_workflow(self, execution_id: str, workflow: str) -> None:
        """Make another workflow of the registry the current one (ECO-2)."""
        switch_workflow(self.backends, execution_id, workflow)

    def close(self) -> None:
        """Stop the caller's threads, if it has any, and close the store."""
        for owner in (self.broadcast, self.backends):
            close = getattr(owner, "close", None)
            if close is not None:
                close()


def switch_workflow(backends: Any, execution_id: str, workflow: str) -> None:
    """Validate ``workflow`` against the execution's registry and make it current (ECO-2)."""
    registry = backends.workflow.get_workflows_registry(execution_id) or {}
    if workflow not in registry:
        raise WorkflowValidationError(
            f"Workflow '{workflow}' not found in the registry of execution '{execution_id}'. "
            f"Available workflows: {list(registry)}"
        )
    backends.workflow.save_current_workflow_name(execution_id, workflow)
