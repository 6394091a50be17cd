"""Fixtures: a clean OpenAI environment, a local chat server, a provider pointed at it."""

from __future__ import annotations

import time

import pytest
from soe_contrib_openai.testing import ChatServer

from soe_core.llm import get_llm

OPENAI_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def offline_env(monkeypatch):
    """No key or URL from the developer's shell; 127.0.0.1 never goes through a proxy."""
    for name in OPENAI_ENV + PROXY_ENV + tuple(p.lower() for p in PROXY_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server():
    with ChatServer() as chat:
        yield chat


@pytest.fixture
def make_llm(server):
    """``make_llm(**options)``: a provider on the test server; waits are recorded in ``.slept``."""
    built = []

    def make(**options):
        options = {"base_url": server.url, "api_key": "test-key", "backoff": 0.01, **options}
        llm = get_llm("openai:test-model", **options)
        llm.slept = []

        def sleep(seconds):
            llm.slept.append(seconds)
            time.sleep(seconds)

        llm.sleep = sleep
        built.append(llm)
        return llm

    yield make
    for llm in built:
        llm.close()


@pytest.fixture
def llm(make_llm):
    return make_llm()
