"""Where each built-in lives and its one-line description, without importing it.

The plugin hook registers the ``soe-builtins`` pack from this table; a
built-in's module is imported the first time the built-in is bound to an
execution, so loading the plugins costs no tool module, Jinja or JSON
import (issue #9). The descriptions are the first paragraph of each tool's
docstring (a test keeps them equal).
"""

BUILTINS: dict[str, tuple[str, str]] = {
    "soe_inject_workflow": (
        "workflows",
        "Add a workflow to this execution's registry (or replace one of that name).",
    ),
    "soe_inject_node": (
        "workflows",
        "Add a node to a workflow of this execution (or replace the node of that name).",
    ),
    "soe_get_workflows": ("workflows", "Read the workflows registry of this execution."),
    "soe_get_available_tools": (
        "tools_meta",
        "List the tools that can be called: built-in tools and the user's tools.",
    ),
    "soe_explore_docs": (
        "docs_explorer",
        "Explore the SOE documentation: list, read, tree, search or get_tags.",
    ),
    "soe_remove_workflow": ("workflows", "Delete a workflow from this execution's registry."),
    "soe_remove_node": ("workflows", "Delete a node from a workflow of this execution."),
    "soe_get_context": (
        "context_tools",
        "Read fields of this execution's context as their full history lists.",
    ),
    "soe_update_context": (
        "context_tools",
        "Append values to fields of this execution's context (``__`` fields are ignored).",
    ),
    "soe_copy_context": (
        "context_tools",
        "Copy fields (whole histories) between contexts of this execution tree.",
    ),
    "soe_list_contexts": (
        "context_tools",
        "List the executions of this execution tree with a short summary of each.",
    ),
    "soe_add_signal": (
        "workflows",
        "Add a signal to a node's event_emissions, or replace the condition of an existing one.",
    ),
    "soe_call_tool": (
        "tools_meta",
        "Call a tool by name, once, with JSON arguments; errors are returned, not raised.",
    ),
    "soe_get_identities": (
        "identities",
        "Read the identities (name -> system prompt) of this execution tree.",
    ),
    "soe_inject_identity": (
        "identities",
        "Create or replace an identity (a system prompt used by LLM and agent nodes).",
    ),
    "soe_remove_identity": ("identities", "Delete an identity of this execution tree."),
    "soe_get_context_schema": ("schema", "Read the context schema of this execution tree."),
    "soe_inject_context_schema_field": (
        "schema",
        "Add or replace the schema definition of a context field.",
    ),
    "soe_remove_context_schema_field": (
        "schema",
        "Delete the schema definition of a context field.",
    ),
}
"""Built-in name -> (module of ``create_<name>_tool``, description), in registry order."""


def factory_of(name: str):
    """The real ``create_<name>_tool`` (imports its module)."""
    import importlib

    module = importlib.import_module(f"{__package__}.{BUILTINS[name][0]}")
    return getattr(module, f"create_{name}_tool")
