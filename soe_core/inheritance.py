"""Starting an execution from another one's config or context (CORE-70..79)."""

from __future__ import annotations

import copy
from typing import Any

from .context import OPERATIONAL, PARENT, set_field
from .errors import InheritanceError
from .telemetry import EventTypes, register_event


def inherit_config(backends: Any, new_id: str, source_id: str) -> dict:
    """Copy registry, identities and context schema of ``source_id``; return the registry."""
    register_event(
        backends, new_id, EventTypes.CONFIG_INHERITANCE_START, {"source_execution_id": source_id}
    )
    registry = backends.workflow.get_workflows_registry(source_id)
    if not registry:
        raise InheritanceError(
            f"Cannot inherit config from execution '{source_id}': no workflows registry found"
        )
    return copy.deepcopy(registry)


def inherited_sections(backends: Any, source_id: str) -> tuple[dict | None, dict | None]:
    """Independent copies of the source's identities and context schema (CORE-76)."""
    identities = schema = None
    if getattr(backends, "identity", None) is not None:
        identities = copy.deepcopy(backends.identity.get_identities(source_id)) or None
    if getattr(backends, "context_schema", None) is not None:
        schema = copy.deepcopy(backends.context_schema.get_context_schema(source_id)) or None
    return identities, schema


def inherit_context(backends: Any, new_id: str, source_id: str, initial_context: dict) -> dict:
    """Deep copy of the source context without operational state, plus ``initial_context``."""
    register_event(backends, new_id, EventTypes.CONTEXT_INHERITANCE_START, {})
    source = backends.context.get_context(source_id)
    if not source:
        raise InheritanceError(
            f"Cannot inherit context from execution '{source_id}': no context found"
        )
    context = {
        key: copy.deepcopy(value)
        for key, value in source.items()
        if key not in (OPERATIONAL, PARENT)
    }
    if initial_context:
        register_event(
            backends, new_id, EventTypes.CONTEXT_MERGE, {"fields": list(initial_context)}
        )
        for key, value in initial_context.items():
            set_field(context, key, copy.deepcopy(value))
    return context
