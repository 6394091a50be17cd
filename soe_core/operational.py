"""The reserved ``__operational__`` field (CORE-62)."""

from __future__ import annotations

from collections.abc import Mapping

from .context import OPERATIONAL, PARENT


def new_operational_state(execution_id: str, context: dict) -> dict:
    parent = context.get(PARENT)
    main_id = None
    if isinstance(parent, dict):
        main_id = parent.get("main_execution_id")
    return {
        "signals": [],
        "nodes": {},
        "llm_calls": 0,
        "tool_calls": 0,
        "errors": 0,
        "main_execution_id": main_id or execution_id,
    }


def add_operational_state(execution_id: str, context: dict) -> dict:
    """Add a fresh ``__operational__`` unless one is present; return the context."""
    if OPERATIONAL not in context:
        context[OPERATIONAL] = new_operational_state(execution_id, context)
    return context


def main_execution_id(context: Mapping, default: str) -> str:
    operational = context.get(OPERATIONAL)
    # a Mapping: what read_context returns need not be a dict (soe_core.store)
    if isinstance(operational, Mapping) and operational.get("main_execution_id"):
        return operational["main_execution_id"]
    return default
