"""``soe.builtin_tools.soe_inject_context_schema_field`` (BUILTIN-3)."""

from soe_builtin_tools import create_soe_inject_context_schema_field_tool

__all__ = ["create_soe_inject_context_schema_field_tool"]
