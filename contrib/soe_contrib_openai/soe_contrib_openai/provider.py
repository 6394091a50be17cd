"""The ``openai`` provider: a plain ``call_llm`` and the richer ``complete`` (CALL-1, CALL-8a).

``complete(messages, schema, config)`` sends the engine's chat messages as
they are (the identity as a real ``system`` message, history as real turns)
and asks for native structured output when the answer is a JSON object. The
plain ``call_llm(prompt, config)`` sends the envelope as one user message and
reads the schema from it, so both forms profit from structured output.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any
from urllib.parse import urlsplit

import openai

from .errors import OpenAiRequestError
from .failures import final_error, is_retryable, rejects_response_format, retry_after
from .settings import CallSettings, Settings
from .structured import response_format, schema_from_prompt, with_json_instructions
from .usage import UsageTotals, record_call, usage_of

log = logging.getLogger("soe.llm.openai")


class OpenAiLlm:
    """An OpenAI (or OpenAI-compatible) chat model behind the SOE provider interfaces."""

    def __init__(self, settings: Settings, client: openai.OpenAI | None = None):
        self.settings = settings
        self.client = client or openai.OpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            organization=settings.organization,
            project=settings.project,
            timeout=settings.timeout,
            max_retries=0,  # retries follow our RetryPolicy, not the SDK's
            default_headers=settings.default_headers or None,
            http_client=_direct_client(settings.base_url),
        )
        self.structured_output = settings.structured_output
        """Turned off for good once this client's server refuses ``response_format``."""
        self.totals = UsageTotals()
        self.sleep = time.sleep
        self.random = random.Random()

    @property
    def model(self) -> str | None:
        return self.settings.model

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)

    def __repr__(self) -> str:
        return f"OpenAiLlm(model={self.model!r}, base_url={self.base_url!r})"

    def __call__(self, prompt: str, config: dict) -> str:
        return self.call_llm(prompt, config)

    def call_llm(self, prompt: str, config: dict) -> str:
        """The plain protocol: the request text as one user message."""
        messages = [{"role": "user", "content": prompt}]
        return self.complete(messages, schema_from_prompt(prompt), config)

    def complete(self, messages: list[dict], schema: dict | None, config: dict) -> str:
        """Chat messages in, the answer's text out; ``schema`` enables structured output."""
        config = config or {}
        call = CallSettings.for_node(self.settings, config)
        record: dict[str, Any] = {
            "provider": "openai",
            "model": call.model,
            "node_name": config.get("name"),
            "requests": 0,
        }
        started = time.monotonic()
        try:
            completion = self._send(call, _chat(messages), schema, record)
            record.update(usage_of(completion))
            return answer_text(completion, call.model)
        except Exception as exc:
            record["error"] = str(exc)
            raise
        finally:
            record["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
            record_call(self.totals, record)

    def close(self) -> None:
        self.client.close()

    # -- one call: format fallback and retries ------------------------------

    def _send(self, call: CallSettings, messages: list[dict], schema: dict | None, record: dict):
        wanted = response_format(schema) if self.structured_output else None
        if wanted is None:
            messages = with_json_instructions(messages, schema)
        failures = 0
        while True:
            record["requests"] += 1
            record["structured_output"] = wanted is not None
            try:
                return self.client.chat.completions.create(**_arguments(call, messages, wanted))
            except openai.OpenAIError as exc:
                if wanted is not None and rejects_response_format(exc):
                    log.info("%s refuses response_format; using JSON instructions", self.base_url)
                    self.structured_output = False
                    wanted = None
                    messages = with_json_instructions(messages, schema)
                    continue
                if failures >= call.retry.retries or not is_retryable(exc):
                    raise final_error(
                        exc,
                        model=call.model,
                        base_url=self.base_url,
                        timeout=call.timeout,
                        attempts=failures + 1,
                    ) from exc
                delay = call.retry.delay(failures, retry_after(exc), self.random.random)
                failures += 1
                log.warning("openai request failed (%s); retry %d in %.2f s", exc, failures, delay)
                self.sleep(delay)


def _direct_client(base_url: str | None):
    """For a plain-HTTP server on this machine, a client that ignores proxy variables.

    A local Ollama or vLLM (or a test server) is never behind the proxy that
    ``HTTP_PROXY`` names; anything else keeps the SDK's default client.
    """
    parts = urlsplit(base_url or "")
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return openai.DefaultHttpxClient(trust_env=False)
    return None


def _chat(messages: list[dict]) -> list[dict]:
    return [{"role": m["role"], "content": str(m.get("content") or "")} for m in messages]


def _arguments(call: CallSettings, messages: list[dict], wanted: dict | None) -> dict:
    arguments: dict[str, Any] = {"model": call.model, "messages": messages, "timeout": call.timeout}
    if wanted is not None:
        arguments["response_format"] = wanted
    if call.body:
        # sent as body fields: works with every SDK version and with server-specific keys
        arguments["extra_body"] = call.body
    return arguments


def answer_text(completion: Any, model: str) -> str:
    """``choices[0].message.content``; a refusal or an empty answer list is an error."""
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise OpenAiRequestError(f"the server answered without choices (model {model!r})")
    choice = choices[0]
    content = getattr(choice.message, "content", None)
    refusal = getattr(choice.message, "refusal", None)
    if content is None and refusal:
        raise OpenAiRequestError(f"model {model!r} refused to answer: {refusal}")
    if getattr(choice, "finish_reason", None) == "length":
        log.warning("model %r stopped at its token limit; the answer may be cut", model)
    return content or ""


def build_openai(model: str | None = None, **options: Any) -> OpenAiLlm:
    """``get_llm("openai:MODEL", **options)``: see :class:`~.settings.Settings` for options."""
    return OpenAiLlm(Settings.from_options(model, options))
