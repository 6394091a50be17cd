"""``soe.nodes.router`` (CORE-3)."""
