from soe_nodes_core.child import validate_child as validate_node_config

__all__ = ["validate_node_config"]
