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

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .catalog import BUILTINS, factory_of
from .names import BUILTIN_NAMES

# Everything else is imported on first access (PEP 562): the plugin hook
# imports this package, and a workflow that calls no built-in should not pay
# for the tool modules (issue #9).
_LAZY = {
    "BUILTIN_MODIFICATION": "audit",
    "BUILTIN_REFUSED": "audit",
    "BuiltinPermissionError": "policy",
    "BuiltinPolicy": "policy",
    "BuiltinPolicyError": "policy",
    "current_policy": "policy",
    "set_policy": "policy",
    "using_policy": "policy",
    "docs_dir": "docs_explorer",
    "soe_explore_docs": "docs_explorer",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name == "BUILTIN_TOOLS":
        value: Any = {builtin: factory_of(builtin) for builtin in BUILTINS}
    elif name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    elif name.startswith("create_") and name.endswith("_tool") and name[7:-5] in BUILTINS:
        value = factory_of(name[7:-5])
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


# BUILTIN_TOOLS (lazy): built-in name -> factory, in registry order (BUILTIN-1, BUILTIN-3)
assert tuple(BUILTINS) == BUILTIN_NAMES


def get_builtin_tool_factory(name: str) -> Callable | None:
    """The factory of built-in ``name``, or None."""
    return factory_of(name) if name in BUILTINS else None


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
