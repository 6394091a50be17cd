"""Deciding which signals a node emits (CORE-42..48)."""

from __future__ import annotations

from typing import Any

from .templating import ContextView, condition_passes, is_template


def passing_signals(emissions: list | None, view: ContextView, **extra: Any) -> list[str]:
    """Signals of every passing emission, in declaration order (CORE-44).

    Unconditional and plain-text emissions always pass; templates pass by the
    string truthiness rule. Raises ``TypeError`` for a non-string condition,
    which tool nodes report as a failed condition evaluation (TOOL-16).
    """
    signals = []
    for emission in emissions or ():
        condition = emission.get("condition")
        if condition is not None and not isinstance(condition, str):
            raise TypeError(
                f"condition of signal '{emission.get('signal_name')}' must be a string, "
                f"got {type(condition).__name__}"
            )
        if condition_passes(condition, view, **extra):
            signals.append(emission.get("signal_name"))
    return signals


def has_template_condition(emissions: list | None) -> bool:
    return any(is_template(item.get("condition")) for item in emissions or ())
