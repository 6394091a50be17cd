"""The ``text-tools`` tool pack: two small text helpers.

The pack is not ``builtin``: a run enables it by name, with
``create_all_nodes(..., tool_packs=["text-tools"])`` or ``soe run --tools text-tools``.
"""

from __future__ import annotations

import re
import unicodedata

from soe_core import Tool, ToolPack


def slugify(text: str, separator: str = "-") -> str:
    """ASCII words of ``text``, lower-cased, joined by ``separator``: "Hi, you!" -> "hi-you"."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return separator.join(re.findall(r"[a-z0-9]+", plain.lower()))


def word_count(text: str) -> int:
    """Number of whitespace-separated words in ``text``."""
    return len(str(text).split())


TEXT_TOOLS = ToolPack(
    "text-tools",
    tools=(
        Tool("slugify", function=slugify, description="text -> url-friendly slug"),
        Tool("word_count", function=word_count, description="number of words in a text"),
    ),
    description="text helpers for tool nodes and agents",
)
