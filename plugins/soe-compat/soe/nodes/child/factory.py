from soe_nodes_core import create_child_node_caller

__all__ = ["create_child_node_caller"]
