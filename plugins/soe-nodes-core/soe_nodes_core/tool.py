"""The ``tool`` node: call a registered function (TOOL-1..23)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from soe_core import EventTypes, NodeType, WorkflowValidationError, dispatch
from soe_core.concurrent import waiting
from soe_core.context import get_field
from soe_core.dispatch import runs_on_stack
from soe_core.emissions import condition_warning, has_template_condition, passing_signals
from soe_core.outputs import save_output_to_context
from soe_core.store import contexts
from soe_core.telemetry import register_event
from soe_core.templating import ContextView, render_parameters
from soe_core.validation import check_operational, checks
from soe_core.yaml_parser import parse_yaml

from .tool_entries import ToolEntry, resolve_entry


def validate_tool(config: dict) -> None:
    """Static checks of CORE-17, in order."""
    checks.event_triggers(config)
    if "tool_name" not in config:
        checks.fail("'tool_name' is required")
    emissions = config.get("event_emissions")
    if emissions is not None:
        if not isinstance(emissions, list):
            checks.fail(f"'event_emissions' must be a list, got {type(emissions).__name__}")
        for index, item in enumerate(emissions):
            if not isinstance(item, dict):
                checks.fail(f"'event_emissions[{index}]' must be a dict")
            if "signal_name" not in item:
                checks.fail(f"'event_emissions[{index}]' must have 'signal_name'")
    checks.output_field(config)
    parameters = config.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        checks.fail(f"'parameters' must be a dict, got {type(parameters).__name__}")
    if parameters is not None and config.get("context_parameter_field") is not None:
        checks.fail("Cannot specify both 'parameters' and 'context_parameter_field'")


def validate_tool_node_config(node_config: dict, tools_registry: dict | None) -> None:
    """Static checks plus the registry entry's checks (CORE-18)."""
    from soe_core.plugins import get_registry

    validate_tool(node_config)
    name = node_config.get("tool_name")
    registry = tools_registry or {}
    if name in registry:
        resolve_entry(name, registry[name])
    elif name not in get_registry().builtin_tools():
        raise WorkflowValidationError(f"Tool '{name}' not found in tools_registry or builtin tools")


class _Call:
    """A prepared tool call: the function and how to pass arguments (TOOL-8..12)."""

    __slots__ = ("function", "args", "kwargs", "error")

    def __init__(self, entry: ToolEntry, config: dict, context: dict):
        self.function = entry.function
        self.args: tuple = ()
        self.kwargs: Any = {}
        self.error: Exception | None = None
        parameters = config.get("parameters")
        field = config.get("context_parameter_field")
        if parameters:
            self.kwargs = render_parameters(parameters, ContextView.of(context))
        elif field and field in context:
            # copies: a tool mutating its arguments must not edit the stored context,
            # which some backends hand out live (CORE-89)
            if entry.process_accumulated:
                self.args = (copy.deepcopy(context[field]),)
                return
            value = copy.deepcopy(get_field(context, field))
            if isinstance(value, str):
                try:
                    value = parse_yaml(value)
                except ValueError as exc:  # a failed attempt, not a crash (WP-9)
                    self.error = exc
            self.kwargs = value

    def __call__(self) -> Any:
        if self.error is not None:
            raise self.error
        # broadcasts made by the tool finish inside it; other nodes of a
        # threads run go on while it works
        with dispatch.isolated(), waiting():
            if self.args:
                return self.function(*self.args)
            return self.function(**self.kwargs)


def create_tool_node_caller(
    backends: Any,
    tools_registry: dict | None,
    broadcast_signals_caller: Callable,
    resolve_tool: Callable[[str, str], Any] | None = None,
) -> Callable:
    access = contexts(backends)
    registry = tools_registry if tools_registry is not None else {}
    resolved: dict[str, tuple[Any, ToolEntry]] = {}

    def entry_of(name: str, raw: Any) -> ToolEntry:
        """The checked entry, kept while the registry holds the same object."""
        known = resolved.get(name)
        if known is not None and known[0] is raw:
            return known[1]
        entry = resolve_entry(name, raw)
        if callable(raw) and not isinstance(raw, dict):  # a dict could change inside
            resolved[name] = (raw, entry)
        return entry

    def lookup(name: str, execution_id: str) -> Any:
        if resolve_tool is not None:
            return resolve_tool(name, execution_id)
        return registry.get(name)

    def execute_tool(execution_id: str, node_config: dict) -> None:
        context = check_operational(execution_id, access.read(execution_id))
        name = node_config.get("tool_name")
        raw = lookup(name, execution_id)
        if raw is None:
            raise WorkflowValidationError(
                f"Tool '{name}' not found in tools_registry or builtin tools"
            )
        entry = entry_of(name, raw)
        call = _Call(entry, node_config, context)
        emissions = node_config.get("event_emissions")
        view = None
        if has_template_condition(emissions):
            view = ContextView.snapshot(context)  # conditions see the context as of now (CORE-45)
        register_event(
            backends,
            execution_id,
            EventTypes.TOOL_CALL,
            {"tool_name": name, "max_retries": entry.max_retries},
        )
        output_field = node_config.get("output_field")
        for attempt in range(entry.max_retries + 1):
            try:
                result = call()
                break
            except Exception as exc:
                if attempt < entry.max_retries:
                    register_event(
                        backends,
                        execution_id,
                        EventTypes.NODE_ERROR,
                        {"tool_name": name, "retry_attempt": attempt + 1, "error": str(exc)},
                    )
                    continue
                save_output_to_context(backends, execution_id, output_field, str(exc))
                register_event(
                    backends,
                    execution_id,
                    EventTypes.NODE_ERROR,
                    {"tool_name": name, "error": str(exc)},
                )
                if entry.failure_signal:
                    broadcast_signals_caller(execution_id, [entry.failure_signal])
                return
        save_output_to_context(backends, execution_id, output_field, result)
        if not emissions:
            return
        try:
            signals = passing_signals(
                emissions,
                view,
                condition_warning(backends, execution_id, node_config.get("name")),
                result=result,
            )
        except Exception as exc:
            register_event(
                backends,
                execution_id,
                EventTypes.NODE_ERROR,
                {"error": f"Condition evaluation failed: {exc}"},
            )
            return
        if signals:
            broadcast_signals_caller(execution_id, signals)

    return runs_on_stack(execute_tool)


def _build(wiring) -> Callable:
    return create_tool_node_caller(
        wiring.backends, wiring.tools_registry, wiring.broadcast, wiring.resolve_tool
    )


TOOL = NodeType(
    name="tool",
    validate=validate_tool,
    build=_build,
    needs="tools",
    config_model="soe_nodes_core.config_models:ToolConfig",
    description="calls a Python function from the tools registry or a built-in tool",
)

__all__ = ["TOOL", "create_tool_node_caller"]
