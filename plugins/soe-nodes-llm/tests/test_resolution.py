"""Retries inside one resolution and provider errors: RES-4..6, CALL-5, CALL-6, CALL-9, WEAK-9.

Also the transient-error policy added by this engine (backoff, separate from
validation retries).
"""

from __future__ import annotations

import pytest
from soe_nodes_llm import MaxRetriesExceeded, TransientLlmError, is_transient
from soe_nodes_llm.envelope import LlmInput
from soe_nodes_llm.resolution import Request, Resolver, TransientPolicy
from soe_nodes_llm.responses import build_response_model
from soe_nodes_llm.rich import LlmClient
from soe_nodes_llm.testing import ScriptedLlm

SUMMARY = build_response_model("summary", None, None)
GOOD = '{"summary": "ok"}'


def _resolve(llm, retries=3, config=None, model=SUMMARY):
    resolver = Resolver(LlmClient(llm), config or {"name": "N"})
    return resolver.resolve(Request(LlmInput(prompt="p"), model), retries)


def test_res_4_success_after_retries_and_call_budget():
    llm = ScriptedLlm("garbage", "still {garbage", GOOD)
    assert _resolve(llm, retries=2).summary == "ok"
    assert llm.calls == 3


def test_res_4_and_res_6_exhaustion_message():
    llm = ScriptedLlm("not json")
    with pytest.raises(MaxRetriesExceeded) as info:
        _resolve(llm, retries=2)
    assert llm.calls == 3  # retries + 1
    message = str(info.value)
    assert message.startswith("Max retries (2) exceeded. Last error: ")
    assert "validation error for SummaryResponse" in message
    assert isinstance(info.value, Exception) and not isinstance(info.value, ValueError)


def test_res_4_retries_zero_means_one_call():
    llm = ScriptedLlm("nope")
    with pytest.raises(MaxRetriesExceeded, match=r"Max retries \(0\)"):
        _resolve(llm, retries=0)
    assert llm.calls == 1


def test_res_5_feedback_text_for_invalid_json():
    llm = ScriptedLlm("not json", GOOD)
    _resolve(llm)
    first, second = llm.prompts
    assert second.startswith(first + "\n\nPrevious response: not json\n\nValidation failed. ")
    assert "Validation failed. Fix these fields:\n  - : Invalid JSON" in second
    assert second.endswith("\n\nRespond with valid JSON.")


def test_res_5_feedback_lists_field_locations():
    model = build_response_model("items", None, None)
    from soe_nodes_llm.schema import root_schema

    root = root_schema("items", {"type": "list", "items": {"type": "object",
                                                          "properties": {"a": "integer"}}})
    llm = ScriptedLlm('[{"a": "x"}]', '[{"a": 1}]')
    _resolve(llm, model=root.model)
    assert "  - 0.a: Input should be a valid integer" in llm.prompts[1]
    llm = ScriptedLlm('{"other": 1}', '{"items": 1}')
    _resolve(llm, model=model)
    assert "  - items: Field required" in llm.prompts[1]


def test_weak_9_retry_prompts_keep_only_the_last_failure():
    llm = ScriptedLlm("first bad answer", "second bad answer", "third bad answer", GOOD)
    _resolve(llm, retries=3)
    base = llm.prompts[0]
    third = llm.prompts[2]
    assert "second bad answer" in third and "first bad answer" not in third
    assert third.count("Previous response:") == 1
    assert len(llm.prompts[3]) - len(base) < 400  # does not grow with attempts


def test_weak_9_huge_failed_answer_is_truncated_in_the_retry_prompt():
    llm = ScriptedLlm("x" * 50_000, GOOD)
    _resolve(llm)
    assert len(llm.prompts[1]) < 10_000
    assert "[truncated, 50000 characters]" in llm.prompts[1]


def test_call_6_ordinary_exceptions_are_not_retried():
    llm = ScriptedLlm(RuntimeError("boom"), GOOD)
    with pytest.raises(RuntimeError, match="boom"):
        _resolve(llm)
    assert llm.calls == 1


def test_call_5_non_string_answer_is_not_a_validation_retry():
    llm = ScriptedLlm(lambda p, c: 42, GOOD)
    with pytest.raises(TypeError, match="must return a str"):
        _resolve(llm)
    assert llm.calls == 1
    assert _resolve(ScriptedLlm(lambda p, c: {"summary": "d"})).summary == "d"


# -- transient errors -------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("reset"),
        TimeoutError("slow"),
        TransientLlmError("overloaded"),
        type("RateLimitError", (Exception,), {})("429"),
        type("HttpError", (Exception,), {"status_code": 503})("unavailable"),
    ],
)
def test_transient_errors_are_retried_with_backoff(error, no_backoff_sleep):
    llm = ScriptedLlm(error, error, GOOD)
    assert _resolve(llm, config={"llm_retry_backoff": 0.5}).summary == "ok"
    assert llm.calls == 3
    assert no_backoff_sleep == [0.5, 1.0]


def test_transient_retries_are_separate_from_validation_retries(no_backoff_sleep):
    llm = ScriptedLlm(ConnectionError("x"), "bad", ConnectionError("y"), GOOD)
    assert _resolve(llm, retries=1, config={"llm_retry_backoff": 0}).summary == "ok"
    assert llm.calls == 4


def test_transient_retries_run_out(no_backoff_sleep):
    llm = ScriptedLlm(ConnectionError("down"))
    with pytest.raises(ConnectionError):
        _resolve(llm, config={"llm_transient_retries": 1})
    assert llm.calls == 2
    llm = ScriptedLlm(ConnectionError("down"), GOOD)
    with pytest.raises(ConnectionError):
        _resolve(llm, config={"llm_transient_retries": 0})
    assert llm.calls == 1


def test_transient_classification():
    assert not is_transient(ValueError("x"))
    assert not is_transient(type("E", (Exception,), {"status_code": 400})())
    assert is_transient(type("E", (Exception,), {"status_code": 429})())
    flagged = RuntimeError("x")
    flagged.retryable = True
    assert is_transient(flagged)
    assert not is_transient(type("C", (ConnectionError,), {"transient": False})())


def test_transient_policy_defaults_and_env(monkeypatch):
    assert TransientPolicy.from_config({}) == TransientPolicy(2, 0.5)
    monkeypatch.setenv("SOE_LLM_TRANSIENT_RETRIES", "5")
    monkeypatch.setenv("SOE_LLM_RETRY_BACKOFF", "0.1")
    assert TransientPolicy.from_config({}) == TransientPolicy(5, 0.1)
    assert TransientPolicy.from_config({"llm_transient_retries": 1}).retries == 1
    assert TransientPolicy(9, 1.0).delay(10) == 30.0  # capped
