"""The tools an agent may call: loading, naming, argument models, description (AGENT-2..4).

An agent calls only the tools listed in its ``tools`` (AGENT-16), whatever
the model asks. A listed name is found as a key of the user's tools
registry, then as a built-in tool (bound to the running execution on every
run, never cached, WEAK-6), then -- for code written against the reference,
which keyed agent tools by function name (CORE-95) -- as the ``__name__`` of
a registry function. The model may answer with the listed name or with the
function's ``__name__``; the listed name is what it is shown.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from soe_core import WorkflowValidationError

from .fields import model_fields

_QUALIFIED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)")


class AgentToolNotFoundError(WorkflowValidationError, ValueError):
    """A ``tools`` entry names no registry tool and no built-in (AGENT-3)."""


@dataclass(frozen=True)
class AgentTool:
    name: str
    function: Callable[..., Any]
    max_retries: int = 0

    @property
    def function_name(self) -> str:
        return getattr(self.function, "__name__", self.name)


def normalise_entry(raw: Any) -> AgentTool | None:
    """A registry entry as an agent tool, or None for entries agents ignore (CORE-95)."""
    if isinstance(raw, dict):
        function = raw.get("function")
        if not callable(function):
            return None
        retries = raw.get("max_retries", 0)
        retries = retries if isinstance(retries, int) and retries > 0 else 0
        return AgentTool("", function, retries)
    if callable(raw):
        return AgentTool("", raw, 0)
    return None


def registry_from_list(entries: Iterable[Any]) -> dict[str, Any]:
    """The reference's agent registry: a list of entries keyed by function name."""
    registry: dict[str, Any] = {}
    for raw in entries or ():
        tool = normalise_entry(raw)
        if tool is not None:
            registry[tool.function_name] = raw
    return registry


class ToolSet:
    """The tools of one agent run, by listed name, with function-name aliases."""

    def __init__(self, tools: list[AgentTool]):
        self.tools = {tool.name: tool for tool in tools}
        self.aliases: dict[str, str] = {}
        for tool in tools:
            self.aliases.setdefault(tool.function_name, tool.name)

    def names(self) -> list[str]:
        return list(self.tools)

    def find(self, name: Any) -> AgentTool | None:
        if not isinstance(name, str) or not name:
            return None
        tool = self.tools.get(name)
        if tool is None and name in self.aliases:
            tool = self.tools[self.aliases[name]]
        return tool


def load_tools(
    names: list[str],
    lookup: Callable[[str], Any],
    registry: dict | None,
) -> ToolSet:
    """Resolve every listed name, or raise :class:`AgentToolNotFoundError`."""
    loaded = []
    for name in names or ():
        raw = lookup(name)
        tool = normalise_entry(raw) if raw is not None else None
        if tool is None:
            tool = _by_function_name(name, registry)
        if tool is None:
            raise AgentToolNotFoundError(f"Tool '{name}' not found in registry or builtins")
        loaded.append(AgentTool(name, tool.function, tool.max_retries))
    return ToolSet(loaded)


def _by_function_name(name: str, registry: dict | None) -> AgentTool | None:
    for raw in (registry or {}).values():
        tool = normalise_entry(raw)
        if tool is not None and tool.function_name == name:
            return tool
    return None


# -- what the model sees ------------------------------------------------------


def _hints(function: Callable) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except Exception:
        return {}


def _signature(function: Callable) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return "Any"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return _QUALIFIED.sub(r"\1", str(annotation))


def describe(tool: AgentTool) -> str:
    """``name(p: type, …)`` then the docstring indented (AGENT-4; readable types)."""
    hints = _hints(tool.function)
    signature = _signature(tool.function)
    params = []
    for param in signature.parameters.values() if signature else ():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(param.name, param.annotation)
        if isinstance(annotation, str):
            annotation = inspect.Parameter.empty
        params.append(f"{param.name}: {type_name(annotation)}")
    doc = inspect.getdoc(tool.function) or "No description"
    return f"{tool.name}({', '.join(params)})\n  {doc}"


def describe_all(tools: ToolSet) -> str:
    return "\n\n".join(describe(tool) for tool in tools.tools.values())


def arguments_model(tool: AgentTool) -> type[BaseModel]:
    """``<function name>Schema`` from the signature: required unless defaulted (AGENT-10)."""
    hints = _hints(tool.function)
    signature = _signature(tool.function)
    fields: dict[str, Any] = {}
    extra = "ignore"
    for param in signature.parameters.values() if signature else ():
        if param.kind == param.VAR_KEYWORD:
            extra = "allow"
            continue
        if param.kind == param.VAR_POSITIONAL:
            continue
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty or isinstance(annotation, str):
            annotation = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, Field(default))
    name = f"{''.join(c if c.isalnum() or c == '_' else '_' for c in tool.function_name)}Schema"
    return create_model(name, __config__=ConfigDict(extra=extra), **model_fields(fields))


def call_arguments(validated: BaseModel) -> dict:
    """Arguments for ``function(**args)``; pydantic-typed parameters arrive as dicts."""
    return validated.model_dump(by_alias=True)
