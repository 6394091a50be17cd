"""What an SDK exception means here: retry it, drop structured output, or stop clearly."""

from __future__ import annotations

import openai

from .errors import OpenAiRequestError
from .retry import parse_retry_after

RETRYABLE_STATUS = frozenset({408, 409, 429})
FORMAT_REJECTION_STATUS = frozenset({400, 422, 501})
FORMAT_WORDS = ("response_format", "json_schema")


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, connection errors, 408/409/429 and 5xx -- but not an exhausted quota."""
    if isinstance(exc, openai.APIConnectionError):  # APITimeoutError is one too
        return True
    if isinstance(exc, openai.APIStatusError):
        if error_code(exc) == "insufficient_quota":  # waiting will not refill it
            return False
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return False


def retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    return parse_retry_after(getattr(response, "headers", None))


def rejects_response_format(exc: BaseException) -> bool:
    """A server refusing ``response_format`` (e.g. a 400 that names it)."""
    if not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code not in FORMAT_REJECTION_STATUS:
        return False
    text = f"{server_message(exc)} {exc.body}".lower()
    return any(word in text for word in FORMAT_WORDS)


def error_code(exc: openai.APIStatusError) -> str | None:
    code = getattr(exc, "code", None)
    if code is None and isinstance(exc.body, dict):
        code = exc.body.get("code")
    return code if isinstance(code, str) else None


def server_message(exc: openai.APIError) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", None) or exc)


def final_error(
    exc: openai.OpenAIError, *, model: str, base_url: str, timeout: float, attempts: int
) -> OpenAiRequestError:
    """One message naming the model, the server and what went wrong."""
    where = f"model {model!r} at {base_url}"
    tries = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
    if isinstance(exc, openai.APITimeoutError):
        return OpenAiRequestError(
            f"OpenAI request timed out after {timeout:g} s, {where}{tries}", attempts=attempts
        )
    if isinstance(exc, openai.APIConnectionError):
        return OpenAiRequestError(
            f"cannot reach the OpenAI API, {where}: {exc}{tries}", attempts=attempts
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        hint = ""
        if status == 401:
            hint = " -- check OPENAI_API_KEY or the api_key option"
        elif error_code(exc) == "insufficient_quota":
            hint = " -- the account's quota is used up; retrying will not help"
        return OpenAiRequestError(
            f"OpenAI API error {status}, {where}: {server_message(exc)}{hint}{tries}",
            status_code=status,
            attempts=attempts,
        )
    return OpenAiRequestError(f"OpenAI request failed, {where}: {exc}{tries}", attempts=attempts)
