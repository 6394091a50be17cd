from soe_core.validation.operational import validate_operational


def validate_router_node_runtime(execution_id, backends):
    """Runtime check of a router node (CORE-67); returns the context."""
    return validate_operational(execution_id, backends)


__all__ = ["validate_router_node_runtime"]
