"""``soe.builtin_tools.soe_explore_docs`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_explore_docs_tool

__all__ = ["create_soe_explore_docs_tool"]
