"""The richer provider interface (CALL-8a) and the adapter the nodes call through.

A plain ``call_llm(prompt, config) -> str`` receives exactly the envelope
text of RES-2 and nothing else changes for it (CALL-1..4).

A provider may instead be an object implementing :class:`RichLlm`::

    class MyProvider:
        def call_llm(self, prompt: str, config: dict) -> str: ...      # plain form
        def complete(self, messages: list[dict], schema: dict | None,
                     config: dict) -> str: ...                          # rich form
        __call__ = call_llm          # recommended: usable wherever a call_llm is

When the object has a callable ``complete``, the engine calls it instead of
the plain form, with:

``messages``
    Chat messages ``{"role": "system" | "user" | "assistant", "content": str}``:
    the conversation history as real turns (the identity's system prompt as
    a real ``system`` message; agent tool entries as ``user`` turns labelled
    ``[Tool: name]`` etc.), then one ``user`` message holding the request
    record (without its ``conversation_history``, which the turns replace)
    and the format instructions. On a validation retry the failed answer
    follows as an ``assistant`` turn and the feedback as a ``user`` turn.
``schema``
    The JSON Schema of the expected answer, for native structured output.
``config``
    The node config, exactly as a plain ``call_llm`` gets it.

The answer is parsed and validated by the same response models as a plain
answer, so outputs, signals and history are identical either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel


@runtime_checkable
class RichLlm(Protocol):
    """A provider offering chat messages and a response schema (CALL-8a)."""

    def call_llm(self, prompt: str, config: dict) -> str: ...

    def complete(self, messages: list[dict], schema: dict | None, config: dict) -> str: ...


class LlmClient:
    """How the nodes talk to whatever ``call_llm`` they were given."""

    def __init__(self, provider: Any):
        if provider is None:
            raise TypeError("call_llm is required for llm and agent nodes")
        plain = provider if callable(provider) else getattr(provider, "call_llm", None)
        if not callable(plain):
            raise TypeError(
                "call_llm must be a callable call_llm(prompt, config) -> str or an object "
                f"with a call_llm method, got {type(provider).__name__}"
            )
        complete = getattr(provider, "complete", None)
        self.provider = provider
        self.plain: Callable[[str, dict], Any] = plain
        self.complete: Callable[[list, dict | None, dict], Any] | None = (
            complete if callable(complete) else None
        )

    @property
    def is_rich(self) -> bool:
        return self.complete is not None


def label_entry(entry: dict) -> str:
    """Agent history text of one entry (HIST-6)."""
    role = entry.get("role")
    content = str(entry.get("content", ""))
    if role == "tool":
        return f"[Tool: {entry.get('tool_name')}]\n{content}"
    if role == "tool_error":
        return f"[Tool Error: {entry.get('tool_name')}]\n{content}"
    if role == "system_error":
        return f"[System Error]\n{content}"
    return content


def history_messages(history: list[dict]) -> list[dict]:
    """Conversation history as chat turns for a rich provider."""
    messages = []
    for entry in history:
        role = entry.get("role")
        if role in ("system", "user", "assistant"):
            messages.append({"role": role, "content": str(entry.get("content", ""))})
        else:
            messages.append({"role": "user", "content": label_entry(entry)})
    return messages


def request_messages(history: list[dict], user_text: str) -> list[dict]:
    return [*history_messages(history), {"role": "user", "content": user_text}]


def without_history(record: BaseModel) -> BaseModel:
    """The record a rich provider sees: history travels as turns instead."""
    if "conversation_history" in type(record).model_fields:
        return record.model_copy(update={"conversation_history": ""})
    return record
