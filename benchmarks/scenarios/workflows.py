"""The workflows run by both SOE engines (ours and soe-ai 0.1.4): the very same configs."""

from __future__ import annotations


def chain_config(n: int) -> dict:
    """``n`` routers, each triggered by the previous one's signal."""
    nodes = {
        f"N{i}": {
            "node_type": "router",
            "event_triggers": [f"S{i}"],
            "event_emissions": [{"signal_name": f"S{i + 1}"}],
        }
        for i in range(n)
    }
    return {"chain": nodes}


# One router re-triggering itself until it has run ``limit`` times.
LOOP_CONFIG = """
loop:
  Step:
    node_type: router
    event_triggers: [START, AGAIN]
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ context.__operational__.nodes.Step < context.limit }}"
"""


def fanout_config(n: int) -> dict:
    """``n`` llm nodes listening to START, all writing the field ``answer``."""
    nodes = {
        f"Ask{i}": {
            "node_type": "llm",
            "event_triggers": ["START"],
            "prompt": f"Question {i} about {{{{ context.topic }}}}",
            "output_field": "answer",
        }
        for i in range(n)
    }
    return {"fanout": nodes}


# A tool node writing the field ``x`` each time UPDATE is signalled from outside.
FIELD_CONFIG = """
field:
  Write:
    node_type: tool
    event_triggers: [UPDATE]
    tool_name: value
    output_field: x
"""

# What a fresh process runs, written against the seeds' API (ours via soe-compat).
FRESH_CODE = """
from soe import create_all_nodes, orchestrate
from soe.local_backends import create_in_memory_backends

backends = create_in_memory_backends()
nodes, broadcast = create_all_nodes(backends)
config = {"one": {"Only": {"node_type": "router", "event_triggers": ["START"],
                           "event_emissions": [{"signal_name": "DONE"}]}}}
execution_id = orchestrate(config, "one", ["START"], {}, backends, broadcast)
assert backends.context.get_context(execution_id)["__operational__"]["signals"] == ["START", "DONE"]
"""
