"""``soe.builtin_tools.soe_copy_context`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_copy_context_tool

__all__ = ["create_soe_copy_context_tool"]
