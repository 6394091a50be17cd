"""``soe.builtin_tools`` (BUILTIN-3): the built-in tool factories of the original SOE.

``BUILTIN_TOOLS`` maps each built-in name to its factory, in registry order;
``get_builtin_tool_factory(name)`` returns a factory or None. Each built-in
also has a module ``soe.builtin_tools.<name>`` holding ``create_<name>_tool``.
The implementation lives in the ``soe-builtin-tools`` distribution.
"""

from soe_builtin_tools import (
    BUILTIN_TOOLS,
    create_soe_add_signal_tool,
    create_soe_call_tool_tool,
    create_soe_copy_context_tool,
    create_soe_explore_docs_tool,
    create_soe_get_available_tools_tool,
    create_soe_get_context_schema_tool,
    create_soe_get_context_tool,
    create_soe_get_identities_tool,
    create_soe_get_workflows_tool,
    create_soe_inject_context_schema_field_tool,
    create_soe_inject_identity_tool,
    create_soe_inject_node_tool,
    create_soe_inject_workflow_tool,
    create_soe_list_contexts_tool,
    create_soe_remove_context_schema_field_tool,
    create_soe_remove_identity_tool,
    create_soe_remove_node_tool,
    create_soe_remove_workflow_tool,
    create_soe_update_context_tool,
    get_builtin_tool_factory,
)

__all__ = [
    "BUILTIN_TOOLS",
    "create_soe_add_signal_tool",
    "create_soe_call_tool_tool",
    "create_soe_copy_context_tool",
    "create_soe_explore_docs_tool",
    "create_soe_get_available_tools_tool",
    "create_soe_get_context_schema_tool",
    "create_soe_get_context_tool",
    "create_soe_get_identities_tool",
    "create_soe_get_workflows_tool",
    "create_soe_inject_context_schema_field_tool",
    "create_soe_inject_identity_tool",
    "create_soe_inject_node_tool",
    "create_soe_inject_workflow_tool",
    "create_soe_list_contexts_tool",
    "create_soe_remove_context_schema_field_tool",
    "create_soe_remove_identity_tool",
    "create_soe_remove_node_tool",
    "create_soe_remove_workflow_tool",
    "create_soe_update_context_tool",
    "get_builtin_tool_factory",
]
