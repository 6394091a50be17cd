"""Request records and the text sent to a plain ``call_llm`` (RES-1, RES-2, LLM-6, COMPAT-1).

Each request is a small record serialised as compact JSON (pydantic's
``model_dump_json``: no whitespace, keys in declaration order, non-ASCII
as is), a blank line, then three lines of format instructions holding the
JSON Schema of the expected answer. Stub LLMs match on these exact keys.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import nodes
from pydantic import BaseModel

from soe_core.templating import environment

FORMAT_LABEL = "Respond ONLY with a valid JSON object matching this schema:"
FORMAT_SENTENCE = (
    "Do not return the schema itself. Return a JSON instance that conforms to it, "
    "filled in with your actual answer."
)


class LlmInput(BaseModel):
    """The LLM node's record."""

    prompt: str = ""
    context: str = ""
    conversation_history: str = ""


class RouterInput(BaseModel):
    """The agent's router stage record (holds ``available_tools``)."""

    instructions: str = ""
    task_description: str = ""
    context: str = ""
    available_tools: str = ""
    conversation_history: str = ""


class ParameterInput(BaseModel):
    """The agent's parameter stage record (holds ``tool_name``)."""

    task_description: str = ""
    context: str = ""
    tool_name: str = ""
    conversation_history: str = ""


class ResponseStageInput(BaseModel):
    """The agent's final response stage record."""

    task_description: str = ""
    context: str = ""
    conversation_history: str = ""


@functools.lru_cache(maxsize=512)
def schema_of(model: type[BaseModel]) -> dict:
    """The JSON Schema of a response model (RES-3); cached per model class."""
    return model.model_json_schema()


def format_instructions(model: type[BaseModel]) -> str:
    """Label, schema (``json.dumps`` default separators), sentence (RES-2)."""
    return f"{FORMAT_LABEL}\n{json.dumps(schema_of(model))}\n{FORMAT_SENTENCE}"


def build_prompt(record: BaseModel, model: type[BaseModel]) -> str:
    """The first request text: envelope, blank line, format instructions."""
    return f"{record.model_dump_json()}\n\n{format_instructions(model)}"


# -- referenced fields (LLM-6) ----------------------------------------------

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.DOTALL)
_FIELD = re.compile(r"context\.([A-Za-z_][A-Za-z0-9_]*)|context\[['\"]([^'\"]+)['\"]\]")


def referenced_fields(template: str) -> list[str]:
    """Context field names a prompt uses, in order of first appearance, without repeats.

    Names come from the template's syntax tree, so every ``context.x`` of an
    expression and those inside ``{% %}`` blocks count (LLM-6 SHOULD); a
    template that does not parse falls back to a scan of its ``{{ }}`` and
    ``{% %}`` parts.
    """
    if not isinstance(template, str) or ("{{" not in template and "{%" not in template):
        return []
    return list(_referenced_fields(template))


@functools.lru_cache(maxsize=1024)
def _referenced_fields(template: str) -> tuple[str, ...]:
    """Parsing is costly and prompts repeat: one parse per distinct prompt."""
    try:
        tree = environment().parse(template)
    except Exception:
        return tuple(_scan_fields(template))
    found: list[str] = []
    _walk(tree, found)
    return tuple(dict.fromkeys(found))


def _walk(node: nodes.Node, found: list[str]) -> None:
    if isinstance(node, nodes.Getattr) and _is_context(node.node):
        found.append(node.attr)
    elif (
        isinstance(node, nodes.Getitem)
        and _is_context(node.node)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        found.append(node.arg.value)
    for child in node.iter_child_nodes():
        _walk(child, found)


def _is_context(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "context"


def _scan_fields(template: str) -> list[str]:
    found = []
    for expression, statement in _EXPRESSION.findall(template):
        for dotted, quoted in _FIELD.findall(expression or statement):
            found.append(dotted or quoted)
    return list(dict.fromkeys(found))


def context_json(template: str, view: Mapping, empty: str) -> str:
    """Current values of the referenced fields as ``json.dumps(indent=2)`` (LLM-6, AGENT-6).

    ``empty`` is returned when no referenced field exists (``""`` for the LLM
    node, ``"{}"`` for agents). Values JSON cannot encode are written with
    ``str()`` instead of failing the node (WEAK-24).
    """
    values = {name: view[name] for name in referenced_fields(template) if name in view}
    if not values:
        return empty
    return json.dumps(values, indent=2, default=_fallback)


def _fallback(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:
            pass
    return str(value)
