"""Token usage and latency: an ``llm_request`` event per call, and running totals.

The provider is not handed the execution it works for (CALL-4 keeps the
node config free of engine keys), so events go through
:func:`soe_core.telemetry.register_scoped_event`: the ``llm`` and ``agent``
nodes run their LLM calls inside :func:`soe_core.telemetry.execution_scope`.
Outside a node (a direct ``complete`` call) only the totals are kept.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from soe_core.telemetry import EventTypes, register_scoped_event

log = logging.getLogger("soe.llm.openai")


@dataclass
class UsageTotals:
    """What a provider instance has used so far (thread-safe)."""

    requests: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, record: dict) -> None:
        with self._lock:
            self.requests += record.get("requests", 1)
            self.failures += 1 if record.get("error") else 0
            self.prompt_tokens += record.get("prompt_tokens") or 0
            self.completion_tokens += record.get("completion_tokens") or 0
            self.total_tokens += record.get("total_tokens") or 0


def usage_of(completion: Any) -> dict:
    """Token counts of a completion; ``None`` each when the server sends no ``usage``."""
    usage = getattr(completion, "usage", None)
    return {
        key: getattr(usage, key, None)
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
    }


def record_call(totals: UsageTotals, record: dict) -> None:
    """Add to the totals, log, and send ``llm_request`` to the execution in scope."""
    totals.add(record)
    log.debug("openai call %s", record)
    register_scoped_event(EventTypes.LLM_REQUEST, record)
