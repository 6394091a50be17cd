"""Built-ins about tools: listing and calling by name (BUILTIN-23, BUILTIN-24).

Both see the user's registry first, then every built-in tool (ours and those
of other ``builtin`` tool packs), each bound to the calling execution on every
call (BUILTIN-2). The user's registry is only read, never written (WP-1).
"""

import json
from collections.abc import Mapping
from typing import Any

from soe_core.plugins import get_registry
from soe_core.telemetry import EventTypes, register_event
from soe_core.wiring import tool_entry

from ._common import builtin
from .names import BUILTIN_NAMES
from .policy import current_policy


def _builtin_names(tools_registry: Mapping) -> list[str]:
    policy = current_policy()
    names = list(BUILTIN_NAMES)
    names += [name for name in get_registry().builtin_tools() if name not in BUILTIN_NAMES]
    return [
        name
        for name in names
        if name not in tools_registry and (name not in BUILTIN_NAMES or policy.allows(name))
    ]


def create_soe_get_available_tools_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_get_available_tools`` bound to one execution (BUILTIN-23)."""
    registry = tools_registry if tools_registry is not None else {}

    @builtin("soe_get_available_tools", execution_id, backends)
    def soe_get_available_tools() -> dict:
        """List the tools that can be called: built-in tools and the user's tools."""
        return {"builtin_tools": _builtin_names(registry), "user_tools": list(registry)}

    return soe_get_available_tools


def _resolve(name: str, registry: Mapping, execution_id: str, backends: Any) -> Any:
    if name in registry:
        return registry[name]
    tool = get_registry().builtin_tools().get(name)
    if tool is None:
        return None
    return tool_entry(tool, execution_id, backends, registry)


def create_soe_call_tool_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_call_tool`` bound to one execution (BUILTIN-24)."""
    registry = tools_registry if tools_registry is not None else {}

    @builtin("soe_call_tool", execution_id, backends)
    def soe_call_tool(tool_name: str, arguments: str | dict = "{}") -> dict:
        """Call a tool by name, once, with JSON arguments; errors are returned, not raised.

        Args:
            tool_name: the tool to call (a user tool or a built-in).
            arguments: the keyword arguments as a JSON object text.
        """
        if arguments is None:
            args: Any = {}
        elif isinstance(arguments, Mapping):
            args = dict(arguments)
        elif isinstance(arguments, str):
            try:
                args = json.loads(arguments) if arguments.strip() else {}
            except ValueError as exc:
                return {"error": f"Invalid JSON arguments: {exc}", "tool_name": tool_name}
        else:
            raise TypeError(
                f"arguments must be a JSON object string, got {type(arguments).__name__}"
            )
        entry = _resolve(tool_name, registry, execution_id, backends)
        if entry is None:
            available = list(registry) + _builtin_names(registry)
            return {"error": f"Tool '{tool_name}' not found", "available_tools": available[:20]}
        if isinstance(entry, Mapping):
            function = entry.get("function")
            if not callable(function):
                return {"error": f"Tool '{tool_name}' is not callable"}
        elif callable(entry):
            function = entry
        else:
            return {"error": f"Invalid tool registry entry for '{tool_name}'"}
        register_event(
            backends,
            execution_id,
            EventTypes.TOOL_CALL,
            {"meta_tool": "call_tool", "invoked_tool": tool_name, "arguments": args},
        )
        try:
            if not isinstance(args, Mapping):
                raise TypeError(
                    f"arguments must be a JSON object, got {type(args).__name__}"
                )
            result = function(**args)
        except TypeError as exc:
            return {"error": f"Argument error for '{tool_name}': {exc}", "tool_name": tool_name}
        except Exception as exc:
            return {"error": f"Tool '{tool_name}' failed: {exc}", "tool_name": tool_name}
        return {"success": True, "tool_name": tool_name, "result": result}

    return soe_call_tool
