from soe_core.validation.config import (
    validate_config,
    validate_initial_workflow,
    validate_orchestrate_params,
    validate_workflow,
)

__all__ = [
    "validate_config",
    "validate_initial_workflow",
    "validate_orchestrate_params",
    "validate_workflow",
]
