"""``soe.builtin_tools.soe_remove_workflow`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_remove_workflow_tool

__all__ = ["create_soe_remove_workflow_tool"]
