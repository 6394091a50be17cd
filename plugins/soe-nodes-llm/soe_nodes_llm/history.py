"""Conversation history: rendering and persistence (HIST-2..6, LLM-11, AGENT-11).

History is keyed by the main execution id, so every identity-bearing node of
an execution tree shares one list (ID-3). The engine only appends: each new
entry is sent once with ``append_to_conversation_history`` (never re-saving
a list that already holds it, so nothing is stored twice, HIST-4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .rich import label_entry


def render_llm_history(history: list[dict]) -> str:
    """One ``[<role>]: <content>`` line per entry (HIST-5)."""
    return "\n".join(
        f"[{entry.get('role') or 'unknown'}]: {entry.get('content', '')}" for entry in history
    )


def render_agent_history(history: list[dict]) -> str:
    """Entries separated by a blank line, tool entries labelled (HIST-6)."""
    return "\n\n".join(label_entry(entry) for entry in history)


def assistant_text(value: Any) -> str:
    """An assistant turn's content: strings as is, other values as JSON text.

    The reference stored Python ``str()`` (``{'a': 1}``, ``True``); JSON text
    (``{"a": 1}``, ``true``) is the documented deviation of LLM-11.
    """
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


@dataclass
class Conversation:
    """The history one node run reads and extends.

    ``enabled`` is False when the node has no identity or there is no
    history backend (ID-3): entries then live only for the run.
    """

    backend: Any
    key: str
    enabled: bool
    entries: list[dict] = field(default_factory=list)

    def append(self, entry: dict) -> None:
        self.entries.append(entry)
        if self.enabled:
            self.backend.append_to_conversation_history(self.key, dict(entry))

    def add_turn(self, prompt: str, value: Any) -> None:
        """The LLM node's user/assistant pair (LLM-3 step 7)."""
        self.append({"role": "user", "content": prompt})
        self.append({"role": "assistant", "content": assistant_text(value)})
