"""Built-ins that read and change the bound execution's workflows registry (BUILTIN-7..12).

Changes are validated with the same validators as a config before they are
saved (WP-13); a refused change leaves the registry untouched. Every saved
change applies from the next broadcast (BUILTIN-6) and is audited.
"""

import copy
import threading
from typing import Any

from soe_core.validation import validate_node, validate_workflow

from ._common import as_bool, as_name, builtin, check_injected_templates, parse_structured
from .audit import record_modification
from .policy import current_policy

_LOCKS = [threading.RLock() for _ in range(32)]


def _lock(execution_id: str) -> threading.RLock:
    return _LOCKS[hash(execution_id) % len(_LOCKS)]


def _load(backends: Any, execution_id: str) -> dict:
    registry = backends.workflow.get_workflows_registry(execution_id)
    return copy.deepcopy(registry) if isinstance(registry, dict) else {}


def _save(backends: Any, execution_id: str, registry: dict) -> None:
    backends.workflow.save_workflows_registry(execution_id, registry)


def _workflow(registry: dict, workflow_name: str) -> dict:
    if workflow_name not in registry:
        raise ValueError(f"Workflow '{workflow_name}' not found in workflows registry")
    return registry[workflow_name]


def _node_config(registry: dict, workflow_name: str, node_name: str) -> dict:
    workflow = _workflow(registry, workflow_name)
    if not isinstance(workflow, dict) or node_name not in workflow:
        raise ValueError(f"Node '{node_name}' not found in workflow '{workflow_name}'")
    return workflow[node_name]


def _check_injected_node(workflow_name: str, node_name: Any, config: Any) -> None:
    """Everything an injected node must pass before it is stored."""
    validate_node(workflow_name, node_name, config)
    where = f"Workflow '{workflow_name}', node '{node_name}'"
    current_policy().check_node_type(config.get("node_type"), where)
    check_injected_templates(config, where)


def _select_definition(workflow_name: str, data: dict) -> Any:
    """BUILTIN-8's rule for finding the workflow inside ``workflow_data``."""
    if workflow_name in data:
        return data[workflow_name]
    if all(isinstance(v, dict) and "node_type" in v for v in data.values()):
        return data
    if len(data) == 1:
        return next(iter(data.values()))
    return data


def create_soe_get_workflows_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_get_workflows`` bound to one execution (BUILTIN-7)."""

    @builtin("soe_get_workflows", execution_id, backends)
    def soe_get_workflows(workflow_name: str | None = None, list_only: bool = False) -> dict:
        """Read the workflows registry of this execution.

        Args:
            workflow_name: a workflow to describe (its node names and configs).
            list_only: only list the workflow names.
        """
        registry = _load(backends, execution_id)
        if as_bool(list_only):
            return {"workflow_names": list(registry)}
        if workflow_name:
            if workflow_name not in registry:
                return {
                    "error": f"Workflow '{workflow_name}' not found",
                    "available": list(registry),
                }
            workflow = registry[workflow_name]
            nodes = list(workflow) if isinstance(workflow, dict) else []
            return {"workflow_name": workflow_name, "nodes": nodes, "node_configs": workflow}
        return registry

    return soe_get_workflows


def create_soe_inject_workflow_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_inject_workflow`` bound to one execution (BUILTIN-8)."""

    @builtin("soe_inject_workflow", execution_id, backends)
    def soe_inject_workflow(workflow_name: str, workflow_data: str | dict) -> dict:
        """Add a workflow to this execution's registry (or replace one of that name).

        Args:
            workflow_name: name to store the workflow under.
            workflow_data: the workflow as JSON or YAML text (node name -> node config).
        """
        as_name(workflow_name, "workflow_name")
        data = parse_structured(workflow_data)
        if not isinstance(data, dict):
            raise ValueError("Workflow data must be a dictionary/object")
        definition = _select_definition(workflow_name, data)
        if not definition:
            raise ValueError("No workflow definition found for injection")
        definition = copy.deepcopy(definition)
        validate_workflow(workflow_name, definition)
        for node_name, config in definition.items():
            _check_injected_node(workflow_name, node_name, config)
        with _lock(execution_id):
            registry = _load(backends, execution_id)
            before = registry.get(workflow_name)
            registry[workflow_name] = definition
            _save(backends, execution_id, registry)
        record_modification(
            backends,
            execution_id,
            "soe_inject_workflow",
            {"workflow_name": workflow_name},
            before,
            definition,
            legacy={"tool": "soe_inject_workflow", "workflow_name": workflow_name},
        )
        return {
            "injected": True,
            "workflow_name": workflow_name,
            "message": f"Workflow '{workflow_name}' injected successfully",
        }

    return soe_inject_workflow


def create_soe_inject_node_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_inject_node`` bound to one execution (BUILTIN-9)."""

    @builtin("soe_inject_node", execution_id, backends)
    def soe_inject_node(
        workflow_name: str, node_name: str, node_config_data: str | dict
    ) -> dict:
        """Add a node to a workflow of this execution (or replace the node of that name).

        Args:
            workflow_name: an existing workflow.
            node_name: name of the node.
            node_config_data: the node configuration as JSON or YAML text.
        """
        with _lock(execution_id):
            registry = _load(backends, execution_id)
            _workflow(registry, workflow_name)
            config = parse_structured(node_config_data)
            if not isinstance(config, dict):
                raise ValueError("Node configuration must be a dictionary/object")
            _check_injected_node(workflow_name, node_name, config)
            workflow = registry[workflow_name]
            before = workflow.get(node_name)
            workflow[node_name] = config
            _save(backends, execution_id, registry)
        record_modification(
            backends,
            execution_id,
            "soe_inject_node",
            {"workflow_name": workflow_name, "node_name": node_name},
            before,
            config,
            legacy={
                "tool": "soe_inject_node",
                "workflow_name": workflow_name,
                "node_name": node_name,
            },
        )
        return {
            "injected": True,
            "workflow_name": workflow_name,
            "node_name": node_name,
            "message": f"Node '{node_name}' injected into workflow '{workflow_name}'",
        }

    return soe_inject_node


def create_soe_remove_workflow_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_remove_workflow`` bound to one execution (BUILTIN-10)."""

    @builtin("soe_remove_workflow", execution_id, backends)
    def soe_remove_workflow(workflow_name: str) -> dict:
        """Delete a workflow from this execution's registry.

        Args:
            workflow_name: the workflow to delete.
        """
        with _lock(execution_id):
            registry = _load(backends, execution_id)
            _workflow(registry, workflow_name)
            before = registry.pop(workflow_name)
            _save(backends, execution_id, registry)
        record_modification(
            backends,
            execution_id,
            "soe_remove_workflow",
            {"workflow_name": workflow_name},
            before,
            None,
            legacy={"tool": "soe_remove_workflow", "workflow_name": workflow_name},
        )
        return {
            "removed": True,
            "workflow_name": workflow_name,
            "message": f"Workflow '{workflow_name}' removed successfully",
        }

    return soe_remove_workflow


def create_soe_remove_node_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_remove_node`` bound to one execution (BUILTIN-11)."""

    @builtin("soe_remove_node", execution_id, backends)
    def soe_remove_node(workflow_name: str, node_name: str) -> dict:
        """Delete a node from a workflow of this execution.

        Args:
            workflow_name: the workflow holding the node.
            node_name: the node to delete.
        """
        with _lock(execution_id):
            registry = _load(backends, execution_id)
            _node_config(registry, workflow_name, node_name)
            workflow = registry[workflow_name]
            before = workflow.pop(node_name)
            _save(backends, execution_id, registry)
        record_modification(
            backends,
            execution_id,
            "soe_remove_node",
            {"workflow_name": workflow_name, "node_name": node_name},
            before,
            None,
            legacy={
                "tool": "soe_remove_node",
                "workflow_name": workflow_name,
                "node_name": node_name,
            },
        )
        result = {
            "removed": True,
            "workflow_name": workflow_name,
            "node_name": node_name,
            "message": f"Node '{node_name}' removed from workflow '{workflow_name}'",
        }
        if not workflow:
            result["warning"] = (
                f"Workflow '{workflow_name}' has no nodes left; child executions cannot start "
                "until a node is added or the workflow is removed"
            )
        return result

    return soe_remove_node


def create_soe_add_signal_tool(execution_id: str, backends: Any, tools_registry=None):
    """``soe_add_signal`` bound to one execution (BUILTIN-12)."""

    @builtin("soe_add_signal", execution_id, backends)
    def soe_add_signal(
        workflow_name: str, node_name: str, signal_name: str, condition: str
    ) -> dict:
        """Add a signal to a node's event_emissions, or replace the condition of an existing one.

        Args:
            workflow_name: the workflow holding the node.
            node_name: the node whose emissions change.
            signal_name: the signal to emit.
            condition: a Jinja condition, or text (always passes).
        """
        as_name(signal_name, "signal_name")
        if not isinstance(condition, str):
            raise ValueError(f"condition must be a string, got {type(condition).__name__}")
        with _lock(execution_id):
            registry = _load(backends, execution_id)
            config = _node_config(registry, workflow_name, node_name)
            before = copy.deepcopy(config)
            emissions = config.get("event_emissions")
            if not isinstance(emissions, list):
                emissions = config["event_emissions"] = []
            existing = next(
                (
                    e
                    for e in emissions
                    if isinstance(e, dict) and e.get("signal_name") == signal_name
                ),
                None,
            )
            if existing is not None:
                existing["condition"] = condition
                status = "updated"
            else:
                emissions.append({"signal_name": signal_name, "condition": condition})
                status = "added"
            validate_node(workflow_name, node_name, config)
            check_injected_templates(
                condition, f"Workflow '{workflow_name}', node '{node_name}', signal '{signal_name}'"
            )
            _save(backends, execution_id, registry)
        legacy = None
        if status == "added":
            legacy = {
                "tool": "add_signal",
                "workflow_name": workflow_name,
                "node_name": node_name,
                "signal": signal_name,
            }
        record_modification(
            backends,
            execution_id,
            "soe_add_signal",
            {"workflow_name": workflow_name, "node_name": node_name, "signal": signal_name},
            before,
            config,
            legacy=legacy,
        )
        if status == "updated":
            message = f"Signal '{signal_name}' condition updated on node '{node_name}'"
        else:
            message = f"Signal '{signal_name}' added to node '{node_name}'"
        return {"status": status, "message": message}

    return soe_add_signal
