"""Custom backends and config sections: HIST-1, HIST-2, HIST-8, ID-1, ID-2, ID-5, SCHEMA-1,
SCHEMA-2, SCHEMA-10, WEAK-18."""

from __future__ import annotations

import pytest
from soe import create_all_nodes, orchestrate
from soe_nodes_llm.testing import ScriptedLlm
from soe_nodes_llm.testing import request_record as record
from soe_nodes_llm.testing import request_schema as schema

from soe_core import WorkflowValidationError, create_in_memory_backends
from soe_core.backends import LocalBackends
from soe_core.validation import validate_config


class History:
    """Exactly the four protocol methods, recording every call (HIST-1)."""

    def __init__(self):
        self.data: dict[str, list] = {}
        self.calls: list[str] = []

    def get_conversation_history(self, identity):
        self.calls.append("get")
        return [dict(e) for e in self.data.get(identity, [])]

    def append_to_conversation_history(self, identity, entry):
        self.calls.append("append")
        self.data.setdefault(identity, []).append(dict(entry))

    def save_conversation_history(self, identity, history):
        self.calls.append("save")
        self.data[identity] = [dict(e) for e in history]

    def delete_conversation_history(self, identity):
        self.calls.append("delete")
        self.data.pop(identity, None)


class Identities:
    """Only ``save_identities`` and ``get_identities`` (ID-5)."""

    def __init__(self):
        self.data: dict = {}

    def save_identities(self, execution_id, identities):
        self.data[execution_id] = dict(identities)

    def get_identities(self, execution_id):
        return self.data.get(execution_id)


class Schemas:
    """No ``get_field_schema``: the engine must not need it (SCHEMA-10)."""

    def __init__(self):
        self.data: dict = {}
        self.calls: list[str] = []

    def save_context_schema(self, execution_id, schema):
        self.calls.append("save")
        self.data[execution_id] = schema

    def get_context_schema(self, execution_id):
        self.calls.append("get")
        return self.data.get(execution_id)

    def delete_context_schema(self, execution_id):
        return self.data.pop(execution_id, None) is not None


CONFIG = """
workflows:
  wf:
    Ask:
      node_type: llm
      event_triggers: [START, AGAIN]
      prompt: "Count {{ context.n }}"
      output_field: n
      identity: counter
      event_emissions:
        - {signal_name: AGAIN, condition: "{{ context.n < 6 }}"}
context_schema:
  n: integer
identities:
  counter: You count.
"""


def _backends():
    memory = create_in_memory_backends()
    return LocalBackends(memory.context, memory.workflow, memory.telemetry, History(), Schemas(),
                         Identities())


def test_custom_backends_with_only_the_protocol_methods():
    backends = _backends()
    answers = iter(range(1, 100))
    llm = ScriptedLlm(lambda prompt, config: str(next(answers)))
    nodes, caller = create_all_nodes(backends, call_llm=llm)
    execution_id = orchestrate(CONFIG, "wf", ["START"], {"n": 0}, backends, caller)
    assert backends.context.get_context(execution_id)["n"] == [0, 1, 2, 3, 4, 5, 6]
    history = backends.conversation_history
    # HIST-2: get at node start, save once for the system prompt, append turns; never delete
    assert "delete" not in history.calls and history.calls.count("save") == 1
    assert len(history.data[execution_id]) == 1 + 2 * 6
    # HIST-8: the whole history reaches the prompt, no window
    last = record(llm.prompts[-1])["conversation_history"]
    assert last.startswith("[system]: You count.\n[user]: Count 0\n[assistant]: 1\n")
    assert last.count("[user]:") == 5
    # ID-2 / SCHEMA-2: saved under the new execution id; SCHEMA-10: only get/save used
    assert backends.identity.data == {execution_id: {"counter": "You count."}}
    assert set(backends.context_schema.calls) == {"save", "get"}
    assert schema(llm.prompts[0])["title"] == "NRoot"


def test_id_1_and_schema_1_config_sections():
    base = {"workflows": {"wf": {"N": {"node_type": "router", "event_triggers": ["S"],
                                       "event_emissions": [{"signal_name": "X"}]}}}}
    with pytest.raises(WorkflowValidationError, match=(
            "'identities' section must be an object mapping identity names to prompts")):
        validate_config({**base, "identities": ["a"]})
    with pytest.raises(WorkflowValidationError,
                       match="identities.bot: identity prompt must be a string, got int"):
        validate_config({**base, "identities": {"bot": 3}})
    with pytest.raises(WorkflowValidationError, match=(
            "'context_schema' section must be an object mapping field names to schemas")):
        validate_config({**base, "context_schema": "n: int"})
    with pytest.raises(WorkflowValidationError,
                       match="context_schema.n: schema must be an object or type string"):
        validate_config({**base, "context_schema": {"n": 3}})
    validate_config({**base, "context_schema": {"n": {"type": "weird", "items": 5}}})


def test_weak_18_prompts_render_in_the_sandbox(run):
    config = """
wf:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: "{{ context.text.__class__.__mro__ }}"
"""
    llm = ScriptedLlm('{"output": "x"}')
    result = run(config, llm, context={"text": "t"})
    assert record(llm.prompts[0])["prompt"] == "{{ context.text.__class__.__mro__ }}"
    (warning,) = result.data("context_warning")
    assert "unsafe" in warning["warnings"][-1]
