"""Tools registries assembled from installed tool packs (the ``soe_tools`` hook)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import PluginError
from .plugins import PluginRegistry, get_registry
from .wiring import tool_entry


def tools_registry_from_packs(names: Iterable[str], registry: PluginRegistry | None = None) -> dict:
    """A tools registry with every tool of the named packs.

    Packs marked ``builtin`` need no listing (their tools resolve everywhere);
    their per-execution tools cannot be put in a registry and are refused.
    """
    registry = registry or get_registry()
    tools: dict = {}
    for name in names:
        pack = registry.tool_pack(name)
        for tool in pack.tools:
            if tool.factory is not None:
                raise PluginError(
                    f"tool pack {name!r}: tool {tool.name!r} is bound per execution; "
                    "built-in packs are always available and need no listing"
                )
            tools[tool.name] = tool_entry(tool, "", None, {})
    return tools
