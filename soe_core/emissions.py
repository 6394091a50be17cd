"""Deciding which signals a node emits (CORE-42..48)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .templating import ContextView, condition_passes, is_template


def passing_signals(
    emissions: list | None,
    view: ContextView | None,
    on_error: Callable[[str, Exception], None] | None = None,
    **extra: Any,
) -> list[str]:
    """Signals of every passing emission, in declaration order (CORE-44).

    Unconditional and plain-text emissions always pass (``view`` may then be
    None); templates pass by the string truthiness rule. Raises ``TypeError``
    for a non-string condition, which tool nodes report as a failed condition
    evaluation (TOOL-16).
    ``on_error(signal, exc)`` hears about conditions that failed to render.
    """
    signals = []
    for emission in emissions or ():
        condition = emission.get("condition")
        signal = emission.get("signal_name")
        if condition is None:
            signals.append(signal)
            continue
        if not isinstance(condition, str):
            raise TypeError(
                f"condition of signal '{signal}' must be a string, "
                f"got {type(condition).__name__}"
            )
        report = None if on_error is None else (lambda exc, s=signal: on_error(s, exc))
        if condition_passes(condition, view, report, **extra):
            signals.append(signal)
    return signals


def has_template_condition(emissions: list | None) -> bool:
    for item in emissions or ():
        if is_template(item.get("condition")):
            return True
    return False


def condition_warning(backends: Any, execution_id: str, node_name: str | None):
    """An ``on_error`` that records a failed condition as a ``context_warning`` (CORE-61)."""

    def report(signal: str, exc: Exception) -> None:
        # imported here, when a condition fails, not on every router run
        from .telemetry import EventTypes, register_event

        register_event(
            backends,
            execution_id,
            EventTypes.CONTEXT_WARNING,
            {
                "node_name": node_name,
                "signal_name": signal,
                "message": f"condition of signal '{signal}' failed to render: {exc}",
            },
        )

    return report
