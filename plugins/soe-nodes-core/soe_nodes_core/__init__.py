"""Router, tool and child node types for SOE."""

from .child import CHILD, create_child_node_caller
from .router import ROUTER, create_router_node_caller
from .tool import TOOL, create_tool_node_caller

__all__ = [
    "CHILD",
    "ROUTER",
    "TOOL",
    "create_child_node_caller",
    "create_router_node_caller",
    "create_tool_node_caller",
]
