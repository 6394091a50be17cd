"""``soe.builtin_tools.soe_call_tool`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_call_tool_tool

__all__ = ["create_soe_call_tool_tool"]
