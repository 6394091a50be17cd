"""``soe.nodes`` (CORE-3, TOOL-22)."""

from soe_core.errors import ToolNodeConfigurationError, ToolParameterError

__all__ = ["ToolNodeConfigurationError", "ToolParameterError"]
