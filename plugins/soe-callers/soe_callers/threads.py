"""The concurrent in-process caller: nodes of one broadcast run on a thread pool."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from soe_core import broadcast_signals
from soe_core.concurrent import ThreadPool

DEFAULT_MAX_WORKERS = 64


def build_threads_caller(
    nodes: Mapping, backends: Any, *, max_workers: int | None = None, **_options: Any
) -> Callable[[str, list], None]:
    """A ``broadcast_signals_caller`` whose runs wait on up to ``max_workers`` calls at once.

    The default (64, or ``SOE_MAX_WORKERS``) suits nodes that mostly wait on
    LLMs and tools; CPU-bound tools gain nothing from more than one thread.
    ``close()`` stops the pool threads (``Engine.close`` calls it).
    """
    pool = ThreadPool(max_workers or _env_workers())

    def broadcast_signals_caller(execution_id: str, signals: list) -> None:
        broadcast_signals(execution_id, signals, nodes, backends, runner=pool.run)

    broadcast_signals_caller.pool = pool  # type: ignore[attr-defined]
    broadcast_signals_caller.close = pool.shutdown  # type: ignore[attr-defined]
    return broadcast_signals_caller


def _env_workers() -> int:
    text = os.environ.get("SOE_MAX_WORKERS", "")
    if not text:
        return DEFAULT_MAX_WORKERS
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"SOE_MAX_WORKERS must be a whole number, got {text!r}") from None
    if value < 1:
        raise ValueError(f"SOE_MAX_WORKERS must be at least 1, got {value}")
    return value
