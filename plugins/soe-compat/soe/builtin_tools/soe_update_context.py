"""``soe.builtin_tools.soe_update_context`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_update_context_tool

__all__ = ["create_soe_update_context_tool"]
