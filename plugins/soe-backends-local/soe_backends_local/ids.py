"""Checking ids before they become file names (CORE-92).

File backends put execution ids and conversation keys into file names
verbatim, so an id like ``../x`` or ``/etc/passwd`` would escape the storage
folder. We accept a conservative alphabet that covers engine uuids and the
ids people usually write (``run-1``, ``user@example.com``, ``job:42``) and
reject everything else instead of silently encoding it.
"""

from __future__ import annotations

import re

from soe_core.errors import UnsafeIdentifierError

_ALLOWED = re.compile(r"[A-Za-z0-9_.:@+=-]+")


def safe_id(value: object) -> str:
    """Return ``value`` unchanged if it is safe as a file name, else raise.

    Raises :class:`soe_core.errors.UnsafeIdentifierError` (a ``ValueError``).
    """
    if not isinstance(value, str) or not value:
        raise UnsafeIdentifierError(f"id must be a non-empty string, got {value!r}")
    if "/" in value or "\\" in value or "\x00" in value:
        raise UnsafeIdentifierError(f"id {value!r} contains a path separator or NUL")
    if ".." in value or value.startswith("."):
        # leading dots also keep ids apart from our hidden temp files
        raise UnsafeIdentifierError(f"id {value!r} contains '..' or starts with '.'")
    if not _ALLOWED.fullmatch(value):
        raise UnsafeIdentifierError(f"id {value!r} has characters outside [A-Za-z0-9_.:@+=-]")
    return value
