from soe_core.validation.operational import validate_operational


def validate_llm_node_runtime(execution_id, backends):
    """Runtime check of an LLM node (CORE-67); returns the context."""
    return validate_operational(execution_id, backends)


__all__ = ["validate_llm_node_runtime"]
