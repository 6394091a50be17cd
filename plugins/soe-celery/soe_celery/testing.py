"""Real servers for tests and benchmarks: a loopback Redis and ``soe worker`` processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis


class RedisUnavailable(RuntimeError):
    """``redis-server`` is not installed or did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryRedis:
    """A throw-away ``redis-server`` on 127.0.0.1, without persistence."""

    def __init__(self, binary: str = "redis-server"):
        self.binary = shutil.which(binary)
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> TemporaryRedis:
        if self.binary is None:
            raise RedisUnavailable("redis-server not found on PATH (apt-get install redis-server)")
        self.port = free_port()
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                client.close()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RedisUnavailable(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class Workers:
    """``soe worker`` processes sharing one store and broker; each logs to a file."""

    def __init__(self, store: str, broker_url: str, log_dir: Path, args: list[str]):
        self.store, self.broker_url = store, broker_url
        self.log_dir, self.args = Path(log_dir), list(args)
        self.processes: dict[str, subprocess.Popen] = {}

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str, timeout: float = 30.0) -> None:
        """Start worker ``name`` and return once it takes messages."""
        command = [
            sys.executable, "-m", "soe_core.cli", "worker", "--store", self.store,
            "--broker", self.broker_url, "-o", f"hostname={name}@%h", "-o", "loglevel=INFO",
            *self.args,
        ]
        with open(self.log(name), "w") as log:
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            self.processes[name] = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + timeout
        while f"{name}@" not in self._ready_lines(name):
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{self.log(name).read_text()}")
            time.sleep(0.05)

    def _ready_lines(self, name: str) -> str:
        text = self.log(name).read_text()
        return "\n".join(line for line in text.splitlines() if line.endswith(" ready."))

    def kill(self, name: str) -> None:
        """SIGKILL: no warm shutdown, the messages it holds stay unacknowledged."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)
