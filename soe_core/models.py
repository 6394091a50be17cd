"""Public pydantic types kept for compatibility (AGENT-17); the engine never uses them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AgentRequest(BaseModel):
    agent_id: str
    prompt: str
    agent_config: dict
    tool_responses: dict = Field(default_factory=dict)


class AgentResponse(BaseModel):
    output: Any = None
    tool_calls: dict = Field(default_factory=dict)
    emitted_signals: list[str] = Field(default_factory=list)
    needs_clarification: bool = False
    clarification_message: str = ""
