from soe_nodes_llm import create_agent_node_caller

__all__ = ["create_agent_node_caller"]
