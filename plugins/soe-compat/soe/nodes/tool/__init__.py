"""``soe.nodes.tool`` (CORE-3)."""
