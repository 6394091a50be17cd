"""``soe.nodes.agent`` (CORE-3)."""
