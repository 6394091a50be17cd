from soe_nodes_llm.config import validate_llm as validate_node_config

__all__ = ["validate_node_config"]
