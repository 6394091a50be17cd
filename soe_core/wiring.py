"""What node executors are built with, and the map that holds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .dispatch import runs_on_stack
from .errors import NodeTypeNotWiredError, WorkflowValidationError
from .plugins import PluginRegistry
from .registrations import NodeType, Tool
from .settings import Settings


@dataclass
class NodeWiring:
    """Everything a node type's ``build`` may need.

    ``broadcast`` sends the node's emissions; ``orchestrate_caller`` starts
    child executions (CHILD-15); ``resolve_tool`` finds a tool by name in the
    user's registry, then among built-in tools (TOOL-3).
    """

    backends: Any
    broadcast: Callable[[str, list], None]
    nodes: NodeMap
    registry: PluginRegistry
    settings: Settings
    call_llm: Callable[[str, dict], str] | None = None
    tools_registry: dict | None = None
    orchestrate_caller: Callable[..., str] | None = None
    extras: dict = field(default_factory=dict)

    def resolve_tool(self, name: str, execution_id: str) -> Any:
        """The registry entry for ``name`` (a callable or a mapping), or None.

        Built-in tools are bound to ``execution_id`` on every call (BUILTIN-2)
        and never written into the user's registry.
        """
        registry = self.tools_registry or {}
        if name in registry:
            return registry[name]
        tool = self.registry.builtin_tools().get(name)
        if tool is None:
            return None
        return tool_entry(tool, execution_id, self.backends, registry)


def tool_entry(tool: Tool, execution_id: str, backends: Any, tools_registry: dict) -> dict:
    function = tool.function
    if tool.factory is not None:
        function = tool.factory(
            execution_id=execution_id, backends=backends, tools_registry=tools_registry
        )
    entry: dict = {"function": function, "max_retries": tool.max_retries}
    if tool.failure_signal:
        entry["failure_signal"] = tool.failure_signal
    if tool.process_accumulated:
        entry["process_accumulated"] = True
    return entry


class NodeMap(dict):
    """``node_type -> executor``, as returned by ``create_all_nodes`` (CORE-94).

    Holds the wiring and settings so the engine can reach them. Types that
    need a tools registry are built on first use when none was given (TOOL-4),
    so built-in tools work without one; the key listing stays as the
    original's.
    """

    wiring: NodeWiring
    settings: Settings
    broadcast_caller: Callable[[str, list], None]

    def __init__(self) -> None:
        super().__init__()
        self.lazy: dict[str, NodeType] = {}
        self.unwired: dict[str, str] = {}

    def __missing__(self, node_type: str):
        spec = self.lazy.get(node_type)
        if spec is not None:
            executor = runs_on_stack(spec.build(self.wiring))
            self[node_type] = executor
            return executor
        reason = self.unwired.get(node_type)
        if reason:
            raise NodeTypeNotWiredError(f"node type '{node_type}' is not wired: {reason}")
        raise NodeTypeNotWiredError(
            f"node type '{node_type}' is not wired (wired: {', '.join(self) or 'none'})"
        )


def default_orchestrate_caller(nodes: NodeMap) -> Callable[..., str]:
    """Start a child execution in process (CORE-96)."""
    from .engine import orchestrate
    from .yaml_parser import parse_yaml

    def orchestrate_caller(
        config, initial_workflow_name, initial_signals, initial_context, backends
    ):
        # a mapping is used as given: orchestrate never changes it, and the
        # stores keep their own copy (the child node passes its own snapshot)
        if isinstance(config, str):
            config = parse_yaml(config)
        elif not isinstance(config, dict):
            raise WorkflowValidationError(
                f"child config must be YAML text or a mapping, got {type(config).__name__}"
            )
        return orchestrate(
            config=config,
            initial_workflow_name=initial_workflow_name,
            initial_signals=initial_signals,
            initial_context=initial_context,
            backends=backends,
            broadcast_signals_caller=nodes.broadcast_caller,
        )

    return orchestrate_caller
