"""``soe.builtin_tools.soe_inject_workflow`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_inject_workflow_tool

__all__ = ["create_soe_inject_workflow_tool"]
