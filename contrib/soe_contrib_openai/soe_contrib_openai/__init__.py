"""``openai:<model>``: an SOE LLM provider on the official ``openai`` SDK.

``get_llm("openai:gpt-4o-mini", **options)`` returns an :class:`OpenAiLlm`.
The heavy SDK is imported on first use of the provider classes, so loading
the plugin stays cheap.
"""

from __future__ import annotations

from typing import Any

from .errors import OpenAiConfigurationError, OpenAiRequestError

_LAZY = {
    "OpenAiLlm": "provider",
    "build_openai": "provider",
    "Settings": "settings",
    "RetryPolicy": "retry",
}

__all__ = [
    "OpenAiConfigurationError",
    "OpenAiLlm",
    "OpenAiRequestError",
    "RetryPolicy",
    "Settings",
    "build_openai",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
