"""Structural protocols of the public API (CORE-5, CORE-88)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .errors import SoeError, WorkflowValidationError
from .telemetry import EventTypes


@runtime_checkable
class ContextBackend(Protocol):
    def save_context(self, id: str, context: dict) -> None: ...
    def get_context(self, id: str) -> dict: ...


@runtime_checkable
class WorkflowBackend(Protocol):
    def save_workflows_registry(self, id: str, workflows: dict) -> None: ...
    def get_workflows_registry(self, id: str) -> Any: ...
    def save_current_workflow_name(self, id: str, name: str) -> None: ...
    def get_current_workflow_name(self, id: str) -> str: ...


@runtime_checkable
class TelemetryBackend(Protocol):
    def log_event(self, execution_id: str, event_type: str, **event_data: Any) -> None: ...


@runtime_checkable
class TelemetryReader(Protocol):
    def get_events(self, execution_id: str) -> list[dict]: ...


@runtime_checkable
class ConversationHistoryBackend(Protocol):
    def get_conversation_history(self, identity: str) -> list[dict]: ...
    def append_to_conversation_history(self, identity: str, entry: dict) -> None: ...
    def save_conversation_history(self, identity: str, history: list[dict]) -> None: ...
    def delete_conversation_history(self, identity: str) -> None: ...


@runtime_checkable
class ContextSchemaBackend(Protocol):
    def save_context_schema(self, execution_id: str, schema: dict) -> None: ...
    def get_context_schema(self, execution_id: str) -> dict | None: ...
    def delete_context_schema(self, execution_id: str) -> bool: ...


@runtime_checkable
class IdentityBackend(Protocol):
    def save_identities(self, execution_id: str, identities: dict) -> None: ...
    def get_identities(self, execution_id: str) -> dict | None: ...
    def delete_identities(self, execution_id: str) -> bool: ...


class Backends(Protocol):
    context: ContextBackend
    workflow: WorkflowBackend
    telemetry: TelemetryBackend | None
    conversation_history: ConversationHistoryBackend | None
    context_schema: ContextSchemaBackend | None
    identity: IdentityBackend | None


class CallLlm(Protocol):
    def __call__(self, prompt: str, config: dict) -> str: ...


class BroadcastSignalsCaller(Protocol):
    def __call__(self, execution_id: str, signals: list[str]) -> None: ...


class NodeCaller(Protocol):
    def __call__(self, execution_id: str, node_config: dict) -> None: ...


class OrchestrateCaller(Protocol):
    def __call__(
        self,
        config: Any,
        initial_workflow_name: str,
        initial_signals: list[str],
        initial_context: dict,
        backends: Backends,
    ) -> str: ...


__all__ = [
    "Backends",
    "BroadcastSignalsCaller",
    "CallLlm",
    "ContextBackend",
    "ContextSchemaBackend",
    "ConversationHistoryBackend",
    "EventTypes",
    "IdentityBackend",
    "NodeCaller",
    "OrchestrateCaller",
    "SoeError",
    "TelemetryBackend",
    "TelemetryReader",
    "WorkflowBackend",
    "WorkflowValidationError",
]
