"""Response models and what is taken out of a validated answer (RES-8..10, AGENT-7).

``build_response_model`` creates the model the LLM's answer must match;
``extract_output`` and ``extract_signals`` read a validated answer as plain
JSON data (never pydantic objects, RES-9).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel, create_model

from .fields import model_fields
from .schema import RootSchema

SELECTION_HEADER = "Select ALL signals that apply (can be none, one, or multiple):"


@dataclass(frozen=True)
class SignalOption:
    name: str
    description: str = ""


class RouterResponse(BaseModel):
    """Output model for the Router stage."""

    action: Literal["call_tool", "finish"]
    tool_name: str | None = Field(
        default=None, description="Name of the tool to call (required when action is call_tool)"
    )


def selection_description(options: tuple[SignalOption, ...]) -> str:
    lines = [SELECTION_HEADER]
    for option in options:
        lines.append(f"- {option.name}: {option.description}" if option.description
                     else f"- {option.name}")
    return "\n".join(lines)


def build_response_model(
    output_field: str | None,
    root: RootSchema | None,
    options: tuple[SignalOption, ...] | None,
) -> type[BaseModel]:
    """The model an answer must match (RES-8), first matching rule wins.

    1. A schema root and no selection: the root model itself (bare value).
    2. Otherwise an object with ``<output_field>`` (schema root type, else any)
       or ``output: str``, plus ``selected_signals`` when options are offered.
    """
    if root is not None and not options:
        return root.model
    return _object_model(output_field or None, root, options or None)


@functools.lru_cache(maxsize=512)
def _object_model(
    output_field: str | None, root: RootSchema | None, options: tuple[SignalOption, ...] | None
) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    if output_field:
        if root is not None:
            annotation = root.root_type
            description = f"The {output_field} value matching the expected schema"
        else:
            annotation, description = Any, f"The {output_field} value"
        fields[output_field] = (annotation, Field(..., description=description))
        name = f"{output_field.title()}Response"
    else:
        fields["output"] = (str, Field(..., description="The final output/result"))
        name = "DynamicResponse"
    if options:
        names = tuple(dict.fromkeys(option.name for option in options))
        signal_type = Literal.__getitem__(names)
        fields["selected_signals"] = (
            list[signal_type],
            Field(default=[], description=selection_description(options)),
        )
    return create_model(name, **model_fields(fields))


def output_key(output_field: str | None) -> str:
    return output_field or "output"


def extract_output(validated: BaseModel, output_field: str | None) -> Any:
    """The produced value as JSON-compatible data (RES-9)."""
    if isinstance(validated, RootModel):
        return validated.model_dump(mode="json")
    data = validated.model_dump(mode="json", by_alias=True)
    return data.get(output_key(output_field))


def extract_signals(validated: BaseModel) -> list[str]:
    """``selected_signals`` as returned, duplicates removed in order (RES-10, WEAK-27)."""
    selected = getattr(validated, "selected_signals", None)
    if not isinstance(selected, list):
        return []
    return list(dict.fromkeys(selected))
