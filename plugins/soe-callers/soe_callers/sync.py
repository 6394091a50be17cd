"""The synchronous caller: every delivery runs in the calling thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from soe_core import broadcast_signals


def build_sync_caller(
    nodes: Mapping, backends: Any, **_options: Any
) -> Callable[[str, list], None]:
    """A ``broadcast_signals_caller`` bound to ``nodes`` and ``backends``."""

    def broadcast_signals_caller(execution_id: str, signals: list) -> None:
        broadcast_signals(execution_id, signals, nodes, backends)

    return broadcast_signals_caller
