"""Hook implementations of soe-builtin-tools: the ``soe-builtins`` tool pack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soe_core import Tool, ToolPack, hookimpl

from .catalog import BUILTINS, factory_of


def _deferred(name: str) -> Callable[..., Any]:
    """A factory importing the built-in's module on first use (issue #9)."""
    real: Callable[..., Any] | None = None

    def factory(*args: Any, **kwargs: Any) -> Any:
        nonlocal real
        if real is None:
            real = factory_of(name)
        return real(*args, **kwargs)

    factory.__name__ = factory.__qualname__ = f"create_{name}_tool"
    return factory


BUILTIN_PACK = ToolPack(
    "soe-builtins",
    tools=tuple(
        Tool(name, factory=_deferred(name), description=description)
        for name, (_module, description) in BUILTINS.items()
    ),
    builtin=True,
    description="the soe_* built-in tools, available to every tool node and agent",
)


@hookimpl
def soe_tools():
    return [BUILTIN_PACK]
