"""Static and runtime validation."""

from .config import (
    validate_config,
    validate_initial_workflow,
    validate_node,
    validate_orchestrate_params,
    validate_registry,
    validate_workflow,
)
from .operational import check_operational, validate_backends, validate_operational

__all__ = [
    "check_operational",
    "validate_backends",
    "validate_config",
    "validate_initial_workflow",
    "validate_node",
    "validate_operational",
    "validate_orchestrate_params",
    "validate_registry",
    "validate_workflow",
]
