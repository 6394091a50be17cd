"""``soe.builtin_tools.soe_list_contexts`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_list_contexts_tool

__all__ = ["create_soe_list_contexts_tool"]
