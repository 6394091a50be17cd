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
from soe_core.models import AgentRequest, AgentResponse

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
