"""Reading the reference tables of docs/*.md, and finding the keys a node type accepts.

Shared by the node and hook reference tests (imported by path: tests run with
``--import-mode=importlib``).
"""

from __future__ import annotations

import ast
import inspect
import re
import typing
from pathlib import Path

from pydantic import BaseModel

from soe_core.registrations import NodeType

REPO = Path(__file__).resolve().parents[1]
KEY_CELL = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
ENGINE_KEYS = {"name"}  # set by the engine on every node config at run time, not by authors


def sections(text: str, level: int) -> dict[str, str]:
    """``heading text -> body`` for the headings of one level (``##`` is 2); fences skipped."""
    found: dict[str, str] = {}
    current, lines, in_fence = None, [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else re.match(r"^(#+) (.*)", line)
        if heading and len(heading.group(1)) <= level:
            if current is not None:
                found[current] = "\n".join(lines)
            current = heading.group(2).strip() if len(heading.group(1)) == level else None
            lines = []
        elif current is not None:
            lines.append(line)
    if current is not None:
        found[current] = "\n".join(lines)
    return found


def table_keys(section: str, *header: str) -> set[str]:
    """Backticked names in column one of the tables whose header starts with ``header``."""
    keys: set[str] = set()
    state = "outside"  # outside | header | rows
    for line in section.splitlines():
        if not line.startswith("|"):
            state = "outside"
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if state == "outside":
            state = "header" if tuple(cells[: len(header)]) == header else "other"
        elif state == "header":
            state = "rows"  # the |---| line
        elif state == "rows":
            keys.update(KEY_CELL.findall(cells[0]))
    return keys


# -- the keys of a node type ------------------------------------------------


class Probe:
    """A value no validator accepts: set a key to it to see whether the key is checked."""


def _sample(annotation) -> object:
    origin = typing.get_origin(annotation)
    if annotation is str:
        return "x"
    if origin is list:
        (item,) = typing.get_args(annotation) or (str,)
        return [_sample(item)]
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return minimal_config(annotation)
    if annotation is dict or origin is dict:
        return {"signal_name": "X"}
    raise AssertionError(f"no sample value for a required key of type {annotation!r}")


def minimal_config(model: type[BaseModel]) -> dict:
    """A config holding only the required keys of ``model``."""
    return {
        name: _sample(field.annotation)
        for name, field in model.model_fields.items()
        if field.is_required()
    }


def _candidate_strings(function) -> set[str]:
    module = inspect.getmodule(function)
    tree = ast.parse(inspect.getsource(module))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and IDENTIFIER.match(node.value)
    }


def validated_keys(spec: NodeType) -> set[str]:
    """Keys the type's validator rejects a nonsense value for (its module's strings, probed)."""
    base = dict(minimal_config(spec.config_model), node_type=spec.name)
    spec.validate(dict(base))  # the minimal config itself must pass
    checked = set()
    for key in _candidate_strings(spec.validate) - set(base):
        try:
            spec.validate({**base, key: Probe()})
        except Exception as exc:  # any refusal means the key is looked at
            if key in str(exc):
                checked.add(key)
    return checked


def node_type_keys(spec: NodeType) -> set[str]:
    """Every key of a node type: its config model's fields and the keys its validator checks."""
    assert spec.config_model is not None, (
        f"node type {spec.name!r} has no config_model: give NodeType(config_model=...) "
        "a pydantic model of its keys so they can be documented and checked"
    )
    return (set(spec.config_model.model_fields) | validated_keys(spec)) - ENGINE_KEYS
