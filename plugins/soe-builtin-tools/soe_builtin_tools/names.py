"""The names of the built-in tools, in registry order (BUILTIN-1)."""

BUILTIN_NAMES: tuple[str, ...] = (
    "soe_inject_workflow",
    "soe_inject_node",
    "soe_get_workflows",
    "soe_get_available_tools",
    "soe_explore_docs",
    "soe_remove_workflow",
    "soe_remove_node",
    "soe_get_context",
    "soe_update_context",
    "soe_copy_context",
    "soe_list_contexts",
    "soe_add_signal",
    "soe_call_tool",
    "soe_get_identities",
    "soe_inject_identity",
    "soe_remove_identity",
    "soe_get_context_schema",
    "soe_inject_context_schema_field",
    "soe_remove_context_schema_field",
)

MUTATING: frozenset[str] = frozenset(
    {
        "soe_inject_workflow",
        "soe_inject_node",
        "soe_remove_workflow",
        "soe_remove_node",
        "soe_update_context",
        "soe_copy_context",
        "soe_add_signal",
        "soe_inject_identity",
        "soe_remove_identity",
        "soe_inject_context_schema_field",
        "soe_remove_context_schema_field",
    }
)
"""Built-ins that change stored state; each change is audited."""
