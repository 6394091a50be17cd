"""Jinja templating for conditions, prompts and tool parameters (CORE-42..61).

Every template renders in Jinja's immutable sandbox: templates may come from
LLM-injected nodes, so none may reach Python internals or mutate state.
Compiled templates are cached by source text.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .context import OPERATIONAL, get_accumulated, is_history, is_reserved, template_view
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


class _AccumulatedFieldNames(Extension):
    """Rewrite ``context.f | accumulated`` to ``context.f | accumulated('f')``.

    The filter then resolves the history by field name (CORE-53) instead of by
    comparing values, which picks the wrong field when two fields end equal.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        window: list[Token] = []
        previous: Token | None = None
        for token in stream:
            window.append(token)
            while window:
                state = _match_field_filter(window, previous)
                if state == "partial":
                    break
                if isinstance(state, tuple):
                    field, size = state
                    yield from window[:size]
                    last = window[size - 1]
                    yield Token(last.lineno, "lparen", "(")
                    yield Token(last.lineno, "string", field)
                    yield Token(last.lineno, "rparen", ")")
                    previous = last
                    del window[:size]
                    continue
                previous = window.pop(0)
                yield previous
        yield from window


_DOT_PATTERN = ("name", "dot", "name", "pipe", "name")
_ITEM_PATTERN = ("name", "lbracket", "string", "rbracket", "pipe", "name")


def _match_field_filter(window: list[Token], previous: Token | None):
    """Return ``(field, size)`` on a match, ``"partial"`` while undecided, else None."""
    first = window[0]
    if first.type != "name" or first.value != "context":
        return None
    if previous is not None and previous.type == "dot":
        return None
    for pattern, field_at in ((_DOT_PATTERN, 2), (_ITEM_PATTERN, 2)):
        size = len(pattern)
        got = [token.type for token in window[:size]]
        if got != list(pattern[: len(got)]):
            continue
        if len(window) < size + 1:
            return "partial"
        if window[size - 1].value != "accumulated" or window[size].type == "lparen":
            return None
        return window[field_at].value, size
    return None


@pass_context
def accumulated(jinja_context: Context, value: Any, field: str | None = None) -> list:
    """Full history of a context field; see CORE-53 and PATTERN-7."""
    view = jinja_context.get("context")
    histories = getattr(view, "_soe_histories", None)
    if field is not None and histories is not None:
        return get_accumulated(histories, field)
    if isinstance(value, Undefined) or value is None:
        return []
    if histories is not None:  # a value without a field name: match by value
        for name, history in histories.items():
            if is_reserved(name) or not is_history(history) or not history:
                continue
            if history[-1] == value:
                return get_accumulated(histories, name)
    return [value]


class SoeEnvironment(ImmutableSandboxedEnvironment):
    """Sandbox in which ``context.__operational__`` still reads the dict key."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in _PLAIN_MAPPINGS and attribute in obj:
            # what Jinja would return after its attribute lookup failed,
            # without raising and catching AttributeError on every ``a.b``
            if attribute not in _MAPPING_MEMBERS or attribute.startswith("__"):
                return obj[attribute]
        elif attribute.startswith("__") and isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Refuse unsafe attributes outright instead of rendering them as "".

        A blocked access is then a render error like any other: the condition
        fails and a tool parameter keeps its template text (TOOL-9).
        """
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe."
        )


_PLAIN_MAPPINGS = (dict, ContextView)
_MAPPING_MEMBERS = frozenset(dir(ContextView))


@functools.cache
def environment() -> SoeEnvironment:
    env = SoeEnvironment(extensions=[_AccumulatedFieldNames])
    env.filters["accumulated"] = accumulated
    return env


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
    except TemplateSyntaxError as exc:
        warnings.append(f"Jinja syntax error: {exc}")
    except Exception as exc:
        warnings.append(f"Template rendering error: {exc}")
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
    except TemplateSyntaxError as exc:
        raise WorkflowValidationError(f"{description}: Jinja syntax error - {exc.message}") from exc
    except Exception as exc:
        if "filter" in str(exc):
            raise WorkflowValidationError(str(exc)) from exc


__all__ = [
    "ContextView",
    "condition_passes",
    "evaluate_condition",
    "is_template",
    "render_parameters",
    "render_prompt",
    "validate_jinja_syntax",
]
