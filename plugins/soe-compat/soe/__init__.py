"""Compatibility import name for code written for the original SOE (CORE-1)."""

from soe_core import (
    Backends,
    CallLlm,
    ContextBackend,
    ContextSchemaBackend,
    ConversationHistoryBackend,
    IdentityBackend,
    OperationalValidationError,
    SoeError,
    TelemetryBackend,
    ToolNodeConfigurationError,
    ToolParameterError,
    WorkflowBackend,
    WorkflowValidationError,
    broadcast_signals,
    create_all_nodes,
    orchestrate,
    setup_orchestration,
)

_LAZY = {"AgentRequest", "AgentResponse"}


def __getattr__(name: str):
    # pydantic is imported only by code that uses these types, not by every
    # workflow started through the compatibility name
    if name in _LAZY:
        from soe_core import models

        return getattr(models, name)
    raise AttributeError(f"module 'soe' has no attribute {name!r}")

__all__ = [
    "AgentRequest",
    "AgentResponse",
    "Backends",
    "CallLlm",
    "ContextBackend",
    "ContextSchemaBackend",
    "ConversationHistoryBackend",
    "IdentityBackend",
    "OperationalValidationError",
    "SoeError",
    "TelemetryBackend",
    "ToolNodeConfigurationError",
    "ToolParameterError",
    "WorkflowBackend",
    "WorkflowValidationError",
    "broadcast_signals",
    "create_all_nodes",
    "orchestrate",
    "setup_orchestration",
]
