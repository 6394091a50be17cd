"""Transient failures: our own backoff with jitter, Retry-After, per-call timeouts,
and one clear error when it is over (WEAK-9, CALL-6)."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import openai
import pytest
from soe_contrib_openai.errors import OpenAiRequestError
from soe_contrib_openai.retry import RETRY_AFTER_CAP, RetryPolicy, parse_retry_after
from soe_contrib_openai.testing import Reply

from soe_core.llm import get_llm

ASK = [{"role": "user", "content": "hi"}]


def test_rate_limit_then_success_honours_retry_after(llm, server):
    server.push(Reply(status=429, error="slow down", headers={"Retry-After": "0.2"}), "fine")
    started = time.monotonic()
    assert llm.complete(ASK, None, {}) == "fine"
    assert time.monotonic() - started >= 0.2
    assert llm.slept == [0.2] and len(server.requests) == 2


def test_retry_after_ms_is_understood(llm, server):
    server.push(Reply(status=503, error="busy", headers={"retry-after-ms": "30"}), "fine")
    assert llm.complete(ASK, None, {}) == "fine"
    assert llm.slept == [0.03]


def test_server_errors_back_off_exponentially_with_jitter(make_llm, server):
    llm = make_llm(backoff=0.02)
    server.push(Reply(status=500, error="oops"), Reply(status=502, error="oops"), "fine")
    assert llm.complete(ASK, None, {}) == "fine"
    first, second = llm.slept
    assert 0.01 <= first <= 0.02 and 0.02 <= second <= 0.04


def test_policy_delays():
    policy = RetryPolicy(retries=5, backoff=1.0, max_backoff=4.0)
    assert [policy.delay(n, rand=lambda: 0.0) for n in range(4)] == [0.5, 1.0, 2.0, 2.0]
    assert [policy.delay(n, rand=lambda: 1.0) for n in range(4)] == [1.0, 2.0, 4.0, 4.0]
    assert policy.delay(0, retry_after=7.0) == 7.0
    assert policy.delay(0, retry_after=10_000) == RETRY_AFTER_CAP
    assert policy.with_overrides(retries=None, backoff=None) is policy
    assert policy.with_overrides(retries=0, backoff=None).retries == 0


def test_retry_after_as_an_http_date():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=3), usegmt=True)
    assert parse_retry_after({"Retry-After": later}, now=now) == 3.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_timeout_is_retried_then_succeeds(make_llm, server):
    llm = make_llm(timeout=0.2)
    server.push(Reply(content="late", delay=1.0), "in time")
    assert llm.complete(ASK, None, {}) == "in time"
    assert len(server.requests) == 2 and len(llm.slept) == 1


def test_timeouts_that_persist_end_in_one_clear_error(make_llm, server):
    """The final error names timeout, model and server, and is not transient (no engine retry)."""
    llm = make_llm(timeout=0.2, max_retries=1)
    server.push(Reply(content="late", delay=1.0), Reply(content="late", delay=1.0))
    with pytest.raises(OpenAiRequestError) as caught:
        llm.complete(ASK, None, {"name": "Ask"})
    message = str(caught.value)
    assert "timed out after 0.2 s" in message and "'test-model'" in message
    assert server.url in message and "gave up after 2 attempts" in message
    assert caught.value.transient is False and caught.value.attempts == 2
    assert isinstance(caught.value.__cause__, openai.APITimeoutError)


def test_node_config_sets_timeout_and_retries(make_llm, server):
    llm = make_llm(max_retries=5)
    server.push(Reply(status=500, error="oops"))
    with pytest.raises(OpenAiRequestError, match="OpenAI API error 500.*oops"):
        llm.complete(ASK, None, {"llm_transient_retries": 0, "timeout": 3})
    assert len(server.requests) == 1


def test_client_errors_are_not_retried(llm, server):
    server.push(Reply(status=401, error="bad key", error_code="invalid_api_key"))
    with pytest.raises(OpenAiRequestError, match="error 401.*bad key.*OPENAI_API_KEY") as caught:
        llm.complete(ASK, None, {})
    assert caught.value.status_code == 401 and len(server.requests) == 1 and llm.slept == []


def test_an_exhausted_quota_is_not_retried(llm, server):
    server.push(Reply(status=429, error="quota", error_code="insufficient_quota"))
    with pytest.raises(OpenAiRequestError, match="quota is used up"):
        llm.complete(ASK, None, {})
    assert len(server.requests) == 1


def test_an_unreachable_server_is_retried_then_reported():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm = get_llm(
        "openai:test-model", base_url=f"http://127.0.0.1:{port}/v1", api_key="k",
        max_retries=2, backoff=0.001,
    )
    with pytest.raises(OpenAiRequestError, match="cannot reach the OpenAI API.*after 3 attempts"):
        llm.complete(ASK, None, {})
    assert llm.totals.requests == 3 and llm.totals.failures == 1
    llm.close()
