"""Hook implementations of soe-contrib-openai.

The SDK is imported when a provider is built, not when plugins load, so
``soe plugins`` and workflows without an OpenAI model do not pay for it.
"""

from __future__ import annotations

from typing import Any

from soe_core import LlmProvider, hookimpl


def build(model: str | None = None, **options: Any):
    from .provider import build_openai

    return build_openai(model, **options)


OPENAI_PROVIDER = LlmProvider(
    name="openai",
    build=build,
    description="OpenAI and OpenAI-compatible servers (official openai SDK; option base_url)",
)


@hookimpl
def soe_llm_providers():
    return [OPENAI_PROVIDER]
