"""``soe.nodes.child`` (CORE-3)."""
