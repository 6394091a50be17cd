"""Helpers shared by the built-in tool modules."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2 import nodes as jinja_nodes

from soe_core import WorkflowValidationError
from soe_core.context import OPERATIONAL, PARENT, is_reserved
from soe_core.errors import YamlSyntaxError
from soe_core.store import contexts
from soe_core.templating import environment, is_template
from soe_core.yaml_parser import parse_yaml

from .audit import main_execution_id, record_refusal
from .policy import BuiltinPermissionError, BuiltinPolicyError, current_policy

_REFUSALS = (BuiltinPermissionError, BuiltinPolicyError, WorkflowValidationError)


def builtin(name: str, execution_id: str | None = None, backends: Any = None) -> Callable:
    """Mark ``fn`` as the built-in ``name``.

    The wrapper checks the operator's policy on every call, names the function
    after the built-in (agents see registry names, WP-7) and logs refused
    calls. ``inspect.signature`` still shows ``fn``'s parameters.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                current_policy().check(name)
                return fn(*args, **kwargs)
            except _REFUSALS as exc:
                if backends is not None and execution_id is not None:
                    record_refusal(backends, execution_id, name, exc)
                raise

        call.__name__ = call.__qualname__ = name
        call.soe_builtin = name  # type: ignore[attr-defined]
        return call

    return decorate


def parse_structured(value: Any) -> Any:
    """A JSON or YAML string parsed (JSON first); a mapping copied; anything else as is.

    BUILTIN-4: built-ins that take JSON/YAML strings also accept mappings.
    """
    if isinstance(value, Mapping):
        return copy.deepcopy(dict(value))
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            pass
        try:
            return parse_yaml(value)
        except YamlSyntaxError as exc:
            raise ValueError(f"could not parse as JSON or YAML: {exc}") from None
    return value


def as_bool(value: Any) -> bool:
    """Truthiness that reads rendered strings right: ``"False"``, ``"0"``, ``"no"`` are false."""
    if isinstance(value, str):
        return value.strip().lower() not in {"", "false", "0", "no", "none", "null", "off"}
    return bool(value)


def as_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value


def refuse_reserved(field: Any, tool: str, role: str = "field") -> None:
    """No built-in writes ``__operational__``, ``__parent__`` or any ``__`` field (BUILTIN-27)."""
    if not isinstance(field, str):
        raise ValueError(f"{tool}: {role} names must be strings, got {type(field).__name__}")
    if is_reserved(field):
        raise BuiltinPermissionError(
            f"{tool}: {role} '{field}' is reserved (names starting with '__' are managed by "
            "the engine and cannot be written by built-in tools)"
        )


def check_same_tree(backends: Any, bound_id: str, other_id: str, tool: str) -> None:
    """Refuse ``other_id`` unless it shares ``bound_id``'s root or the policy allows it."""
    if other_id == bound_id or current_policy().cross_execution:
        return
    bound_root = main_execution_id(backends, bound_id)
    other = contexts(backends).read(other_id) if isinstance(other_id, str) else None
    operational = other.get(OPERATIONAL) if isinstance(other, Mapping) else None
    other_root = operational.get("main_execution_id") if isinstance(operational, Mapping) else None
    if other_root is not None and other_root == bound_root:
        return
    raise BuiltinPermissionError(
        f"{tool}: execution '{other_id}' is not part of this execution tree (root "
        f"'{bound_root}'); cross-execution access is disabled "
        "(the operator can allow it with SOE_BUILTINS_CROSS_EXECUTION=1)"
    )


# -- templates arriving through injection ------------------------------------

_ALLOWED_DUNDERS = frozenset({OPERATIONAL, PARENT})


def _forbidden(name: Any) -> bool:
    return isinstance(name, str) and name.startswith("__") and name not in _ALLOWED_DUNDERS


def _template_problem(source: str) -> str | None:
    try:
        tree = environment().parse(source)
    except TemplateSyntaxError as exc:
        return f"Jinja syntax error - {exc.message}"
    for node in tree.find_all((jinja_nodes.Getattr, jinja_nodes.Getitem, jinja_nodes.Filter)):
        if isinstance(node, jinja_nodes.Getattr):
            name = node.attr
        elif isinstance(node, jinja_nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, jinja_nodes.Const) else None
        else:
            name = None
            if node.name == "attr" and node.args and isinstance(node.args[0], jinja_nodes.Const):
                name = node.args[0].value
        if _forbidden(name):
            return (
                f"access to '{name}' is not allowed in injected templates "
                "(they render in the sandbox; only context.__operational__ and "
                "context.__parent__ may be read)"
            )
    return None


def check_injected_templates(value: Any, where: str) -> None:
    """Refuse injected data holding a template that cannot compile or reaches Python internals.

    Templates render in the kernel's sandbox anyway; this turns an obvious
    escape attempt into a clear error before anything is stored.
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_injected_templates(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_injected_templates(item, f"{where}[{index}]")
    elif is_template(value):
        problem = _template_problem(value)
        if problem:
            raise WorkflowValidationError(f"{where}: {problem}")
