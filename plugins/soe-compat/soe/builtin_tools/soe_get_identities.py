"""``soe.builtin_tools.soe_get_identities`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_get_identities_tool

__all__ = ["create_soe_get_identities_tool"]
