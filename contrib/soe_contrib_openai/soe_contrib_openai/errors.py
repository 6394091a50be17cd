"""Errors of the OpenAI provider: both say what to fix, never just an SDK traceback."""

from __future__ import annotations

from soe_core.errors import PluginError, SoeError


class OpenAiConfigurationError(PluginError, ValueError):
    """A missing API key, an unknown option, an option of the wrong type, no model.

    A :class:`~soe_core.errors.PluginError` (the provider plugin cannot be set
    up), so ``soe run`` reports it as a bad ``--llm`` instead of a traceback.
    """


class OpenAiRequestError(SoeError):
    """A request failed for good: not retryable, or still failing after the retries.

    ``transient`` is ``False`` so the engine does not retry again on top of the
    provider's own policy (the llm node retries exceptions that look transient).
    """

    transient = False

    def __init__(self, message: str, *, status_code: int | None = None, attempts: int = 1):
        super().__init__(message)
        self.status_code = status_code
        self.attempts = attempts
