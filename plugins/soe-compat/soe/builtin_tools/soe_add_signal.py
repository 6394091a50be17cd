"""``soe.builtin_tools.soe_add_signal`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_add_signal_tool

__all__ = ["create_soe_add_signal_tool"]
