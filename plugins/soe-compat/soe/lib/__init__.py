"""``soe.lib`` helpers (CORE-3)."""
