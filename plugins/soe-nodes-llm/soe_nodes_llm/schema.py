"""Context schema definitions turned into pydantic models (SCHEMA-3..5, SCHEMA-7).

A definition is a type name (shorthand) or a mapping with ``type``,
``description``, ``required``, ``default``, ``properties`` and ``items``.
Model names follow the reference because they appear as ``title`` in the
JSON Schema the LLM sees: root ``<Field.title()>Root``, nested object
``<parent>Nested``, list items ``<parent>Item``, nested property
``<model><Prop.title()>``.

Beyond the reference (WEAK-16): a top-level ``description`` becomes the
root model's description, so it reaches the LLM.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from soe_core import EventTypes
from soe_core.telemetry import register_event

from .fields import model_fields

_TYPES: dict[str, Any] = {
    "string": str,
    "text": str,
    "str": str,
    "integer": int,
    "int": int,
    "number": float,
    "float": float,
    "boolean": bool,
    "bool": bool,
    "any": Any,
}
_LISTS = ("list", "array")
_OBJECTS = ("dict", "object")


@dataclass(frozen=True)
class RootSchema:
    """The schema of one output field: the root model and its root type."""

    model: type[RootModel]
    root_type: Any


def _definition(raw: Any) -> dict:
    if isinstance(raw, str):
        return {"type": raw}
    return raw if isinstance(raw, dict) else {}


def _type_for(definition: dict, model_name: str) -> Any:
    type_name = definition.get("type")
    name = type_name.strip().lower() if isinstance(type_name, str) else "any"
    if name in _OBJECTS:
        properties = definition.get("properties")
        if isinstance(properties, dict) and properties:
            return _nested_model(properties, f"{model_name}Nested")
        return dict
    if name in _LISTS:
        items = definition.get("items")
        if items:
            return list[_type_for(_definition(items), f"{model_name}Item")]
        return list
    return _TYPES.get(name, Any)  # unknown names: any value (SCHEMA-3)


def _nested_model(properties: dict, model_name: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for prop_name, raw in properties.items():
        definition = _definition(raw)
        prop_type = _type_for(definition, f"{model_name}{str(prop_name).title()}")
        description = definition.get("description")
        default = definition.get("default")
        required = definition.get("required", True)
        if required and default is None:
            fields[str(prop_name)] = (prop_type, Field(..., description=description))
        else:
            fields[str(prop_name)] = (
                Optional[prop_type],  # noqa: UP045 - a runtime type expression
                Field(default=default, description=description),
            )
    return create_model(
        model_name, __config__=ConfigDict(extra="allow"), **model_fields(fields)
    )


@functools.lru_cache(maxsize=256)
def _root_cached(field: str, definition_json: str) -> RootSchema:
    definition = json.loads(definition_json)
    name = f"{field.title()}Root"
    root_type = _type_for(definition, name)
    description = definition.get("description")
    namespace: dict[str, Any] = {}
    if isinstance(description, str) and description:
        namespace["__doc__"] = description
    model = create_model(name, __base__=RootModel[root_type], **namespace)
    return RootSchema(model, root_type)


def root_schema(field: str, definition: Any) -> RootSchema:
    """The root model for one field's definition (cached by definition)."""
    text = json.dumps(_definition(definition), default=str)  # property order shows in the schema
    return _root_cached(field, text)


def schema_for_output(
    backends: Any, execution_id: str, main_id: str, output_field: str | None
) -> RootSchema | None:
    """The root model of ``output_field`` from the execution tree's schema (SCHEMA-7).

    The schema is read under the main id. When a schema exists but lacks the
    field, a ``context_warning`` is logged on the current execution with the
    main id in the data (WEAK-17: the reference logged it on the main id and
    even when no schema existed at all).
    """
    backend = getattr(backends, "context_schema", None)
    if not output_field or backend is None:
        return None
    schema = backend.get_context_schema(main_id)
    if not schema:
        return None
    if output_field not in schema:
        register_event(
            backends,
            execution_id,
            EventTypes.CONTEXT_WARNING,
            {
                "message": f"Output field '{output_field}' not found in context schema",
                "output_field": output_field,
                "main_execution_id": main_id,
            },
        )
        return None
    return root_schema(output_field, schema[output_field])
