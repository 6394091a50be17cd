"""Built-ins for the context schema (BUILTIN-20..22).

Like identities, the schema lives with the execution tree's root
(``main_execution_id``), where LLM and agent nodes read it (BUILTIN-5).
"""

from typing import Any

from ._common import as_name, builtin, check_injected_templates, parse_structured, refuse_reserved
from .audit import main_execution_id, record_modification
from .root_store import CONTEXT_SCHEMA


def create_soe_get_context_schema_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_get_context_schema`` bound to one execution (BUILTIN-20)."""

    @builtin("soe_get_context_schema", execution_id, backends)
    def soe_get_context_schema(field_name: str | None = None) -> dict:
        """Read the context schema of this execution tree.

        Args:
            field_name: one field whose definition to read.
        """
        schema = CONTEXT_SCHEMA.load(backends, main_execution_id(backends, execution_id))
        if field_name:
            if field_name not in schema:
                return {
                    "error": f"Field '{field_name}' not found in context schema",
                    "available": list(schema),
                }
            return {"field_name": field_name, "definition": schema[field_name]}
        return schema

    return soe_get_context_schema


def create_soe_inject_context_schema_field_tool(
    execution_id: str, backends: Any, tools_registry=None
):
    """``soe_inject_context_schema_field`` bound to one execution (BUILTIN-21)."""

    @builtin("soe_inject_context_schema_field", execution_id, backends)
    def soe_inject_context_schema_field(
        field_name: str, field_definition: str | dict
    ) -> dict:
        """Add or replace the schema definition of a context field.

        Args:
            field_name: the context field.
            field_definition: its definition as JSON or YAML text (e.g. {"type": "string"}).
        """
        as_name(field_name, "field_name")
        refuse_reserved(field_name, "soe_inject_context_schema_field")
        definition = parse_structured(field_definition)
        if not isinstance(definition, dict):
            raise ValueError("Field definition must be a dictionary/object")
        check_injected_templates(definition, f"context_schema.{field_name}")
        root = main_execution_id(backends, execution_id)
        schema = CONTEXT_SCHEMA.load(backends, root)
        before = schema.get(field_name)
        action = "updated" if field_name in schema else "created"
        schema[field_name] = definition
        CONTEXT_SCHEMA.save(backends, root, schema)
        record_modification(
            backends,
            execution_id,
            "soe_inject_context_schema_field",
            {"main_execution_id": root, "field_name": field_name},
            before,
            definition,
            legacy={
                "tool": "soe_inject_context_schema_field",
                "field_name": field_name,
                "action": action,
            },
        )
        return {
            "success": True,
            "field_name": field_name,
            "action": action,
            "message": f"Context schema field '{field_name}' {action} successfully",
        }

    return soe_inject_context_schema_field


def create_soe_remove_context_schema_field_tool(
    execution_id: str, backends: Any, tools_registry=None
):
    """``soe_remove_context_schema_field`` bound to one execution (BUILTIN-22)."""

    @builtin("soe_remove_context_schema_field", execution_id, backends)
    def soe_remove_context_schema_field(field_name: str) -> dict:
        """Delete the schema definition of a context field.

        Args:
            field_name: the context field.
        """
        root = main_execution_id(backends, execution_id)
        schema = CONTEXT_SCHEMA.load(backends, root)
        if field_name not in schema:
            raise ValueError(f"Field '{field_name}' not found in context schema")
        before = schema.pop(field_name)
        CONTEXT_SCHEMA.save(backends, root, schema)
        record_modification(
            backends,
            execution_id,
            "soe_remove_context_schema_field",
            {"main_execution_id": root, "field_name": field_name},
            before,
            None,
            legacy={"tool": "soe_remove_context_schema_field", "field_name": field_name},
        )
        return {
            "removed": True,
            "field_name": field_name,
            "message": f"Context schema field '{field_name}' removed successfully",
        }

    return soe_remove_context_schema_field
