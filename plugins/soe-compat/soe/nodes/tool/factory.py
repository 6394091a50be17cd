from soe_nodes_core import create_tool_node_caller

__all__ = ["create_tool_node_caller"]
