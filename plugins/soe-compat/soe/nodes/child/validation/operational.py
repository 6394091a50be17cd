from soe_core.validation.operational import validate_operational


def validate_child_node_runtime(execution_id, backends):
    """Runtime check of a child node (CORE-67); returns the context."""
    return validate_operational(execution_id, backends)


__all__ = ["validate_child_node_runtime"]
