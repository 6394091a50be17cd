"""``soe.nodes.llm`` (CORE-3)."""
