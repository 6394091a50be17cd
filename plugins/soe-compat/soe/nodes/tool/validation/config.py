from soe_nodes_core.tool import validate_tool_node_config

__all__ = ["validate_tool_node_config"]
