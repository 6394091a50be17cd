"""`soe validate` findings and `soe graph` output (issue [U], offline parts)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from soe_core.cli import main
from soe_core.lint import lint

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "order_pipeline.yaml"

BROKEN = """
main:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: GO
      - signal_name: NOBODY_LISTENS
  Work:
    node_type: tool
    event_triggers: [GO]
    tool_name: not_a_tool
  Orphan:
    node_type: router
    event_triggers: [NEVER_SENT]
    event_emissions: [{signal_name: GO}]
  Spawn:
    node_type: child
    event_triggers: [GO]
    child_workflow_name: missing_flow
    child_initial_signals: [START]
"""


def test_lint_reports_each_kind_of_mistake_with_workflow_node_and_key():
    findings = {str(f) for f in lint(BROKEN, tools={}, entry_signals={"main": {"START"}})}
    assert (
        "warning: workflow 'main', node 'Start', key 'event_emissions': signal "
        "'NOBODY_LISTENS' is emitted but no node listens to it"
    ) in findings
    assert (
        "warning: workflow 'main', node 'Orphan', key 'event_triggers': trigger "
        "'NEVER_SENT' is emitted by no node"
    ) in findings
    assert (
        "warning: workflow 'main', node 'Work', key 'tool_name': unknown tool 'not_a_tool'"
        in findings
    )
    assert any("node 'Orphan': node is unreachable" in f for f in findings)
    assert (
        "error: workflow 'main', node 'Spawn', key 'child_workflow_name': child workflow "
        "'missing_flow' is not in the config"
    ) in findings


def test_validate_command_exit_status(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    result = CliRunner().invoke(main, ["validate", str(broken), "-w", "main", "-s", "START"])
    assert result.exit_code == 1
    assert "1 error(s)" in result.output
    ok = CliRunner().invoke(
        main, ["validate", str(EXAMPLE), "--tools", str(REPO / "examples" / "order_tools.py")]
    )
    assert ok.exit_code == 0, ok.output
    assert "0 error(s)" in ok.output


def test_validate_reports_static_errors_naming_workflow_node_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("main:\n  R:\n    node_type: router\n    event_triggers: START\n")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "Workflow 'main', node 'R': 'event_triggers' must be a list" in result.output


def test_mermaid_graph_has_every_node_and_edge():
    result = CliRunner().invoke(main, ["graph", str(EXAMPLE)])
    assert result.exit_code == 0
    text = result.output
    nodes = set(re.findall(r'^\s+(\w+)\["', text, re.MULTILINE))
    assert nodes == {
        "order_pipeline_CheckInput",
        "order_pipeline_PriceEachOrder",
        "order_pipeline_WaitForAll",
        "order_pipeline_Summarize",
        "price_order_Price",
    }
    edges = set(re.findall(r'^\s+(\w+) -->\|"([A-Z_]+)[^"]*"\| (\w+)', text, re.MULTILINE))
    assert edges == {
        ("order_pipeline_CheckInput", "HAS_ORDERS", "order_pipeline_PriceEachOrder"),
        ("order_pipeline_PriceEachOrder", "ORDER_PRICED", "order_pipeline_WaitForAll"),
        ("order_pipeline_WaitForAll", "ALL_PRICED", "order_pipeline_Summarize"),
    }
    assert "order_pipeline_PriceEachOrder -.->|spawns| price_order" in text


def test_dot_graph_parses_into_nodes_and_labelled_edges():
    result = CliRunner().invoke(
        main, ["graph", str(EXAMPLE), "--format", "dot", "-w", "order_pipeline"]
    )
    text = result.output
    assert text.startswith("digraph soe {") and text.rstrip().endswith("}")
    declared = set(re.findall(r'^\s+"([\w.]+)" \[label=', text, re.MULTILINE))
    assert declared == {
        "order_pipeline.CheckInput",
        "order_pipeline.PriceEachOrder",
        "order_pipeline.WaitForAll",
        "order_pipeline.Summarize",
    }
    edges = re.findall(r'"([\w.]+)" -> "([\w.]+)" \[label="([A-Z_]+)', text)
    assert ("order_pipeline.WaitForAll", "order_pipeline.Summarize", "ALL_PRICED") in edges
    unknown = CliRunner().invoke(main, ["graph", str(EXAMPLE), "-w", "nope"])
    assert unknown.exit_code == 1 and "Available workflows" in unknown.output
