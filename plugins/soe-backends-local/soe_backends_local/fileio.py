"""File helpers shared by the file backends: atomic writes and locks.

Writers put the new content in a hidden temp file in the same folder and
``os.replace`` it over the target, so a reader (in any process) sees either
the old or the new file, never a half-written one. Read-modify-write
operations hold a per-id thread lock plus an ``flock`` on ``.locks/<id>.lock`` so
they are also safe between processes sharing the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:  # POSIX only; elsewhere we fall back to in-process locking
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".tmp"


def ensure_dir(storage_dir: str | os.PathLike[str]) -> Path:
    path = Path(storage_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (UTF-8) or ``bytes`` in one step."""
    # hidden, unique name: ids never start with "." so this cannot clash, and
    # os.open with 0o666 keeps the usual umask-derived permissions
    folder, name = os.path.split(path)
    temp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def append_line(path: Path, line: str) -> None:
    """Append one line with a single O_APPEND write.

    Rewriting a growing log on every event would be quadratic; an O_APPEND
    write of one line lands whole next to other appenders on local disks.
    """
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def dump_json(value: Any) -> str:
    # default=str: a value JSON cannot hold is stored as its text (CORE-91)
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def read_json(path: Path) -> Any:
    """The parsed file, or None when it does not exist."""
    text = read_text(path)
    return None if text is None else json.loads(text)


def remove_matching(storage_dir: Path, *patterns: str) -> None:
    for pattern in patterns:
        for path in storage_dir.glob(pattern):
            if path.name.startswith("."):
                continue  # another writer's temp file
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    with contextlib.suppress(OSError):  # only goes when empty
        (storage_dir / ".locks").rmdir()


class IdLocks:
    """Per-id locks over one folder: a thread lock, then an ``flock``.

    Thread locks live only while someone holds them (weak values), so
    millions of ids do not pile up locks.
    """

    def __init__(self, storage_dir: Path):
        self.storage_dir = storage_dir
        self._guard = threading.Lock()
        self._locks: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._depth: dict[str, int] = {}

    def _thread_lock(self, key: str) -> Any:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = threading.RLock()
                self._locks[key] = lock
            return lock

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Exclusive access to ``key`` for this process's threads and other processes.

        Re-entrant within one thread (a ``mutate`` may call ``save_context``):
        only the outermost hold takes the ``flock``, since a second ``flock``
        on a new descriptor would wait for ourselves. ``key`` must already be
        a safe id (see :func:`soe_backends_local.ids.safe_id`).
        """
        lock = self._thread_lock(key)
        with lock:
            depth = self._depth.get(key, 0)
            if depth or fcntl is None:
                self._depth[key] = depth + 1
                try:
                    yield
                finally:
                    self._release(key)
                return
            fd = self._open_lock_file(key)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._depth[key] = 1
                try:
                    yield
                finally:
                    self._release(key)
            finally:
                os.close(fd)  # closing releases the flock

    def _open_lock_file(self, key: str) -> int:
        # out of sight of the data files; made on demand, as cleanup_all removes it
        lock_dir = os.path.join(self.storage_dir, ".locks")
        path = os.path.join(lock_dir, f"{key}.lock")
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except FileNotFoundError:
            os.makedirs(lock_dir, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)

    def _release(self, key: str) -> None:
        # only the thread holding key's lock touches _depth[key]
        depth = self._depth[key] - 1
        if depth:
            self._depth[key] = depth
        else:
            del self._depth[key]
