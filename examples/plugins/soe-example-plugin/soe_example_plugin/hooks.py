"""Hook implementations: the module named by the ``soe`` entry point."""

from soe_core import hookimpl

from .event_log import write_event
from .template_node import TEMPLATE
from .text_tools import TEXT_TOOLS


@hookimpl
def soe_node_types():
    return [TEMPLATE]


@hookimpl
def soe_tools():
    return [TEXT_TOOLS]


@hookimpl
def soe_event_observers():
    return [write_event]
