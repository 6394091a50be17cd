"""One resolution: ask, parse, retry with feedback (RES-4..6), and ride out provider blips.

Two separate retry budgets:

* validation retries: an answer that does not parse or validate is retried
  up to ``retries`` times with feedback (RES-5). Unlike the reference, the
  retry prompt holds only the LAST failed answer and its errors, so it does
  not grow with each attempt (WEAK-9); the labels are the reference's.
* transient retries: an exception from the provider that looks transient
  (see :func:`is_transient`) is retried after an exponential backoff,
  ``llm_transient_retries`` times (default 2, env
  ``SOE_LLM_TRANSIENT_RETRIES``) starting at ``llm_retry_backoff`` seconds
  (default 0.5, env ``SOE_LLM_RETRY_BACKOFF``; doubled each time, at most 30).
  Any other exception propagates at once, as in the reference (CALL-6).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from soe_core.concurrent import waiting

from .envelope import build_prompt, schema_of
from .parsing import as_text, parse_response
from .rich import LlmClient, request_messages, without_history

log = logging.getLogger("soe.llm")

MAX_ECHO = 8000
"""Characters of a failed answer quoted back in a retry prompt."""
MAX_BACKOFF = 30.0
_TRANSIENT_NAMES = frozenset({
    "APIConnectionError", "APITimeoutError", "RateLimitError", "InternalServerError",
    "ServiceUnavailableError", "OverloadedError", "ConnectError", "ConnectTimeout",
    "ReadTimeout", "WriteTimeout", "PoolTimeout", "RemoteProtocolError", "TransientLlmError",
})

sleep = time.sleep  # replaced in tests


class TransientLlmError(Exception):
    """Raise (or subclass) from a provider for an error worth retrying."""

    transient = True


class MaxRetriesExceeded(Exception):  # noqa: N818 - the reference's message is what callers match
    """Every attempt of a resolution failed validation (RES-6)."""


def is_transient(exc: BaseException) -> bool:
    """Connection and timeout errors, rate limits and 5xx answers.

    An exception can decide for itself with a ``transient`` (or
    ``retryable``) attribute; otherwise its class (or a base class) name is
    matched against well-known client errors, and an HTTP ``status_code`` of
    408, 409, 429 or 5xx counts.
    """
    for attribute in ("transient", "retryable"):
        verdict = getattr(exc, attribute, None)
        if isinstance(verdict, bool):
            return verdict
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    if any(cls.__name__ in _TRANSIENT_NAMES for cls in type(exc).__mro__):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in (408, 409, 429) or status >= 500)


@dataclass(frozen=True)
class TransientPolicy:
    retries: int = 2
    backoff: float = 0.5

    @classmethod
    def from_config(cls, config: dict) -> TransientPolicy:
        retries = config.get("llm_transient_retries")
        if retries is None:
            retries = int(os.environ.get("SOE_LLM_TRANSIENT_RETRIES", "2"))
        backoff = config.get("llm_retry_backoff")
        if backoff is None:
            backoff = float(os.environ.get("SOE_LLM_RETRY_BACKOFF", "0.5"))
        return cls(int(retries), float(backoff))

    def delay(self, attempt: int) -> float:
        return min(self.backoff * (2**attempt), MAX_BACKOFF)


@dataclass
class Request:
    """What one resolution asks: a record, the answer's model, history for rich providers."""

    record: BaseModel
    model: type[BaseModel]
    history: list[dict] = field(default_factory=list)


def validation_feedback(error: ValueError) -> str:
    """The RES-5 text after ``Previous response: …``."""
    if isinstance(error, ValidationError):
        lines = []
        for item in error.errors():
            loc = ".".join(str(part) for part in item.get("loc", ()))
            lines.append(f"  - {loc}: {item.get('msg')}")
        return (
            "\n\nValidation failed. Fix these fields:\n" + "\n".join(lines)
            + "\n\nRespond with valid JSON."
        )
    return f"\n\nJSON parse error: {error}. Output valid JSON."


def _echo(raw: str) -> str:
    if len(raw) <= MAX_ECHO:
        return raw
    return raw[:MAX_ECHO] + f"... [truncated, {len(raw)} characters]"


class Resolver:
    """Runs resolutions for one node run with one client and node config."""

    def __init__(self, client: LlmClient, config: dict):
        self.client = client
        self.config = config
        self.policy = TransientPolicy.from_config(config)

    def resolve(self, request: Request, retries: int) -> BaseModel:
        """At most ``retries + 1`` answers; raises :class:`MaxRetriesExceeded` after the last."""
        prompt = build_prompt(request.record, request.model)
        failed: tuple[str, str] | None = None
        last_error: ValueError | None = None
        for _attempt in range(retries + 1):
            raw = self._ask(request, prompt, failed)
            try:
                return parse_response(raw, request.model)
            except ValueError as error:  # ValidationError is a ValueError
                last_error = error
                failed = (_echo(as_text(raw)), validation_feedback(error))
        raise MaxRetriesExceeded(f"Max retries ({retries}) exceeded. Last error: {last_error}")

    def _ask(self, request: Request, prompt: str, failed: tuple[str, str] | None) -> Any:
        if self.client.is_rich:
            user_text = build_prompt(without_history(request.record), request.model)
            messages = request_messages(request.history, user_text)
            if failed is not None:
                messages.append({"role": "assistant", "content": failed[0]})
                messages.append({"role": "user", "content": failed[1].lstrip("\n")})
            schema = schema_of(request.model)
            return self._with_transient_retries(
                lambda: self.client.complete(messages, schema, self.config)
            )
        if failed is not None:
            prompt = f"{prompt}\n\nPrevious response: {failed[0]}{failed[1]}"
        return self._with_transient_retries(lambda: self.client.plain(prompt, self.config))

    def _with_transient_retries(self, call) -> Any:
        attempt = 0
        with waiting():  # other nodes of a threads run go on while the LLM answers
            while True:
                try:
                    return call()
                except Exception as exc:
                    if attempt >= self.policy.retries or not is_transient(exc):
                        raise
                    delay = self.policy.delay(attempt)
                    log.warning("transient LLM error (%s); retrying in %.2fs", exc, delay)
                    sleep(delay)
                    attempt += 1
