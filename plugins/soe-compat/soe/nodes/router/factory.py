from soe_nodes_core import create_router_node_caller

__all__ = ["create_router_node_caller"]
