from soe_core.validation.operational import validate_operational


def validate_agent_node_runtime(execution_id, backends):
    """Runtime check of an agent node (CORE-67); returns the context."""
    return validate_operational(execution_id, backends)


__all__ = ["validate_agent_node_runtime"]
