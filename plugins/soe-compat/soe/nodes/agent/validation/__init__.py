from soe_nodes_llm.config import validate_agent as validate_node_config

__all__ = ["validate_node_config"]
