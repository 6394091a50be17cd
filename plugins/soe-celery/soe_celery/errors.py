"""What the celery caller raises."""

from __future__ import annotations

from soe_core import SoeError


class CeleryCallerError(SoeError):
    """The celery caller cannot work with these backends or options."""


class ExecutionFailed(SoeError):
    """A job of the execution failed on a worker; the message is the worker's error."""


class WaitTimeout(SoeError, TimeoutError):
    """The execution did not finish in time; it goes on running on the workers."""


class UnknownExecution(SoeError):
    """A worker's store does not hold the execution: client and worker use different stores."""
