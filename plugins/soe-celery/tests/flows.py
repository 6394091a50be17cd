"""Workflows and expectations shared by the tests."""

from __future__ import annotations

FAN_OUT = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: ask
    child_initial_signals: [GO]
    fan_out_field: questions
    child_input_field: question
    signals_to_parent: [ANSWERED]
    context_updates_to_parent: [result]
ask:
  Ask:
    node_type: llm
    event_triggers: [GO]
    prompt: "Answer {{ context.question }}"
    output_field: answer
    event_emissions: [{signal_name: ASKED}]
  Label:
    node_type: tool
    event_triggers: [ASKED]
    tool_name: label
    parameters: {question: "{{ context.question }}", answer: "{{ context.answer }}"}
    output_field: result
    event_emissions: [{signal_name: ANSWERED}]
"""

FAILING = """
main:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "Pick a signal"
    output_field: answer
    fake_signal: NOT_OFFERED
    retries: 1
    event_emissions:
      - {signal_name: OK, condition: "the answer is fine"}
      - {signal_name: NOT_OK}
"""


def questions(n: int) -> dict:
    return {"questions": [f"q{i}" for i in range(n)]}


def expected(n: int) -> list[str]:
    return sorted(f"q{i}=fake" for i in range(n))
