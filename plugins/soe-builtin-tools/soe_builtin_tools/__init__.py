"""The built-in ``soe_*`` tools (BUILTIN-1..27).

Every built-in is made by a factory that binds it to one execution; the
kernel calls the factory on every use with ``execution_id=``, ``backends=``
and ``tools_registry=`` (BUILTIN-2), so a built-in always acts on the
execution that is running it. The factories keep the original positional
orders for direct callers (BUILTIN-3): the four context built-ins take
``(backends, execution_id, tools_registry=None)``, the others
``(execution_id, backends, tools_registry=None)``.

The plugin hook in :mod:`soe_builtin_tools.hooks` offers them to every tool
node and agent as the tool pack ``soe-builtins``. The operator's policy is in
:mod:`soe_builtin_tools.policy`; audit events in :mod:`soe_builtin_tools.audit`.
"""

from collections.abc import Callable

from .audit import BUILTIN_MODIFICATION, BUILTIN_REFUSED
from .context_tools import (
    create_soe_copy_context_tool,
    create_soe_get_context_tool,
    create_soe_list_contexts_tool,
    create_soe_update_context_tool,
)
from .docs_explorer import create_soe_explore_docs_tool, docs_dir, soe_explore_docs
from .identities import (
    create_soe_get_identities_tool,
    create_soe_inject_identity_tool,
    create_soe_remove_identity_tool,
)
from .names import BUILTIN_NAMES
from .policy import (
    BuiltinPermissionError,
    BuiltinPolicy,
    BuiltinPolicyError,
    current_policy,
    set_policy,
    using_policy,
)
from .schema import (
    create_soe_get_context_schema_tool,
    create_soe_inject_context_schema_field_tool,
    create_soe_remove_context_schema_field_tool,
)
from .tools_meta import create_soe_call_tool_tool, create_soe_get_available_tools_tool
from .workflows import (
    create_soe_add_signal_tool,
    create_soe_get_workflows_tool,
    create_soe_inject_node_tool,
    create_soe_inject_workflow_tool,
    create_soe_remove_node_tool,
    create_soe_remove_workflow_tool,
)

BUILTIN_TOOLS: dict[str, Callable] = {
    "soe_inject_workflow": create_soe_inject_workflow_tool,
    "soe_inject_node": create_soe_inject_node_tool,
    "soe_get_workflows": create_soe_get_workflows_tool,
    "soe_get_available_tools": create_soe_get_available_tools_tool,
    "soe_explore_docs": create_soe_explore_docs_tool,
    "soe_remove_workflow": create_soe_remove_workflow_tool,
    "soe_remove_node": create_soe_remove_node_tool,
    "soe_get_context": create_soe_get_context_tool,
    "soe_update_context": create_soe_update_context_tool,
    "soe_copy_context": create_soe_copy_context_tool,
    "soe_list_contexts": create_soe_list_contexts_tool,
    "soe_add_signal": create_soe_add_signal_tool,
    "soe_call_tool": create_soe_call_tool_tool,
    "soe_get_identities": create_soe_get_identities_tool,
    "soe_inject_identity": create_soe_inject_identity_tool,
    "soe_remove_identity": create_soe_remove_identity_tool,
    "soe_get_context_schema": create_soe_get_context_schema_tool,
    "soe_inject_context_schema_field": create_soe_inject_context_schema_field_tool,
    "soe_remove_context_schema_field": create_soe_remove_context_schema_field_tool,
}
"""Built-in name -> factory, in registry order (BUILTIN-1, BUILTIN-3)."""

assert tuple(BUILTIN_TOOLS) == BUILTIN_NAMES


def get_builtin_tool_factory(name: str) -> Callable | None:
    """The factory of built-in ``name``, or None."""
    return BUILTIN_TOOLS.get(name)


__all__ = [
    "BUILTIN_MODIFICATION",
    "BUILTIN_NAMES",
    "BUILTIN_REFUSED",
    "BUILTIN_TOOLS",
    "BuiltinPermissionError",
    "BuiltinPolicy",
    "BuiltinPolicyError",
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
    "current_policy",
    "docs_dir",
    "get_builtin_tool_factory",
    "set_policy",
    "soe_explore_docs",
    "using_policy",
]
