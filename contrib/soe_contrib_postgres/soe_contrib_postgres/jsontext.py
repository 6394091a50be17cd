"""JSON text of stored values, as the other SOE stores write it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_encoder = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))
dumps: Callable[[Any], str] = _encoder.encode
"""What JSON cannot hold is stored as its ``str`` (like the file and SQLite stores)."""
loads: Callable[[str], Any] = json.loads
