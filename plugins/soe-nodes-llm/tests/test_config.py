"""Static validation of llm and agent nodes: CORE-15, LLM-1, LLM-2, AGENT-1, WEAK-26."""

from __future__ import annotations

import pytest
from soe_nodes_llm import create_agent_node_caller, create_llm_node_caller

from soe_core import WorkflowValidationError, create_in_memory_backends
from soe_core.validation import validate_workflow


def _llm(**overrides):
    config = {"node_type": "llm", "event_triggers": ["START"], "prompt": "Say hi"}
    config.update(overrides)
    return {key: value for key, value in config.items() if value != "MISSING"}


def _agent(**overrides):
    return _llm(node_type="agent", **overrides)


def _fails(config, fragment):
    with pytest.raises(WorkflowValidationError) as info:
        validate_workflow("wf", {"N": config})
    message = str(info.value)
    assert message.startswith("Workflow 'wf', node 'N': "), message
    assert fragment in message, message
    return message


@pytest.mark.parametrize("make", [_llm, _agent])
def test_llm_1_minimal_nodes_pass(make):
    validate_workflow("wf", {"N": make()})
    validate_workflow(
        "wf",
        {
            "N": make(
                output_field="out",
                identity="analyst",
                retries=0,
                llm_failure_signal="FAILED",
                event_emissions=[{"signal_name": "A", "condition": "plain"}, {"signal_name": "B"}],
                model="gpt-4o",  # CALL-4: user keys pass
                temperature=0.2,
                available_tools=["x"],  # CORE-15: misspelled keys are ignored
                system_prompt="ignored",
            )
        },
    )


@pytest.mark.parametrize("make", [_llm, _agent])
@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"event_triggers": "MISSING"}, "'event_triggers' is required"),
        ({"event_triggers": []}, "'event_triggers' is required"),
        ({"event_triggers": "START"}, "'event_triggers' must be a list"),
        ({"prompt": "MISSING"}, "'prompt' is required"),
        ({"prompt": ""}, "'prompt' is required"),
        ({"prompt": 42}, "'prompt' must be a string"),
        ({"output_field": 3}, "'output_field' must be a string"),
        ({"output_field": "__operational__"}, "'output_field' cannot be '__operational__'"),
        ({"output_field": "__parent__"}, "'output_field' cannot be '__parent__'"),
        ({"output_field": "__secret"}, "'output_field' cannot be '__secret'"),
        ({"retries": -1}, "'retries' must be a positive integer (default is 3)"),
        ({"retries": "3"}, "'retries' must be a positive integer (default is 3)"),
        ({"retries": True}, "'retries' must be a positive integer (default is 3)"),
        ({"event_emissions": "A"}, "'event_emissions' must be a list"),
        ({"event_emissions": [{"condition": "x"}]}, "at position 1 is missing 'signal_name'"),
        ({"event_emissions": [{"signal_name": "A"}, {"signal_name": ""}]}, "position 2"),
        ({"event_emissions": [{"signal_name": "A", "condition": 1}]}, "has invalid 'condition'"),
        ({"identity": 5}, "'identity' must be a string"),
        ({"llm_failure_signal": ["X"]}, "'llm_failure_signal' must be a string"),
        ({"llm_transient_retries": -1}, "'llm_transient_retries' must be a non-negative"),
        ({"llm_retry_backoff": "1s"}, "'llm_retry_backoff' must be a non-negative number"),
    ],
)
def test_llm_2_message_fragments(make, overrides, fragment):
    _fails(make(**overrides), fragment)


def test_llm_2_input_fields_is_rejected_with_a_hint():
    message = _fails(_llm(input_fields=["text"]), "'input_fields' is no longer supported for LLM")
    assert "{{ context." in message
    _fails(_agent(input_fields=["x"]), "'input_fields' is no longer supported for Agent nodes")
    validate_workflow("wf", {"N": _llm(input_fields=None)})


def test_core_15_check_order_follows_the_reference():
    # several problems at once: the first in CORE-15 order is reported
    _fails(_llm(event_triggers="MISSING", prompt="MISSING"), "'event_triggers' is required")
    _fails(_llm(prompt="MISSING", retries=-1), "'prompt' is required")
    _fails(_llm(output_field=1, retries=-1), "'output_field' must be a string")
    _fails(_agent(tools="x", identity=1), "'tools' must be a list")
    _fails(_llm(identity=1, llm_failure_signal=1), "'identity' must be a string")


def test_core_15_retries_zero_is_valid():
    validate_workflow("wf", {"N": _llm(retries=0), "M": _agent(retries=0)})


def test_core_15_emission_conditions_are_not_jinja_checked():
    """CORE-15 item 6: no Jinja syntax check for LLM/agent emission conditions."""
    validate_workflow("wf", {"N": _llm(event_emissions=[{"signal_name": "A",
                                                          "condition": "{{ broken"}])})


def test_agent_1_tools_checks():
    validate_workflow("wf", {"N": _agent(tools=["a", "b"])})
    _fails(_agent(tools="a"), "'tools' must be a list")
    _fails(_agent(tools=["a", 3]), "'tools' items must be strings")  # WEAK-26
    _fails(_agent(max_iterations=0), "'max_iterations' must be an integer of at least 1")
    _fails(_agent(max_tool_errors=-2), "'max_tool_errors' must be a non-negative integer")
    _fails(_agent(max_tool_result_chars=0), "'max_tool_result_chars' must be an integer")


def test_llm_1_config_is_rechecked_at_execution_without_prefix():
    backends = create_in_memory_backends()
    from soe_core.operational import add_operational_state

    context: dict = {}
    add_operational_state("e1", context)
    backends.context.save_context("e1", context)
    llm = create_llm_node_caller(backends, lambda p, c: "{}", lambda e, s: None)
    agent = create_agent_node_caller(backends, [], lambda p, c: "{}", lambda e, s: None)
    for executor, config in ((llm, _llm(prompt="MISSING")), (agent, _agent(prompt="MISSING"))):
        with pytest.raises(WorkflowValidationError) as info:
            executor("e1", {**config, "name": "N"})
        assert str(info.value) == "'prompt' is required"
