"""The keys of ``llm`` and ``agent`` nodes as pydantic models, for docs and tooling.

Apart from :mod:`.config` (the checks) so that loading the plugin imports no
pydantic: ``NodeType.config_model`` names these models (issue #9).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .config import DEFAULT_MAX_ITERATIONS, DEFAULT_RETRIES


class LlmConfig(BaseModel):
    """Keys of an ``llm`` node (other keys are passed through to ``call_llm``)."""

    model_config = ConfigDict(extra="allow")
    node_type: str = "llm"
    event_triggers: list[str]
    prompt: str
    output_field: str | None = None
    identity: str | None = None
    retries: int = DEFAULT_RETRIES
    llm_failure_signal: str | None = None
    event_emissions: list[dict] = []
    llm_transient_retries: int | None = None
    llm_retry_backoff: float | None = None


class AgentConfig(LlmConfig):
    """Keys of an ``agent`` node: those of ``llm`` plus tools and loop limits."""

    node_type: str = "agent"
    tools: list[str] = []
    max_iterations: int = DEFAULT_MAX_ITERATIONS
    max_tool_errors: int | None = None
    max_tool_result_chars: int | None = None
