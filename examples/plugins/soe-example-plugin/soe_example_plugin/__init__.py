"""An example third-party SOE plugin (see docs/plugins.md, "A complete plugin").

It provides a ``template`` node type, a ``text-tools`` tool pack and an event
observer that appends every telemetry event to a JSON-lines file.
"""

from .event_log import EVENT_LOG_ENV, write_event
from .template_node import TEMPLATE, TemplateConfig
from .text_tools import TEXT_TOOLS, slugify, word_count

__all__ = [
    "EVENT_LOG_ENV",
    "TEMPLATE",
    "TEXT_TOOLS",
    "TemplateConfig",
    "slugify",
    "word_count",
    "write_event",
]
