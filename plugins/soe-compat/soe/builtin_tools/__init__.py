"""``soe.builtin_tools`` (BUILTIN-3): the built-in tool factories of the original SOE.

``BUILTIN_TOOLS`` maps each built-in name to its factory, in registry order;
``get_builtin_tool_factory(name)`` returns a factory or None. Each built-in
also has a module ``soe.builtin_tools.<name>`` holding ``create_<name>_tool``.
The implementation lives in the ``soe-builtin-tools`` distribution.
"""

import soe_builtin_tools as _impl
from soe_builtin_tools import BUILTIN_TOOLS, get_builtin_tool_factory

# every create_<name>_tool factory, without listing the 19 names again
__all__ = ["BUILTIN_TOOLS", "get_builtin_tool_factory"]
for _name in _impl.BUILTIN_TOOLS:
    _factory = f"create_{_name}_tool"
    globals()[_factory] = getattr(_impl, _factory)
    __all__.append(_factory)
del _name, _factory
