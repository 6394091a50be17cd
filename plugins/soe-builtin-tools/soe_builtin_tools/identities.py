"""Built-ins for identities (BUILTIN-17..19).

They read and write the identities of the execution tree's root
(``main_execution_id``), which is where LLM and agent nodes look them up, so
a change made inside a child is seen by the whole tree (BUILTIN-5, WP-11).
"""

from typing import Any

from ._common import as_bool, as_name, builtin, check_injected_templates
from .audit import main_execution_id, record_modification
from .root_store import IDENTITIES


def create_soe_get_identities_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_get_identities`` bound to one execution (BUILTIN-17)."""

    @builtin("soe_get_identities", execution_id, backends)
    def soe_get_identities(identity_name: str | None = None, list_only: bool = False) -> dict:
        """Read the identities (name -> system prompt) of this execution tree.

        Args:
            identity_name: one identity to read.
            list_only: only list the identity names.
        """
        identities = IDENTITIES.load(backends, main_execution_id(backends, execution_id))
        if as_bool(list_only):
            return {"identity_names": list(identities)}
        if identity_name:
            if identity_name not in identities:
                return {
                    "error": f"Identity '{identity_name}' not found",
                    "available": list(identities),
                }
            return {"identity_name": identity_name, "system_prompt": identities[identity_name]}
        return identities

    return soe_get_identities


def create_soe_inject_identity_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_inject_identity`` bound to one execution (BUILTIN-18)."""

    @builtin("soe_inject_identity", execution_id, backends)
    def soe_inject_identity(identity_name: str, system_prompt: str) -> dict:
        """Create or replace an identity (a system prompt used by LLM and agent nodes).

        Args:
            identity_name: name of the identity.
            system_prompt: its system prompt.
        """
        as_name(identity_name, "identity_name")
        if not isinstance(system_prompt, str):
            raise ValueError(
                f"system_prompt must be a string, got {type(system_prompt).__name__}"
            )
        check_injected_templates(system_prompt, f"identities.{identity_name}")
        root = main_execution_id(backends, execution_id)
        identities = IDENTITIES.load(backends, root)
        before = identities.get(identity_name)
        action = "updated" if identity_name in identities else "created"
        identities[identity_name] = system_prompt
        IDENTITIES.save(backends, root, identities)
        record_modification(
            backends,
            execution_id,
            "soe_inject_identity",
            {"main_execution_id": root, "identity_name": identity_name},
            before,
            system_prompt,
            legacy={
                "tool": "soe_inject_identity",
                "identity_name": identity_name,
                "action": action,
            },
        )
        return {
            "success": True,
            "identity_name": identity_name,
            "action": action,
            "message": f"Identity '{identity_name}' {action} successfully",
        }

    return soe_inject_identity


def create_soe_remove_identity_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_remove_identity`` bound to one execution (BUILTIN-19)."""

    @builtin("soe_remove_identity", execution_id, backends)
    def soe_remove_identity(identity_name: str) -> dict:
        """Delete an identity of this execution tree.

        Args:
            identity_name: the identity to delete.
        """
        root = main_execution_id(backends, execution_id)
        identities = IDENTITIES.load(backends, root)
        if identity_name not in identities:
            raise ValueError(f"Identity '{identity_name}' not found")
        before = identities.pop(identity_name)
        IDENTITIES.save(backends, root, identities)
        record_modification(
            backends,
            execution_id,
            "soe_remove_identity",
            {"main_execution_id": root, "identity_name": identity_name},
            before,
            None,
            legacy={"tool": "soe_remove_identity", "identity_name": identity_name},
        )
        return {
            "removed": True,
            "identity_name": identity_name,
            "message": f"Identity '{identity_name}' removed successfully",
        }

    return soe_remove_identity
