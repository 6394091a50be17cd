"""The sandboxed Jinja environment every SOE template renders in (CORE-42..61).

Imported on the first template compiled (:func:`soe_core.templating.environment`),
so a process whose workflows hold no template never imports jinja2 (issue #9).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .context import get_accumulated, is_history, is_reserved
from .templating import ContextView


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


def new_environment() -> SoeEnvironment:
    env = SoeEnvironment(extensions=[_AccumulatedFieldNames])
    env.filters["accumulated"] = accumulated
    return env
