"""Identities: the switch that turns history on, and the system prompt (ID-3, ID-4).

A node's ``identity`` is a literal (never rendered). History is on iff it
is truthy and a conversation-history backend exists. History is keyed by
the main execution id. When that history is still empty and the execution
tree's identities (read under the main id) define the node's identity with
a non-empty prompt, the history starts with ``{"role": "system", ...}``,
saved at once so it survives a failed call. Once history is non-empty no
other identity's prompt is injected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from soe_core import EventTypes
from soe_core.context import OPERATIONAL
from soe_core.telemetry import register_event

from .history import Conversation


def main_id_of(context: Mapping, execution_id: str) -> str:
    operational = context.get(OPERATIONAL) or {}
    return operational.get("main_execution_id") or execution_id


def open_conversation(
    backends: Any, execution_id: str, main_id: str, identity: Any, node_name: Any = None
) -> Conversation:
    """Load the history a node run uses, injecting the system prompt when due (ID-4)."""
    backend = getattr(backends, "conversation_history", None)
    if not identity or backend is None:
        return Conversation(backend, main_id, enabled=False)
    history = list(backend.get_conversation_history(main_id) or [])
    if not history:
        prompt = _system_prompt(backends, execution_id, main_id, identity, node_name)
        if prompt:
            history = [{"role": "system", "content": prompt}]
            backend.save_conversation_history(main_id, list(history))
    return Conversation(backend, main_id, enabled=True, entries=history)


def _system_prompt(
    backends: Any, execution_id: str, main_id: str, identity: str, node_name: Any
) -> str | None:
    identity_backend = getattr(backends, "identity", None)
    if identity_backend is None:
        return None
    identities = identity_backend.get_identities(main_id) or {}
    prompt = identities.get(identity)
    if prompt:
        return str(prompt)
    if identities and identity not in identities:
        # WEAK-11: the author probably meant one of the defined identities
        register_event(
            backends,
            execution_id,
            EventTypes.CONTEXT_WARNING,
            {
                "node_name": node_name,
                "message": f"identity '{identity}' has no definition in 'identities' "
                f"(defined: {', '.join(sorted(map(str, identities)))}); no system prompt used",
            },
        )
    return None
