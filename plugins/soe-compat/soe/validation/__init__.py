"""``soe.validation`` (CORE-3)."""

from .config import (
    validate_config,
    validate_initial_workflow,
    validate_orchestrate_params,
    validate_workflow,
)
from .operational import OperationalValidationError, validate_backends, validate_operational

__all__ = [
    "OperationalValidationError",
    "validate_backends",
    "validate_config",
    "validate_initial_workflow",
    "validate_operational",
    "validate_orchestrate_params",
    "validate_workflow",
]
