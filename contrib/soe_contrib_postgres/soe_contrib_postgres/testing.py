"""A throwaway PostgreSQL server for tests: ``initdb`` + ``pg_ctl`` in a temporary folder.

:class:`TemporaryPostgres` finds the server binaries (``SOE_POSTGRES_BINDIR``,
else ``pg_config --bindir``, the newest ``/usr/lib/postgresql/*/bin``,
``PATH``), creates a
cluster with trust authentication, and starts it on 127.0.0.1 on a free
port with its unix socket in the same folder. PostgreSQL refuses to run as
root, so as root the binaries run as the ``postgres`` user (``runuser``),
which the Debian ``postgresql`` package creates::

    with TemporaryPostgres() as server:
        url = server.create_database("demo")    # postgresql://postgres@127.0.0.1:PORT/demo

The tests of this distribution use it; other plugins (and load checks) may too.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

REQUIRED = ("initdb", "pg_ctl")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (or a user to run them as) are missing."""


def find_bindir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``; :class:`PostgresUnavailable` if none.

    ``SOE_POSTGRES_BINDIR`` names it explicitly (and only it is tried).
    """
    chosen = os.environ.get("SOE_POSTGRES_BINDIR")
    if chosen:
        if all((Path(chosen) / tool).is_file() for tool in REQUIRED):
            return Path(chosen)
        raise PostgresUnavailable(f"SOE_POSTGRES_BINDIR={chosen} holds no initdb and pg_ctl")
    candidates: list[Path] = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10
        )
        candidates.append(Path(found.stdout.strip()))

    def version(path: str) -> tuple:
        name = Path(path).parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    candidates += [Path(path) for path in versions]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in REQUIRED):
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in `pg_config --bindir`, "
        "/usr/lib/postgresql/*/bin or PATH; install them (Debian/Ubuntu: "
        "`apt-get install postgresql`)"
    )


def _reachable_tmp(as_root: bool) -> str | None:
    """A temporary folder the ``postgres`` user can reach (``/tmp`` if TMPDIR is private)."""
    folder = Path(tempfile.gettempdir()).resolve()
    if not as_root or all(os.stat(p).st_mode & 0o001 for p in (folder, *folder.parents)):
        return None
    return "/tmp"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TemporaryPostgres:
    """A PostgreSQL cluster in a temporary folder, removed by :meth:`stop`.

    ``fast=True`` turns off ``fsync`` (and friends): right for tests, wrong
    for measuring what a durable commit costs.
    """

    def __init__(self, fast: bool = True, max_connections: int = 200):
        self.bindir = find_bindir()
        self.fast = fast
        self.max_connections = max_connections
        self.folder: Path | None = None
        self.port = 0
        self._prefix: list[str] = []

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._prefix, str(self.bindir / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = self.folder / "server.log" if self.folder else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise PostgresUnavailable(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}"
            )

    def start(self) -> TemporaryPostgres:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="soe-pg-", dir=_reachable_tmp(as_root)))
        if as_root:  # initdb and postgres refuse to run as root
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root needs `runuser` to start PostgreSQL")
            try:
                shutil.chown(self.folder, user="postgres")
            except LookupError as exc:
                raise PostgresUnavailable(
                    "running as root needs a `postgres` user (the Debian postgresql package "
                    "creates it) to start PostgreSQL"
                ) from exc
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        settings = [
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.folder}",
            f"-c max_connections={self.max_connections}",
        ]
        if self.fast:
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        for attempt in range(3):  # the free port may be taken before the server binds it
            self.port = _free_port()
            options = " ".join([f"-p {self.port}", *settings])
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60",
                    "-l", str(self.folder / "server.log"), "start",
                )  # fmt: skip
                return
            except PostgresUnavailable:
                if attempt == 2:
                    raise

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database; return its URL."""
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.folder is None:
            return
        with contextlib.suppress(PostgresUnavailable, subprocess.SubprocessError):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def append_values(url: str, execution_id: str, field: str, count: int, tag: str) -> None:
    """Open the store at ``url`` and append ``count`` values to one field.

    A top-level function so that ``multiprocessing`` (spawn) can run it in
    child processes: the concurrency tests and load checks use it.
    """
    from soe_core.store import contexts

    from .factory import open_postgres

    backends = open_postgres(url)
    try:
        access = contexts(backends)
        for number in range(count):
            access.write_field(execution_id, field, f"{tag}-{number}")
    finally:
        backends.close()
