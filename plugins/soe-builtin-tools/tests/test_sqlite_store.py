"""Built-ins on a store whose reads are lazy mappings, not dicts (SQLite)."""

from __future__ import annotations

import pytest

from soe_core import create_all_nodes, open_backends, orchestrate
from soe_core.plugins import get_registry

pytestmark = pytest.mark.skipif(
    "sqlite" not in get_registry().backend_schemes, reason="soe-backends-sql not installed"
)

FLOW = """
workflows:
  main:
    Spawn:
      node_type: child
      event_triggers: [START]
      child_workflow_name: worker
      child_initial_signals: [GO]
      context_updates_to_parent: [copied]
  worker:
    WhoAmI:
      node_type: tool
      event_triggers: [GO]
      tool_name: soe_get_identities
      output_field: identities
      event_emissions: [{signal_name: COPY}]
    CopyFromParent:
      node_type: tool
      event_triggers: [COPY]
      tool_name: soe_copy_context
      parameters:
        source_execution_id: "{{ context.__parent__.parent_execution_id }}"
        fields: {topic: parent_topic}
      output_field: copy_result
identities:
  helper: "You help."
"""


def test_child_builtins_see_the_root_on_sqlite(tmp_path):
    backends = open_backends(f"sqlite:///{tmp_path / 'soe.db'}")
    try:
        nodes, broadcast = create_all_nodes(backends, tools_registry={})
        root = orchestrate(FLOW, "main", ["START"], {"topic": "x"}, backends, broadcast)
        children = [
            e["context"]["child_execution_id"]
            for e in backends.telemetry.get_events(root)
            if e["event_type"] == "child_started"
        ]
        child = backends.context.get_context(children[0])
        # identities resolve through the root (BUILTIN-5), so the child is in the tree
        assert child["identities"][-1] == {"helper": "You help."}
        # copying from its own parent is within the tree, so it is allowed
        assert child["copy_result"][-1]["status"] == "copied", child["copy_result"]
        assert child["parent_topic"] == ["x"]
    finally:
        backends.close()
