"""SOE kernel: signal-driven orchestration of AI workflows.

The kernel holds the engine, the context model, validation, templating and
the plugin system. Node types, backends, callers, LLM providers and tools
come from plugins registered in the ``soe`` entry point group.
"""

from __future__ import annotations

from . import context
from .api import Engine, Execution, switch_workflow
from .backends import LocalBackends, create_in_memory_backends, create_local_backends, open_backends
from .context import get_accumulated, get_field, set_field
from .engine import ChildSpawnContext, broadcast_signals, orchestrate
from .errors import (
    InheritanceError,
    LimitExceededError,
    OperationalValidationError,
    SoeError,
    ToolNodeConfigurationError,
    ToolParameterError,
    WorkflowValidationError,
)
from .plugins import get_registry, hookimpl, load_plugins
from .registrations import BackendScheme, CallerType, LlmProvider, NodeType, Tool, ToolPack
from .settings import Settings
from .setup import create_all_nodes, setup_orchestration
from .telemetry import EventTypes
from .types import (
    Backends,
    BroadcastSignalsCaller,
    CallLlm,
    ContextBackend,
    ContextSchemaBackend,
    ConversationHistoryBackend,
    IdentityBackend,
    NodeCaller,
    OrchestrateCaller,
    TelemetryBackend,
    WorkflowBackend,
)
from .yaml_parser import parse_yaml

__version__ = "0.1.0"

__all__ = [
    "BackendScheme",
    "Backends",
    "BroadcastSignalsCaller",
    "CallLlm",
    "CallerType",
    "ChildSpawnContext",
    "ContextBackend",
    "ContextSchemaBackend",
    "Engine",
    "Execution",
    "ConversationHistoryBackend",
    "EventTypes",
    "IdentityBackend",
    "InheritanceError",
    "LimitExceededError",
    "LlmProvider",
    "LocalBackends",
    "NodeCaller",
    "NodeType",
    "OperationalValidationError",
    "OrchestrateCaller",
    "Settings",
    "SoeError",
    "TelemetryBackend",
    "Tool",
    "ToolNodeConfigurationError",
    "ToolPack",
    "ToolParameterError",
    "WorkflowBackend",
    "WorkflowValidationError",
    "broadcast_signals",
    "context",
    "create_all_nodes",
    "create_in_memory_backends",
    "create_local_backends",
    "get_accumulated",
    "get_field",
    "get_registry",
    "hookimpl",
    "load_plugins",
    "open_backends",
    "orchestrate",
    "parse_yaml",
    "set_field",
    "setup_orchestration",
    "switch_workflow",
]
