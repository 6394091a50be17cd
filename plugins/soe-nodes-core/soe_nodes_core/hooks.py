"""Hook implementations of soe-nodes-core."""

from soe_core import hookimpl

from .child import CHILD
from .router import ROUTER
from .tool import TOOL


@hookimpl
def soe_node_types():
    return [ROUTER, TOOL, CHILD]
