"""SOE on Celery: the ``celery`` caller and the worker behind ``soe worker``."""

from soe_core.lazy import lazy_attributes

from .errors import CeleryCallerError, ExecutionFailed, UnknownExecution, WaitTimeout

_HOMES = {
    "build_celery_caller": ".caller",
    "resubmit": ".caller",
    "wait": ".caller",
    "serve": ".worker",
}


__getattr__ = lazy_attributes(__name__, _HOMES)


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
