"""Configs already found valid, remembered by content.

A service runs the same workflows over and over, and static validation
costs about a microsecond per node (far more when Jinja templates are
parsed). Validation is a pure function of the config and of the node types
registered (see ``NodeType.validate``), so a config whose content matches
one that passed needs no second look.

The key is the config's ``marshal`` encoding, compared whole rather than
through a digest: two keys are equal only when the configs load back equal
with the very same types (``1``, ``1.0`` and ``True`` encode differently).
``marshal`` refuses subclasses and foreign objects; such configs are simply
validated every time. The memo lives on the plugin registry it was checked
against and is bounded in entries and in bytes.
"""

from __future__ import annotations

import threading
from marshal import dumps
from typing import Any

from ..attached import attached

MAX_ENTRIES = 256
MAX_BYTES = 32 * 1024 * 1024


class ValidConfigs:
    """A bounded, first-in first-out set of encodings of valid configs."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._keys: dict[bytes, None] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(config: Any) -> bytes | None:
        """The encoding of ``config``, or None when it cannot be remembered."""
        try:
            return dumps(config)
        except (ValueError, RecursionError):  # a subclass, a foreign object, a cycle
            return None

    def __contains__(self, key: bytes | None) -> bool:
        return key is not None and key in self._keys  # a dict read needs no lock

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: bytes | None) -> None:
        if key is None or len(key) > self.max_bytes:
            return
        with self._lock:
            if key in self._keys:
                return
            self._keys[key] = None
            self._bytes += len(key)
            while len(self._keys) > self.max_entries or self._bytes > self.max_bytes:
                oldest = next(iter(self._keys))
                del self._keys[oldest]
                self._bytes -= len(oldest)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._bytes = 0


def valid_configs(registry: Any) -> ValidConfigs:
    """The memo of configs found valid against ``registry``."""
    return attached(registry, "_soe_valid_configs", ValidConfigs, lambda _registry: ValidConfigs())
