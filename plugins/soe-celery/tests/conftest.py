"""A real Redis on loopback and two ``soe worker`` processes for the session.

Without ``redis-server`` the tests that need it are skipped, unless
``SOE_REQUIRE_REDIS=1`` (set it in CI), which makes them fail instead.
The workers share a SQLite file with the test client, use the ``fake``
LLM sleeping 100 ms per call, and a 3 s visibility timeout so a killed
worker's messages come back quickly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from soe_celery.testing import RedisUnavailable, TemporaryRedis, Workers

from soe_core import create_all_nodes, open_backends

HERE = Path(__file__).resolve().parent
WORKER_ARGS = [
    "--tools", str(HERE / "fanout_tools.py"),
    "--llm", "fake", "--llm-option", "latency=0.1",
    "--concurrency", "8",
    "-o", "visibility_timeout=3",
]


@pytest.fixture(scope="session")
def redis_url():
    try:
        server = TemporaryRedis().start()
    except RedisUnavailable as exc:
        if os.environ.get("SOE_REQUIRE_REDIS") == "1":
            pytest.fail(f"SOE_REQUIRE_REDIS=1 but Redis cannot start: {exc}", False)
        pytest.skip(f"Redis unavailable: {exc}")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def store_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'soe.db'}"


@pytest.fixture(scope="session")
def workers(redis_url, store_url, tmp_path_factory):
    pool = Workers(store_url, redis_url, tmp_path_factory.mktemp("logs"), WORKER_ARGS)
    try:
        for name in ("w1", "w2"):
            pool.start(name)
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def client(workers, store_url, redis_url):
    """``(backends, nodes, caller)`` of a client on the workers' store."""
    backends = open_backends(store_url)
    nodes, caller = create_all_nodes(
        backends, caller="celery", caller_options={"broker_url": redis_url, "timeout": 60}
    )
    yield backends, nodes, caller
    backends.close()
