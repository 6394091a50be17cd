"""Static validation of configs and orchestrate parameters (CORE-10..22)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import WorkflowValidationError
from ..plugins import PluginRegistry, get_registry
from ..yaml_parser import parse_yaml
from .memo import valid_configs

CANONICAL_TYPES = ("router", "agent", "llm", "child", "tool")


def is_combined(config: Mapping) -> bool:
    """The combined form has a top-level ``workflows`` key (CORE-7)."""
    return "workflows" in config


def validate_config(config: Any, registry: PluginRegistry | None = None) -> dict:
    """Parse and validate a whole config; return the parsed mapping.

    A config whose content already passed against the same plugin registry
    is not checked again (see :mod:`.memo`).
    """
    parsed = parse_yaml(config)
    if not isinstance(parsed, dict):
        kind = "empty" if parsed is None else type(parsed).__name__
        raise WorkflowValidationError(
            f"Config must be a mapping of workflows (or have a 'workflows' section), got {kind}"
        )
    registry = registry or get_registry()
    known = valid_configs(registry)
    key = known.key(parsed)
    if key in known:
        return parsed
    _validate_parsed(parsed, registry)
    known.add(key)
    return parsed


def _validate_parsed(parsed: dict, registry: PluginRegistry) -> None:
    if is_combined(parsed):
        workflows = parsed["workflows"]
        if not isinstance(workflows, dict):
            raise WorkflowValidationError("'workflows' section must be an object")
        validate_registry(workflows, registry)
        _validate_context_schema(parsed.get("context_schema"))
        _validate_identities(parsed.get("identities"))
    else:
        validate_registry(parsed, registry)


def validate_registry(workflows: Mapping, registry: PluginRegistry | None = None) -> None:
    for name, workflow in workflows.items():
        if not isinstance(workflow, dict):
            raise WorkflowValidationError(
                f"Workflow '{name}' must be an object containing node definitions"
            )
        validate_workflow(name, workflow, registry)


def _validate_context_schema(schema: Any) -> None:
    if schema is None:
        return
    if not isinstance(schema, dict):
        raise WorkflowValidationError(
            "'context_schema' section must be an object mapping field names to schemas"
        )
    for field, definition in schema.items():
        if not isinstance(definition, (dict, str)):
            raise WorkflowValidationError(
                f"context_schema.{field}: schema must be an object or type string"
            )


def _validate_identities(identities: Any) -> None:
    if identities is None:
        return
    if not isinstance(identities, dict):
        raise WorkflowValidationError(
            "'identities' section must be an object mapping identity names to prompts"
        )
    for name, prompt in identities.items():
        if not isinstance(prompt, str):
            raise WorkflowValidationError(
                f"identities.{name}: identity prompt must be a string, got {type(prompt).__name__}"
            )


def valid_type_names(registry: PluginRegistry) -> list[str]:
    names = [name for name in CANONICAL_TYPES if name in registry.node_types]
    names += sorted(name for name in registry.node_types if name not in CANONICAL_TYPES)
    return names


def validate_workflow(
    workflow_name: str, workflow: Any, registry: PluginRegistry | None = None
) -> None:
    """Validate every node of one workflow (CORE-11)."""
    registry = registry or get_registry()
    if not isinstance(workflow, dict):
        raise WorkflowValidationError(
            f"Workflow '{workflow_name}' must be an object containing node definitions"
        )
    if not workflow:
        raise WorkflowValidationError(
            f"Workflow '{workflow_name}' is empty: at least one node is required"
        )
    for node_name, node_config in workflow.items():
        validate_node(workflow_name, node_name, node_config, registry)


def validate_node(
    workflow_name: str, node_name: Any, node_config: Any, registry: PluginRegistry | None = None
) -> None:
    registry = registry or get_registry()
    node_type = node_config.get("node_type") if type(node_config) is dict else None
    if (
        type(node_name) is str
        and type(node_type) is str
        and not node_name.startswith("__")
        and not node_type.startswith("_")
    ):  # the common case, checked without building the error prefix
        spec = registry.node_type(node_type)
        if spec is not None:
            try:
                spec.validate(node_config)
            except WorkflowValidationError as exc:
                where = f"Workflow '{workflow_name}', node '{node_name}'"
                raise type(exc)(f"{where}: {exc}") from exc
            return
    _validate_node_slowly(workflow_name, node_name, node_config, registry)


def _validate_node_slowly(
    workflow_name: str, node_name: Any, node_config: Any, registry: PluginRegistry
) -> None:
    where = f"Workflow '{workflow_name}', node '{node_name}'"
    if not isinstance(node_name, str):
        raise WorkflowValidationError(f"{where}: node name must be a string")
    if node_name.startswith("__"):
        raise WorkflowValidationError(
            f"{where}: node name '{node_name}' is reserved (names starting with '__' are reserved)"
        )
    if not isinstance(node_config, dict):
        raise WorkflowValidationError(
            f"{where}: node configuration must be an object, got {type(node_config).__name__}"
        )
    node_type = node_config.get("node_type")
    if not node_type:
        raise WorkflowValidationError(f"{where}: 'node_type' is required")
    if not isinstance(node_type, str):
        raise WorkflowValidationError(
            f"{where}: 'node_type' must be a string, got {type(node_type).__name__}"
        )
    if node_type.startswith("_"):
        return
    spec = registry.node_type(node_type)
    if spec is None:
        raise WorkflowValidationError(
            f"{where}: unknown node_type '{node_type}'. Valid types: "
            f"{', '.join(valid_type_names(registry))}" + _missing_type_hint(node_type)
        )
    try:
        spec.validate(node_config)
    except WorkflowValidationError as exc:
        raise type(exc)(f"{where}: {exc}") from exc


def _missing_type_hint(node_type: str) -> str:
    if node_type in ("llm", "agent"):
        return " (the llm and agent node types come from the soe-nodes-llm distribution)"
    if node_type in ("router", "tool", "child"):
        return " (router, tool and child come from the soe-nodes-core distribution)"
    return ""


def validate_orchestrate_params(initial_workflow_name: Any, initial_signals: Any) -> None:
    """Check the start parameters of ``orchestrate()`` (CORE-21)."""
    if not isinstance(initial_signals, list):
        raise WorkflowValidationError(
            f"'initial_signals' must be a list, got {type(initial_signals).__name__}"
        )
    if not initial_signals:
        raise WorkflowValidationError("'initial_signals' cannot be empty")
    for signal in initial_signals:
        if not isinstance(signal, str):
            raise WorkflowValidationError(
                f"'initial_signals' items must be strings, got {type(signal).__name__}"
            )
    if not isinstance(initial_workflow_name, str) or not initial_workflow_name:
        raise WorkflowValidationError("'initial_workflow_name' must be a non-empty string")


def validate_initial_workflow(name: str, workflows: Mapping | None) -> None:
    workflows = workflows or {}
    if name not in workflows:
        raise WorkflowValidationError(
            f"Workflow '{name}' not found in config. Available workflows: {list(workflows)}"
        )
