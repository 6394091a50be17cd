"""Usage telemetry: the ``llm_request`` event reaches the execution in scope (TEL-1, TEL-2)."""

from __future__ import annotations

from soe_core import create_in_memory_backends
from soe_core.telemetry import EventTypes, execution_scope, register_scoped_event

ASK = [{"role": "user", "content": "one two three"}]


def test_scoped_events_go_to_the_innermost_execution():
    backends = create_in_memory_backends()
    assert register_scoped_event("probe", {}) is False
    with execution_scope(backends, "parent"):
        with execution_scope(backends, "child"):
            register_scoped_event("probe", {"n": 1})
        register_scoped_event("probe", {"n": 2})
    assert register_scoped_event("probe", {}) is False
    assert [e["context"] for e in backends.telemetry.get_events("child")] == [{"n": 1}]
    assert [e["context"] for e in backends.telemetry.get_events("parent")] == [{"n": 2}]


def test_a_call_records_tokens_latency_and_totals(llm, server):
    backends = create_in_memory_backends()
    with execution_scope(backends, "run-1"):
        llm.complete(ASK, None, {"name": "Ask"})
    (event,) = backends.telemetry.get_events("run-1")
    assert event["event_type"] == EventTypes.LLM_REQUEST == "llm_request"
    data = event["context"]
    assert data["provider"] == "openai" and data["model"] == "test-model"
    assert (data["prompt_tokens"], data["completion_tokens"], data["total_tokens"]) == (3, 2, 5)
    assert data["requests"] == 1 and data["structured_output"] is False
    assert data["latency_ms"] >= 0 and "error" not in data
    llm.complete(ASK, None, {})  # outside a scope: totals only
    assert (llm.totals.requests, llm.totals.total_tokens, llm.totals.failures) == (2, 10, 0)
