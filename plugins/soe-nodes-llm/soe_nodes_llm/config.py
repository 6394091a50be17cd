"""Static checks of ``llm`` and ``agent`` nodes (CORE-15, LLM-1, LLM-2, AGENT-1).

Their keys as pydantic models are in :mod:`.models`.

Checks run in the order of CORE-15 with the reference's message fragments.
Beyond the reference (WEAK-26): ``prompt`` must be a string, ``retries``
rejects booleans, ``tools`` items must be strings and ``output_field``
refuses every ``__`` name. Keys added by this engine are checked too:
``max_iterations``, ``max_tool_errors``, ``max_tool_result_chars`` (agent),
``llm_transient_retries`` and ``llm_retry_backoff``. Any other key is
allowed and reaches ``call_llm`` untouched (CALL-4).
"""

from __future__ import annotations

import os
from typing import Any

from soe_core.validation import checks

DEFAULT_RETRIES = 3
DEFAULT_MAX_ITERATIONS = 50
"""Router turns an agent may take in one run before it fails (AGENT-12)."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _non_negative_int(config: dict, key: str, message: str) -> None:
    value = config.get(key)
    if value is not None and (not _is_int(value) or value < 0):
        checks.fail(message)


def _validate(config: dict, kind: str, agent: bool) -> None:
    checks.event_triggers(config)
    prompt = checks.require(config, "prompt")
    if not isinstance(prompt, str):
        checks.fail(f"'prompt' must be a string, got {type(prompt).__name__}")
    if config.get("input_fields") is not None:
        checks.fail(
            f"'input_fields' is no longer supported for {kind} nodes. "
            "Reference context fields in the prompt with Jinja, e.g. {{ context.field }}"
        )
    checks.output_field(config)
    output_field = config.get("output_field")
    if isinstance(output_field, str) and output_field.startswith("__"):
        checks.fail(f"'output_field' cannot be '{output_field}' (reserved system field)")
    _non_negative_int(config, "retries", "'retries' must be a positive integer (default is 3)")
    emissions = checks.optional_list(config, "event_emissions")
    if emissions:
        checks.emission_items(emissions, jinja_check=False)
    if agent:
        checks.optional_list(config, "tools")
        checks.string_list(config, "tools")
        value = config.get("max_iterations")
        if value is not None and (not _is_int(value) or value < 1):
            checks.fail("'max_iterations' must be an integer of at least 1")
        _non_negative_int(
            config, "max_tool_errors", "'max_tool_errors' must be a non-negative integer"
        )
        value = config.get("max_tool_result_chars")
        if value is not None and (not _is_int(value) or value < 1):
            checks.fail("'max_tool_result_chars' must be an integer of at least 1")
    checks.optional_string(config, "identity")
    checks.optional_string(config, "llm_failure_signal")
    _non_negative_int(
        config, "llm_transient_retries", "'llm_transient_retries' must be a non-negative integer"
    )
    backoff = config.get("llm_retry_backoff")
    if backoff is not None and (
        isinstance(backoff, bool) or not isinstance(backoff, (int, float)) or backoff < 0
    ):
        checks.fail("'llm_retry_backoff' must be a non-negative number of seconds")


def validate_llm(config: dict) -> None:
    """Static checks of an ``llm`` node (CORE-15)."""
    _validate(config, "LLM", agent=False)


def validate_agent(config: dict) -> None:
    """Static checks of an ``agent`` node (CORE-15 plus ``tools``)."""
    _validate(config, "Agent", agent=True)


def retries_of(config: dict) -> int:
    value = config.get("retries")
    return DEFAULT_RETRIES if value is None else int(value)


def __getattr__(name: str) -> Any:
    # the pydantic models moved to .models, imported only when asked for
    if name in ("LlmConfig", "AgentConfig"):
        from . import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def max_iterations_of(config: dict) -> int:
    value = config.get("max_iterations")
    if value is None:
        value = os.environ.get("SOE_AGENT_MAX_ITERATIONS", DEFAULT_MAX_ITERATIONS)
    return max(1, int(value))


def tool_error_budget_of(config: dict) -> int:
    value = config.get("max_tool_errors")
    return retries_of(config) if value is None else int(value)
