"""docs/nodes.md documents every key of every installed node type (issue #10).

A node type's keys are the fields of its pydantic ``config_model`` plus every
key its validator checks (found by setting each candidate key to a value no
validator accepts, see ``docs_tables.validated_keys``). Each installed type
needs a ``## <type>`` section whose ``| key | required |`` table lists them
all, and nothing else: a key that no longer exists fails too. CORE-11 and
CORE-98 say node types (ours and third parties') are validated by key; this
keeps the reference in step with those validators.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from soe_core import WorkflowValidationError, load_plugins

HERE = Path(__file__).resolve().parent


tables = sys.modules["docs_tables"]  # registered by conftest.py
NODES_DOC = tables.REPO / "docs" / "nodes.md"
REGISTRY = load_plugins(strict=True)
INSTALLED = sorted(REGISTRY.node_types)


def documented_keys(doc: Path, heading: str) -> set[str]:
    found = tables.sections(doc.read_text(), 2)
    assert heading in found, f"{doc.name} has no '## {heading}' section"
    keys = tables.table_keys(found[heading], "key", "required")
    assert keys, f"{doc.name}, '## {heading}': no '| key | required |' table"
    return keys


def test_the_core_and_llm_types_are_installed():
    assert {"router", "tool", "child", "llm", "agent"} <= set(INSTALLED)


@pytest.mark.parametrize("node_type", INSTALLED)
def test_every_key_is_documented(node_type):
    spec = REGISTRY.node_type(node_type)
    keys = tables.node_type_keys(spec)
    documented = documented_keys(NODES_DOC, node_type)
    assert not keys - documented, f"keys of {node_type!r} missing from docs/nodes.md"
    assert not documented - keys, f"docs/nodes.md lists keys {node_type!r} does not have"


def test_key_discovery_sees_validator_only_keys():
    """The probe finds keys that are checked but absent from a model (the check can fail)."""
    llm = REGISTRY.node_type("llm")
    agent = REGISTRY.node_type("agent")
    assert "input_fields" in tables.validated_keys(llm)  # refused key, not a model field
    assert "tools" not in tables.validated_keys(llm)  # an agent key, same validator module
    assert {"tools", "max_iterations", "max_tool_result_chars"} <= tables.validated_keys(agent)
    child = REGISTRY.node_type("child")
    assert {"event_emissions", "spawn_interval", "fan_out_field"} <= tables.validated_keys(child)


def test_minimal_configs_are_valid_and_each_required_key_is_required():
    for name in INSTALLED:
        spec = REGISTRY.node_type(name)
        base = tables.minimal_config(spec.config_model)
        spec.validate(dict(base))
        for key in base:
            if key == "node_type":
                continue
            with pytest.raises(WorkflowValidationError, match=key):
                spec.validate({k: v for k, v in base.items() if k != key})


def test_example_plugin_node_type_is_documented_in_the_walkthrough(monkeypatch):
    """The example plugin's ``template`` type: its keys are listed in docs/plugins.md."""
    monkeypatch.syspath_prepend(
        str(tables.REPO / "examples" / "plugins" / "soe-example-plugin")
    )
    from soe_example_plugin.template_node import TEMPLATE

    keys = tables.node_type_keys(TEMPLATE)
    assert {"template", "output_field", "parse", "event_emissions"} <= keys
    plugins_doc = tables.REPO / "docs" / "plugins.md"
    documented = tables.table_keys(
        tables.sections(plugins_doc.read_text(), 3)["The `template` node"], "key", "required"
    )
    assert keys == documented
