from soe_nodes_core.router import validate_router as validate_node_config

__all__ = ["validate_node_config"]
