"""`soe validate` (static validation + lint) and `soe graph`, through the command line.

Lint findings name the workflow, node and key (STYLE: errors people can act on);
the graph's output is parsed back and compared with the edges derived from the YAML.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from soe_core.cli import main
from soe_core.yaml_parser import parse_yaml

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
    event_emissions: [{signal_name: LOST}]
  Spawn:
    node_type: child
    event_triggers: [GO]
    child_workflow_name: missing_flow
    child_initial_signals: [START]
"""

GRAPHED = """
main:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: BIG
        condition: "{{ context.n > 2 }}"
      - signal_name: SMALL
  Ask:
    node_type: llm
    event_triggers: [BIG]
    prompt: hi
    output_field: answer
    llm_failure_signal: FAILED
    event_emissions: [{signal_name: ASKED}]
  Spawn:
    node_type: child
    event_triggers: [SMALL]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_DONE]
  Finish:
    node_type: router
    event_triggers: [ASKED, KID_DONE, FAILED]
    event_emissions: [{signal_name: DONE}]
kid:
  Echo:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: KID_DONE}]
"""


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    return str(path)


def soe(*args: str):
    return CliRunner().invoke(main, list(args))


def test_validate_names_workflow_node_and_key_for_every_kind_of_mistake(broken):
    result = soe("validate", broken, "-w", "main", "-s", "START")
    assert result.exit_code == 1
    out = result.output
    assert (
        "warning: workflow 'main', node 'Orphan', key 'event_triggers': "
        "trigger 'NEVER_SENT' is emitted by no node"
    ) in out
    assert (
        "warning: workflow 'main', node 'Start', key 'event_emissions': "
        "signal 'NOBODY_LISTENS' is emitted but no node listens to it"
    ) in out
    assert "warning: workflow 'main', node 'Orphan': node is unreachable" in out
    assert (
        "warning: workflow 'main', node 'Work', key 'tool_name': unknown tool 'not_a_tool'" in out
    )
    assert (
        "error: workflow 'main', node 'Spawn', key 'child_workflow_name': "
        "child workflow 'missing_flow' is not in the config"
    ) in out
    assert out.rstrip().endswith("1 error(s), 5 warning(s)")


def test_validate_checks_tools_even_without_a_registry(broken):
    """Without --tools, tool names are checked against built-ins and installed packs."""
    out = soe("validate", broken).output
    assert "node 'Work', key 'tool_name': unknown tool 'not_a_tool' (no tools registry" in out


def test_validate_workflow_and_signal_options(broken):
    unknown = soe("validate", broken, "-w", "nope", "-s", "START")
    assert unknown.exit_code == 1 and "workflow 'nope': workflow not found" in unknown.output
    orphan = soe("validate", broken, "-s", "START")
    assert orphan.exit_code == 2 and "-s/--signal needs -w/--workflow" in orphan.output
    default_entries = soe("validate", broken, "-w", "main")
    assert "node 'Work': node is unreachable" not in default_entries.output


def test_validate_static_error_and_clean_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("main:\n  R:\n    node_type: nope\n    event_triggers: [GO]\n")
    result = soe("validate", str(bad))
    assert result.exit_code == 1 and "Workflow 'main', node 'R'" in result.output
    good = tmp_path / "good.yaml"
    good.write_text(GRAPHED)
    assert soe("validate", str(good)).exit_code == 0


# --- graph ------------------------------------------------------------------------------


def expected_edges(text: str) -> set[tuple[str, str, str, str]]:
    """``(workflow, source, signal, target)`` read straight from the YAML."""
    registry = parse_yaml(text)
    edges = set()
    for workflow, nodes in registry.items():
        emits = {}
        for name, node in nodes.items():
            signals = [e["signal_name"] for e in node.get("event_emissions") or ()]
            signals += [node["llm_failure_signal"]] if "llm_failure_signal" in node else []
            signals += node.get("signals_to_parent") or []  # forwarded by a child node
            emits[name] = signals
        for source, signals in emits.items():
            for signal in signals:
                for target, node in nodes.items():
                    if signal in node.get("event_triggers", ()):
                        edges.add((workflow, source, signal, target))
    return edges


def test_mermaid_graph_has_every_node_and_edge(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(GRAPHED)
    result = soe("graph", str(path))
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("flowchart TD\n")
    nodes = set(re.findall(r'^    (\w+)\["(\w+) \((\w+)\)"\]$', text, re.M))
    assert nodes == {
        ("main_Start", "Start", "router"),
        ("main_Ask", "Ask", "llm"),
        ("main_Spawn", "Spawn", "child"),
        ("main_Finish", "Finish", "router"),
        ("kid_Echo", "Echo", "router"),
    }
    edges = {
        (source.split("_", 1)[0], source.split("_", 1)[1], signal, target.split("_", 1)[1])
        for source, signal, target in re.findall(r'^  (\w+) -->\|"(\w+)[^"]*"\| (\w+)$', text, re.M)
    }
    assert edges == expected_edges(GRAPHED)
    assert '"BIG if {{ context.n > 2 }}"' in text.replace("'", '"')
    assert "  main_Spawn -.->|spawns| kid" in text


def test_dot_graph_has_every_node_and_edge(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(GRAPHED)
    text = soe("graph", str(path), "--format", "dot").output
    assert text.startswith("digraph soe {") and text.rstrip().endswith("}")
    declared = set(re.findall(r'^    "(\w+)\.(\w+)" \[label=', text, re.M))
    assert declared == {
        ("main", "Start"),
        ("main", "Ask"),
        ("main", "Spawn"),
        ("main", "Finish"),
        ("kid", "Echo"),
    }
    edges = {
        (wf, source, signal, target)
        for wf, source, _wf2, target, signal in re.findall(
            r'^  "(\w+)\.(\w+)" -> "(\w+)\.(\w+)" \[label="(\w+)[^"]*"\];$', text, re.M
        )
    }
    assert edges == expected_edges(GRAPHED)
    assert re.search(r'"main\.Spawn" -> "kid\.Echo" \[style=dashed', text)
    only_kid = soe("graph", str(path), "--format", "dot", "-w", "kid").output
    assert set(re.findall(r'^    "(\w+)\.(\w+)"', only_kid, re.M)) == {("kid", "Echo")}
