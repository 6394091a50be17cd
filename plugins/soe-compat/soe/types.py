"""``soe.types`` (CORE-3)."""

from soe_core.types import *  # noqa: F401,F403
from soe_core.types import __all__  # noqa: F401
