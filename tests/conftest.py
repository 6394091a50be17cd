"""Makes ``docs_tables`` (helpers that read doc sections and tables) importable by the tests.

Tests are collected with ``--import-mode=importlib``, where a test file cannot
import a sibling module by name; this conftest registers it once.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "docs_tables"
if _NAME not in sys.modules:
    _source = Path(__file__).with_name("docs_tables.py")
    _spec = importlib.util.spec_from_file_location(_NAME, _source)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
