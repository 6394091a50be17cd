"""Hook implementations of soe-builtin-tools: the ``soe-builtins`` tool pack."""

import inspect

from soe_core import Tool, ToolPack, hookimpl

from . import BUILTIN_TOOLS


def _description(factory) -> str:
    sample = factory(execution_id="", backends=None, tools_registry={})
    doc = inspect.getdoc(sample) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ")


@hookimpl
def soe_tools():
    tools = tuple(
        Tool(name, factory=factory, description=_description(factory))
        for name, factory in BUILTIN_TOOLS.items()
    )
    return [
        ToolPack(
            "soe-builtins",
            tools=tools,
            builtin=True,
            description="the soe_* built-in tools, available to every tool node and agent",
        )
    ]
