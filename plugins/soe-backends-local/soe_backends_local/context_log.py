"""The change log of a large file-stored context (``<id>.log``).

Rewriting a whole context per append is quadratic over a run, so once a
context's snapshot (``<id>.json``) is large, each change is appended to
``<id>.log`` as one compact JSON line instead, and readers fold the log
onto the snapshot. The first line is a header naming the snapshot the log
extends:

``{"snapshot_blake2b": "<hex>", "snapshot_stat": [inode, size, mtime_ns]}``

Readers trust a log only if the hash matches the snapshot they read, so a
log left behind by a crash between replacing the snapshot and restarting
the log is ignored, and a copied folder (new inodes) still reads right.
Writers compare the cheaper stat triple; on a mismatch they rebuild.

Each later line is one change (see :func:`apply_change`). A line without its
newline was cut short by a crash: readers ignore it and the next writer cuts
it off before appending. Like the rest of the file store, nothing is fsynced.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from soe_core.context import OPERATIONAL, set_field

from .fileio import write_atomic

Stat = tuple[int, int, int]

_HEADER_MAX = 4096  # a header is ~120 bytes


def encode(change: list) -> bytes:
    """One log line; values JSON cannot hold are stored as text, like snapshots."""
    text = json.dumps(change, default=str, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"  # json.dumps escapes newlines inside strings


def apply_change(context: dict, change: list) -> None:
    """Apply one change, with the semantics of :mod:`soe_core.store`'s fallbacks.

    ``["field", name, value]`` appends to a history (or sets a reserved field);
    ``["signals", [...]]``, ``["count", counter]`` and ``["node", name]`` update
    ``__operational__`` and do nothing when it is absent.
    """
    kind = change[0]
    if kind == "field":
        set_field(context, change[1], change[2])
        return
    operational = context.get(OPERATIONAL)
    if not isinstance(operational, dict):
        return
    if kind == "signals":
        operational.setdefault("signals", []).extend(change[1])
    elif kind == "count":
        operational[change[1]] = operational.get(change[1], 0) + 1
    elif kind == "node":
        nodes = operational.setdefault("nodes", {})
        nodes[change[1]] = nodes.get(change[1], 0) + 1


def stat_of(result: os.stat_result) -> Stat:
    # a replaced snapshot is a new inode, so this changes on every rewrite
    return (result.st_ino, result.st_size, result.st_mtime_ns)


def digest(snapshot: bytes) -> str:
    return hashlib.blake2b(snapshot, digest_size=16).hexdigest()


def start(path: str, snapshot: bytes, snapshot_stat: Stat) -> None:
    """Replace the log with an empty one extending ``snapshot``."""
    header = {"snapshot_blake2b": digest(snapshot), "snapshot_stat": list(snapshot_stat)}
    write_atomic(path, json.dumps(header) + "\n")


def read_changes(path: str, snapshot: bytes) -> list[list]:
    """The changes logged on top of ``snapshot``; [] without a log that extends it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    lines.pop()  # after the last newline: nothing, or a line cut short by a crash
    if not lines:
        return []
    header = _parse(lines[0])
    if not isinstance(header, dict) or header.get("snapshot_blake2b") != digest(snapshot):
        return []
    changes = []
    for line in lines[1:]:
        change = _parse(line)
        if isinstance(change, list) and len(change) >= 2:
            changes.append(change)
    return changes


def append(path: str, snapshot_stat: Stat, line: bytes) -> int | None:
    """Append ``line`` if the log extends the snapshot with ``snapshot_stat``.

    Returns the log's new size, or None when there is no such log (the caller
    then rewrites the snapshot). The caller holds the id's lock.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND)
    except FileNotFoundError:
        return None
    try:
        size = os.fstat(fd).st_size
        header = _parse(os.pread(fd, _HEADER_MAX, 0).split(b"\n", 1)[0])
        if not isinstance(header, dict) or header.get("snapshot_stat") != list(snapshot_stat):
            return None
        if os.pread(fd, 1, size - 1) != b"\n":
            size = _cut_torn_tail(fd, size)
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
        return size + len(line)
    finally:
        os.close(fd)


def _cut_torn_tail(fd: int, size: int) -> int:
    """Truncate after the last newline (a crashed writer's partial line)."""
    end = size
    while end > 0:
        start = max(0, end - 65536)
        found = os.pread(fd, end - start, start).rfind(b"\n")
        if found >= 0:
            size = start + found + 1
            break
        end = start
    else:
        size = 0
    os.ftruncate(fd, size)
    return size


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:  # includes UnicodeDecodeError
        return None
