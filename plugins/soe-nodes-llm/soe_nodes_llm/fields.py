"""Field names pydantic would refuse or warn about, kept as aliases.

A context field, schema property or tool parameter may be called ``_id``,
``json`` or ``model_config``; pydantic rejects or shadows such names on a
model. They get a neutral attribute name and keep the original as alias, so
the JSON Schema, validation and ``model_dump(by_alias=True)`` all use the
original name.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

_TAKEN = frozenset(dir(BaseModel))


def needs_alias(name: str) -> bool:
    return name.startswith("_") or name.startswith("model_") or name in _TAKEN


def model_fields(items: dict[str, tuple[Any, FieldInfo]]) -> dict[str, tuple[Any, FieldInfo]]:
    """``create_model`` keyword arguments for ``name -> (annotation, FieldInfo)``."""
    result: dict[str, tuple[Any, FieldInfo]] = {}
    for position, (name, (annotation, info)) in enumerate(items.items()):
        if not needs_alias(name):
            result[name] = (annotation, info)
            continue
        aliased = Field(
            default=info.default,
            default_factory=info.default_factory,
            alias=name,
            title=name.replace("_", " ").strip().title() or name,
            description=info.description,
        )
        result[f"aliased_field_{position}"] = (annotation, aliased)
    return result
