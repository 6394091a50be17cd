from soe_nodes_core.tool import validate_tool as validate_node_config

__all__ = ["validate_node_config"]
