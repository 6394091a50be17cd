from soe_core.errors import OperationalValidationError
from soe_core.validation.operational import validate_backends, validate_operational

__all__ = ["OperationalValidationError", "validate_backends", "validate_operational"]
