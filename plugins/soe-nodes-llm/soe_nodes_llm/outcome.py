"""What follows an answer: signal choice, emission, and failure (SIG-1..7, CORE-46, LLM-14).

Signal selection is offered to the model iff no emission has a Jinja
condition and at least two emissions are named (SIG-3). A condition counts
as Jinja when it holds ``{{ … }}`` (across lines) or ``{% … %}``: the
reference's single-line ``{{.*}}`` test silently switched multi-line
conditions to LLM selection (WEAK-20).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from soe_core import EventTypes
from soe_core.emissions import passing_signals
from soe_core.store import contexts
from soe_core.telemetry import register_event
from soe_core.templating import ContextView

from .responses import SignalOption

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def is_jinja(condition: Any) -> bool:
    return isinstance(condition, str) and bool(_JINJA.search(condition))


def signal_options(emissions: list | None) -> tuple[SignalOption, ...] | None:
    """The options offered to the model, or None when there is no selection (SIG-3)."""
    emissions = emissions or []
    if any(is_jinja(item.get("condition")) for item in emissions):
        return None
    named = [item for item in emissions if item.get("signal_name")]
    if len(named) < 2:
        return None
    return tuple(
        SignalOption(
            str(item["signal_name"]),
            item.get("condition") if isinstance(item.get("condition"), str) else "",
        )
        for item in named
    )


def signals_to_emit(
    backends: Any,
    execution_id: str,
    emissions: list | None,
    options: tuple[SignalOption, ...] | None,
    selected: list[str],
    node_name: Any,
) -> list[str]:
    """The signals a successful node emits (CORE-46), in one list.

    Jinja conditions see the stored context as it is now, so the value the
    node just wrote is their current value (SIG-6, read back instead of
    patched, WEAK-4).
    """
    emissions = emissions or []
    if options is not None:
        if not selected:
            register_event(  # WEAK-25: a silent stall is hard to debug
                backends,
                execution_id,
                EventTypes.CONTEXT_WARNING,
                {"node_name": node_name, "message": "the model selected no signal to emit"},
            )
        return list(selected)
    if not emissions:
        return []
    if any(is_jinja(item.get("condition")) for item in emissions):
        view = ContextView.of(contexts(backends).read(execution_id))
        jinja_free = [
            {"signal_name": item.get("signal_name")} if not is_jinja(item.get("condition"))
            else item
            for item in emissions
        ]
        return passing_signals(jinja_free, view)
    named = [item.get("signal_name") for item in emissions if item.get("signal_name")]
    return named[:1] if len(named) == 1 else []


def emit(broadcast: Callable[[str, list], None], execution_id: str, signals: list[str]) -> None:
    if signals:
        broadcast(execution_id, list(signals))


def handle_failure(
    backends: Any,
    broadcast: Callable[[str, list], None],
    execution_id: str,
    node_type: str,
    config: dict,
    error: BaseException,
) -> None:
    """LLM-14 / AGENT-13: ``node_error``, then the failure signal or ``RuntimeError``."""
    message = str(error)
    register_event(
        backends, execution_id, EventTypes.NODE_ERROR, {"node_type": node_type, "error": message}
    )
    failure_signal = config.get("llm_failure_signal")
    if failure_signal:
        broadcast(execution_id, [failure_signal])
        return
    raise RuntimeError(message) from error
