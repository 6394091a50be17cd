"""SOE on Celery: the ``celery`` caller and the worker behind ``soe worker``."""

import importlib
from typing import Any

from .errors import CeleryCallerError, ExecutionFailed, UnknownExecution, WaitTimeout

_HOMES = {
    "build_celery_caller": ".caller",
    "resubmit": ".caller",
    "wait": ".caller",
    "serve": ".worker",
}


def __getattr__(name: str) -> Any:
    """Import celery only when the caller or the worker is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'soe_celery' has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)


__all__ = [
    "CeleryCallerError",
    "ExecutionFailed",
    "UnknownExecution",
    "WaitTimeout",
    "build_celery_caller",
    "resubmit",
    "serve",
    "wait",
]
