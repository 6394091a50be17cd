"""Identities and conversation history: ID-1..8, HIST-1..8, LLM-7, LLM-11, WEAK-11."""

from __future__ import annotations

from soe import create_all_nodes, orchestrate
from soe_nodes_llm.testing import ScriptedLlm
from soe_nodes_llm.testing import request_record as record

from soe_core import create_in_memory_backends, create_local_backends
from soe_core.backends import LocalBackends

TWO_TURNS = """
workflows:
  wf:
    First:
      node_type: llm
      event_triggers: [START]
      prompt: "Extract {{ context.text }}"
      output_field: extracted
      identity: analyst
      event_emissions: [{signal_name: NEXT}]
    Second:
      node_type: llm
      event_triggers: [NEXT]
      prompt: "Summarize"
      output_field: summary
      identity: writer
identities:
  analyst: You are an analyst.
  writer: You are a writer.
"""


def _answers(prompt, config):
    return '{"extracted": {"k": 1}}' if config["name"] == "First" else '{"summary": "s"}'


def test_id_4_system_prompt_and_hist_5_rendering(run):
    llm = ScriptedLlm(_answers)
    result = run(TWO_TURNS, llm, context={"text": "hello"})
    first, second = (record(p)["conversation_history"] for p in llm.prompts)
    assert first == "[system]: You are an analyst."
    # ID-4: once history exists no other identity's prompt is injected
    assert second == (
        '[system]: You are an analyst.\n[user]: Extract hello\n[assistant]: {"k": 1}'
    )
    assert result.history() == [
        {"role": "system", "content": "You are an analyst."},
        {"role": "user", "content": "Extract hello"},
        {"role": "assistant", "content": '{"k": 1}'},  # LLM-11: JSON text for non-strings
        {"role": "user", "content": "Summarize"},
        {"role": "assistant", "content": "s"},
    ]
    assert [e["context"] for e in result.events("llm_call")] == [
        {"identity": "analyst"}, {"identity": "writer"}
    ]


def test_id_4_system_prompt_survives_a_failed_call(run):
    config = TWO_TURNS.replace("identity: analyst", "identity: analyst\n      retries: 0\n"
                               "      llm_failure_signal: FAILED")
    result = run(config, ScriptedLlm("garbage"), context={"text": "x"})
    assert result.signals == ["START", "FAILED"]
    assert result.history() == [{"role": "system", "content": "You are an analyst."}]


def test_id_3_no_identity_or_no_backend_means_no_history(run):
    config = TWO_TURNS.replace("identity: analyst", "identity: ''")
    llm = ScriptedLlm(_answers)
    result = run(config, llm, context={"text": "x"})
    assert record(llm.prompts[0])["conversation_history"] == ""
    assert record(llm.prompts[1])["conversation_history"] == "[system]: You are a writer."
    backends = create_in_memory_backends()
    bare = LocalBackends(backends.context, backends.workflow, backends.telemetry,
                         None, backends.context_schema, backends.identity)
    llm = ScriptedLlm(_answers)
    result = run(TWO_TURNS, llm, context={"text": "x"}, backends=bare)
    assert [record(p)["conversation_history"] for p in llm.prompts] == ["", ""]
    assert result.context["summary"] == ["s"]


def test_id_3_identity_is_a_literal_and_case_sensitive(run):
    config = TWO_TURNS.replace("identity: analyst", "identity: Analyst").replace(
        "identity: writer", "identity: '{{ context.user }}'")
    llm = ScriptedLlm(_answers)
    result = run(config, llm, context={"text": "x", "user": "writer"})
    assert record(llm.prompts[0])["conversation_history"] == ""
    assert record(llm.prompts[1])["conversation_history"].startswith("[user]: Extract x")
    # WEAK-11: a name that matches no definition is reported
    warnings = [w for w in result.data("context_warning") if "message" in w]
    assert "identity 'Analyst' has no definition" in warnings[0]["message"]


def test_id_2_and_id_3_children_share_the_root_history_and_identities(run):
    config = """
workflows:
  parent:
    Ask:
      node_type: llm
      event_triggers: [START]
      prompt: "Parent asks"
      identity: analyst
      event_emissions: [{signal_name: SPAWN}]
    Spawn:
      node_type: child
      event_triggers: [SPAWN]
      child_workflow_name: kid
      child_initial_signals: [GO]
  kid:
    Reply:
      node_type: llm
      event_triggers: [GO]
      prompt: "Child replies"
      identity: analyst
identities:
  analyst: You are an analyst.
"""
    llm = ScriptedLlm('{"output": "fine"}')
    result = run(config, llm, workflow="parent")
    assert record(llm.prompts[1])["conversation_history"] == (
        "[system]: You are an analyst.\n[user]: Parent asks\n[assistant]: fine"
    )
    assert len(result.history()) == 5  # all under the main id
    (child_id,) = [e["context"]["child_execution_id"] for e in result.events("child_started")]
    assert result.backends.conversation_history.get_conversation_history(child_id) == []


def test_id_6_each_orchestrate_has_its_own_history_and_inheritance_shares_definitions():
    backends = create_in_memory_backends()
    llm = ScriptedLlm(_answers)
    nodes, caller = create_all_nodes(backends, call_llm=llm)
    first = orchestrate(TWO_TURNS, "wf", ["START"], {"text": "a"}, backends, caller)
    second = orchestrate(None, "wf", ["START"], {"text": "b"}, backends, caller,
                         inherit_config_from_id=first)
    history = backends.conversation_history.get_conversation_history
    assert len(history(first)) == 5 and len(history(second)) == 5
    assert history(second)[0] == {"role": "system", "content": "You are an analyst."}
    assert history(second)[1] == {"role": "user", "content": "Extract b"}


def test_hist_3_and_hist_4_nothing_is_stored_twice_with_existing_history(run):
    backends = create_in_memory_backends()
    llm = ScriptedLlm(_answers)
    nodes, caller = create_all_nodes(backends, call_llm=llm)
    execution_id = orchestrate(TWO_TURNS, "wf", ["START"], {"text": "a"}, backends, caller)
    caller(execution_id, ["NEXT"])  # run Second again on the same history
    history = backends.conversation_history.get_conversation_history(execution_id)
    assert [e["role"] for e in history] == [
        "system", "user", "assistant", "user", "assistant", "user", "assistant"
    ]


def test_hist_7_file_backends_round_trip(tmp_path):
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "c"), workflow_storage_dir=str(tmp_path / "w"),
        telemetry_storage_dir=str(tmp_path / "t"),
        conversation_history_storage_dir=str(tmp_path / "h"),
        context_schema_storage_dir=str(tmp_path / "s"), identity_storage_dir=str(tmp_path / "i"),
    )
    llm = ScriptedLlm(_answers)
    nodes, caller = create_all_nodes(backends, call_llm=llm)
    execution_id = orchestrate(TWO_TURNS, "wf", ["START"], {"text": "a"}, backends, caller)
    history = backends.conversation_history.get_conversation_history(execution_id)
    assert history[0] == {"role": "system", "content": "You are an analyst."}
    assert len(history) == 5
    assert backends.context.get_context(execution_id)["extracted"] == [{"k": 1}]
