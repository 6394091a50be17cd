"""``soe.builtin_tools.soe_remove_node`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_remove_node_tool

__all__ = ["create_soe_remove_node_tool"]
