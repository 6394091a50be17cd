"""``soe.builtin_tools.soe_remove_identity`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_remove_identity_tool

__all__ = ["create_soe_remove_identity_tool"]
