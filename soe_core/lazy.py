"""Package attributes imported on first access (PEP 562).

Every process that loads the plugins imports each plugin's package; a
package listing its heavy names here keeps that import cheap, and a name is
imported from its submodule the first time someone reads it (issue #9).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from ``homes[name]``.

    ``homes`` maps each lazy name to its submodule, relative (``".files"``)
    or absolute. The value is then kept in the package, so the lookup runs
    once per name.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
