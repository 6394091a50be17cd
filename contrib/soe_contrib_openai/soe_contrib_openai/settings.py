"""Where the provider's settings come from: options, environment, node config.

Provider options (``get_llm("openai:MODEL", **options)``, ``--llm-option KEY=VALUE``)
set up the client; the node config chooses per request. The API key is
checked when the provider is built, so a missing key stops ``get_llm`` (and
``soe run``) before any workflow starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import OpenAiConfigurationError
from .retry import RetryPolicy

API_KEY_ENV = "OPENAI_API_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"

DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.5
DEFAULT_MAX_BACKOFF = 30.0

REQUEST_KEYS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "reasoning_effort",
    "service_tier",
    "user",
)
"""Chat-completion fields read from the node config (or set for every request as options)."""

CLIENT_KEYS = (
    "api_key",
    "base_url",
    "organization",
    "project",
    "timeout",
    "max_retries",
    "backoff",
    "max_backoff",
    "structured_output",
    "default_headers",
    "extra_body",
)


@dataclass(frozen=True)
class Settings:
    """The provider's configuration once options and environment are merged."""

    api_key: str = field(repr=False)
    model: str | None = None
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    structured_output: bool = True
    default_headers: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    """Request fields sent on every call unless the node config sets them."""

    @classmethod
    def from_options(
        cls, model: str | None, options: Mapping[str, Any], environ: Mapping[str, str] = os.environ
    ) -> Settings:
        unknown = sorted(set(options) - set(CLIENT_KEYS) - set(REQUEST_KEYS))
        if unknown:
            raise OpenAiConfigurationError(
                f"unknown option(s) for the openai provider: {', '.join(unknown)}; "
                f"known: {', '.join(CLIENT_KEYS + REQUEST_KEYS)}"
            )
        api_key = _text(options, "api_key") or environ.get(API_KEY_ENV)
        if not api_key:
            raise OpenAiConfigurationError(
                f"the openai provider needs an API key: set the {API_KEY_ENV} environment "
                "variable or pass api_key (--llm-option api_key=...). Servers that ignore "
                "keys (Ollama, vLLM) accept any value."
            )
        defaults = {key: options[key] for key in REQUEST_KEYS if options.get(key) is not None}
        extra_body = options.get("extra_body")
        if extra_body is not None:
            defaults.update(_mapping(extra_body, "option extra_body"))
        return cls(
            api_key=api_key,
            model=model or None,
            base_url=_text(options, "base_url") or environ.get(BASE_URL_ENV) or None,
            organization=_text(options, "organization"),
            project=_text(options, "project"),
            timeout=_number(options, "timeout", DEFAULT_TIMEOUT, "option", positive=True),
            retry=RetryPolicy(
                retries=_count(options, "max_retries", DEFAULT_RETRIES, "option"),
                backoff=_number(options, "backoff", DEFAULT_BACKOFF, "option"),
                max_backoff=_number(options, "max_backoff", DEFAULT_MAX_BACKOFF, "option"),
            ),
            structured_output=_flag(options, "structured_output", True),
            default_headers=dict(_mapping(options.get("default_headers") or {}, "default_headers")),
            defaults=defaults,
        )


@dataclass(frozen=True)
class CallSettings:
    """What one call uses: the provider's settings overridden by the node config."""

    model: str
    body: dict
    timeout: float
    retry: RetryPolicy

    @classmethod
    def for_node(cls, settings: Settings, config: Mapping[str, Any]) -> CallSettings:
        where = f"node {config.get('name')!r}" if config.get("name") else "node config"
        model = config.get("model") or settings.model
        if not isinstance(model, str) or not model:
            raise OpenAiConfigurationError(
                f"no model for {where}: choose one with openai:MODEL "
                "(get_llm / --llm) or set 'model:' in the node"
            )
        body = dict(settings.defaults)
        body.update({key: config[key] for key in REQUEST_KEYS if config.get(key) is not None})
        if config.get("extra_body") is not None:
            body.update(_mapping(config["extra_body"], f"'extra_body' of {where}"))
        retry = settings.retry.with_overrides(
            retries=_count(config, "llm_transient_retries", None, where),
            backoff=_number(config, "llm_retry_backoff", None, where),
        )
        timeout = _number(config, "timeout", settings.timeout, where, positive=True)
        return cls(model=model, body=body, timeout=timeout, retry=retry)


# -- coercion: CLI options arrive as YAML scalars, API options as anything ----


def _text(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    return None if value is None or value == "" else str(value)


def _number(options, key, default, where, positive=False):
    value = options.get(key)
    if value is None:
        return default
    try:
        number = None if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < 0 or (positive and number == 0):
        kind = "a positive" if positive else "a non-negative"
        raise OpenAiConfigurationError(f"{where} {key!r} must be {kind} number, got {value!r}")
    return number


def _count(options, key, default, where):
    value = options.get(key)
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise OpenAiConfigurationError(f"{where} {key!r} must be a non-negative integer, got {value!r}")


def _flag(options, key, default):
    value = options.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise OpenAiConfigurationError(f"option {key!r} must be true or false, got {value!r}")


def _mapping(value, what):
    if not isinstance(value, Mapping):
        raise OpenAiConfigurationError(f"{what} must be a mapping, got {type(value).__name__}")
    return value
