"""Choosing an LLM by name: ``get_llm("provider:model", **options)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .plugins import get_registry


def get_llm(spec: str, **options: Any) -> Callable[[str, dict], str]:
    """Build a ``call_llm`` from an installed provider.

    ``spec`` is ``"name"`` or ``"name:model"``, e.g. ``"fake"`` or ``"openai:gpt-4o-mini"``.
    """
    name, _sep, model = spec.partition(":")
    provider = get_registry().llm_provider(name)
    return provider.build(model or None, **options)
