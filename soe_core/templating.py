"""Jinja templating for conditions, prompts and tool parameters (CORE-42..61).

Every template renders in Jinja's immutable sandbox: templates may come from
LLM-injected nodes, so none may reach Python internals or mutate state.
Compiled templates are cached by source text.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from .context import OPERATIONAL, is_reserved, template_view
from .errors import WorkflowValidationError

FALSY_OUTPUTS = frozenset({"false", "0", "none", ""})


def _copy_operational(operational: Mapping) -> dict:
    """Counters are scalars, signals strings, node counts ints: shallow copies suffice."""
    copied = dict(operational)
    for key, value in copied.items():
        if isinstance(value, list):
            copied[key] = list(value)
        elif isinstance(value, Mapping):
            copied[key] = dict(value)
        elif not isinstance(value, (str, int, float, bool, type(None))):
            copied[key] = copy.deepcopy(value)
    return copied


class ContextView(dict):
    """The ``context`` variable of a template: latest values, raw reserved fields.

    ``_soe_histories`` points at the stored context so ``accumulated`` can
    return a field's full history; the sandbox hides underscore attributes.
    """

    __slots__ = ("_soe_histories",)

    @classmethod
    def snapshot(cls, context: Mapping) -> ContextView:
        """A view that later writes cannot change.

        Backends may update the object they handed out in place (the in-memory
        one does), so histories and reserved fields are copied; values inside
        histories are never mutated by the engine and stay shared. Histories
        and the operational lists get C-level copies, not ``deepcopy``: this
        runs for every tool node with conditions.
        """
        frozen = {}
        for key, value in list(context.items()):  # see template_view
            if key == OPERATIONAL and isinstance(value, Mapping):
                frozen[key] = _copy_operational(value)
            elif is_reserved(key):
                frozen[key] = copy.deepcopy(value)
            elif isinstance(value, list):
                frozen[key] = list(value)
            else:
                frozen[key] = value
        return cls.of(frozen)

    @classmethod
    def of(cls, context: Mapping) -> ContextView:
        view = cls(template_view(context))
        view._soe_histories = context
        return view


@functools.cache
def environment():
    """The sandboxed Jinja environment (:mod:`soe_core.jinja_sandbox`).

    jinja2 is imported on the first template compiled, not with this module:
    a workflow without templates never needs it (issue #9).
    """
    from .jinja_sandbox import new_environment

    return new_environment()


@functools.lru_cache(maxsize=4096)
def compile_template(source: str):
    template = environment().from_string(source)
    # Jinja chains the template's globals to the environment's so later
    # changes show through; ours never change, and a plain dict makes each
    # render's context several microseconds cheaper
    template.globals = dict(template.globals)
    return template


def is_template(text: Any) -> bool:
    """A string is a template when it holds ``{{`` or ``{%`` anywhere (WP-6)."""
    return isinstance(text, str) and ("{{" in text or "{%" in text)


def is_truthy_output(output: str) -> bool:
    """The original's string truthiness rule for rendered conditions (CORE-43)."""
    return bool(output) and output.strip().lower() not in FALSY_OUTPUTS


def evaluate_condition(
    condition: str,
    view: ContextView,
    on_error: Callable[[Exception], None] | None = None,
    **extra: Any,
) -> bool:
    """Render a condition; any error makes it fail (CORE-43) and is passed to ``on_error``."""
    try:
        output = compile_template(condition).render(context=view, **extra)
    except Exception as exc:
        if on_error is not None:
            on_error(exc)
        return False
    return is_truthy_output(output)


def condition_passes(
    condition: Any,
    view: ContextView,
    on_error: Callable[[Exception], None] | None = None,
    **extra: Any,
) -> bool:
    """Unconditional and plain-text conditions always pass (CORE-44)."""
    if not condition or not is_template(condition):
        return True
    return evaluate_condition(condition, view, on_error, **extra)


def render_parameters(value: Any, view: ContextView) -> Any:
    """Render string leaves holding ``{{``; results are always strings (TOOL-9)."""
    if isinstance(value, dict):
        return {key: render_parameters(item, view) for key, item in value.items()}
    if isinstance(value, list):
        return [render_parameters(item, view) for item in value]
    if isinstance(value, str) and "{{" in value:
        try:
            return compile_template(value).render(context=view)
        except Exception:
            return value
    return value


_PROMPT_FIELD = re.compile(r"context\.([A-Za-z_][A-Za-z0-9_]*)|context\[['\"]([^'\"]+)['\"]\]")
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def render_prompt(template: str, view: ContextView) -> tuple[str, list[str]]:
    """Render a prompt; never raises. Returns ``(text, warnings)`` (CORE-59, CORE-61)."""
    if not is_template(template):
        return template, []
    warnings = _prompt_field_warnings(template, view)
    try:
        return compile_template(template).render(context=view), warnings
    except Exception as exc:
        kind = "Jinja syntax error" if _is_syntax_error(exc) else "Template rendering error"
        warnings.append(f"{kind}: {exc}")
    return template, warnings


def _prompt_field_warnings(template: str, view: Mapping) -> list[str]:
    warnings: list[str] = []
    seen: set[str] = set()
    for expression in _EXPRESSION.findall(template):
        for dotted, quoted in _PROMPT_FIELD.findall(expression):
            name = dotted or quoted
            if name in seen:
                continue
            seen.add(name)
            if name not in view:
                warnings.append(
                    f"Context field '{name}' referenced in prompt but not found in context"
                )
            elif view[name] is None:
                warnings.append(f"Context field '{name}' is None")
            elif view[name] == "":
                warnings.append(f"Context field '{name}' is empty string")
    return warnings


def validate_jinja_syntax(template: str, description: str) -> None:
    """Static syntax check of a template (CORE-16)."""
    if not is_template(template):
        return
    try:
        environment().parse(template)
        compile_template(template)
    except Exception as exc:
        if _is_syntax_error(exc):
            raise WorkflowValidationError(
                f"{description}: Jinja syntax error - {exc.message}"
            ) from exc
        if "filter" in str(exc):
            raise WorkflowValidationError(str(exc)) from exc


def _is_syntax_error(exc: Exception) -> bool:
    # only reached after a template was compiled, so jinja2 is loaded by then
    from jinja2 import TemplateSyntaxError

    return isinstance(exc, TemplateSyntaxError)


__all__ = [
    "ContextView",
    "condition_passes",
    "evaluate_condition",
    "is_template",
    "render_parameters",
    "render_prompt",
    "validate_jinja_syntax",
]
