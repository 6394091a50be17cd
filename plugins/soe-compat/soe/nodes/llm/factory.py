from soe_nodes_llm import create_llm_node_caller

__all__ = ["create_llm_node_caller"]
