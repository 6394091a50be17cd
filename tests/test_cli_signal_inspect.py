"""`soe signal` (external signals, CORE-69) and `soe inspect` (histories, events, children)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from soe_core.cli import main

APPROVAL = """
approval:
  Draft:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_update_context
    parameters: {updates: {status: draft}}
    event_emissions: [{signal_name: AWAITING_APPROVAL}]
  Publish:
    node_type: tool
    event_triggers: [APPROVED]
    tool_name: soe_update_context
    parameters: {updates: {status: published}}
    event_emissions: [{signal_name: PUBLISHED}]
"""

PARENT_AND_CHILD = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_DONE]
  Finish:
    node_type: router
    event_triggers: [KID_DONE]
    event_emissions: [{signal_name: DONE}]
kid:
  Work:
    node_type: tool
    event_triggers: [GO]
    tool_name: soe_update_context
    parameters: {updates: {note: from kid}}
    event_emissions: [{signal_name: KID_DONE}]
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """The default store is ./soe.db: keep it in tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOE_STORE", raising=False)


def soe(*args: str):
    return CliRunner().invoke(main, list(args))


def started(tmp_path, text: str, workflow: str) -> str:
    flow = tmp_path / f"{workflow}.yaml"
    flow.write_text(text)
    result = soe("run", str(flow), "-w", workflow, "-s", "START", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["execution_id"]


# --- soe signal ---------------------------------------------------------------------


def test_signal_carries_a_waiting_execution_on(tmp_path):
    """CORE-69: after orchestrate() returned, broadcast_signals continues the execution."""
    execution_id = started(tmp_path, APPROVAL, "approval")
    result = soe("signal", execution_id, "APPROVED")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"execution {execution_id}"
    assert "signals: START -> AWAITING_APPROVAL -> APPROVED -> PUBLISHED" in lines
    assert lines[-2:] == ["context:", '  status: "published"']


def test_signal_json_and_context_fields_written_first(tmp_path):
    execution_id = started(tmp_path, APPROVAL, "approval")
    result = soe("signal", execution_id, "APPROVED", "-c", "reviewer=ann", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["execution_id"] == execution_id and payload["status"] == "completed"
    assert payload["signals"] == ["START", "AWAITING_APPROVAL", "APPROVED", "PUBLISHED"]
    assert payload["context"] == {"status": "published", "reviewer": "ann"}


def test_signal_warns_about_signals_nobody_hears(tmp_path):
    execution_id = started(tmp_path, APPROVAL, "approval")
    result = soe("signal", execution_id, "APROVED", "--json")
    assert result.exit_code == 0
    assert "no node of workflow 'approval' listens to 'APROVED'" in result.stderr
    assert json.loads(result.stdout)["context"] == {"status": "draft"}


def test_signal_to_an_unknown_execution_fails_clearly(tmp_path):
    started(tmp_path, APPROVAL, "approval")
    result = soe("signal", "no-such-id", "APPROVED")
    assert result.exit_code == 1
    assert "no execution 'no-such-id' in sqlite:///soe.db" in result.output


def test_signal_refuses_reserved_fields_and_a_missing_store(tmp_path):
    result = soe("signal", "x", "GO", "-c", "__operational__=1")
    assert result.exit_code == 2 and "reserved field" in result.output
    missing = soe("signal", "x", "GO")
    assert missing.exit_code == 2 and "no store at soe.db" in missing.output
    assert not (tmp_path / "soe.db").exists()  # not created by a failed look-up


# --- soe inspect --------------------------------------------------------------------


def test_inspect_json_has_histories_events_and_children(tmp_path):
    execution_id = started(tmp_path, PARENT_AND_CHILD, "main")
    result = soe("inspect", execution_id, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["execution_id"] == execution_id and report["workflow"] == "main"
    assert report["signals"] == ["START", "KID_DONE", "DONE"]
    assert report["counters"]["nodes"] == {"Spawn": 1, "Finish": 1}
    # TEL-1 / CORE-81: every event with its type, UTC timestamp and data
    events = report["events"]
    assert [e["event_type"] for e in events][:2] == ["orchestration_start", "signals_broadcast"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", e["timestamp"]) for e in events)
    (child,) = report["children"]
    assert child["workflow"] == "kid" and child["node"] == "Spawn"

    kid = json.loads(soe("inspect", child["execution_id"], "--json").stdout)
    assert kid["parent_execution_id"] == execution_id and kid["workflow"] == "kid"
    assert kid["context"] == {"note": "from kid"} and kid["history"] == {"note": ["from kid"]}


def test_inspect_shows_every_value_a_field_had(tmp_path):
    execution_id = started(tmp_path, APPROVAL, "approval")
    soe("signal", execution_id, "APPROVED")
    report = json.loads(soe("inspect", execution_id, "--json").stdout)
    assert report["history"]["status"] == ["draft", "published"]
    assert report["context"]["status"] == "published"

    text = soe("inspect", execution_id).stdout
    lines = text.splitlines()
    assert lines[0] == f"execution {execution_id}"
    assert "workflow: approval" in lines
    assert '  status: "published"' in lines
    assert '    history: ["draft", "published"]' in lines
    assert re.search(r"^  \S+Z  signals_broadcast  \{\"signals\": \[\"APPROVED\"\]\}$", text, re.M)
    assert lines[-1] == "children: 0"


def test_inspect_human_lists_children(tmp_path):
    execution_id = started(tmp_path, PARENT_AND_CHILD, "main")
    text = soe("inspect", execution_id).stdout
    assert re.search(r"^children: 1\n  [0-9a-f-]{36}  workflow kid  node Spawn$", text, re.M)


def test_inspect_rich_rendering_on_a_terminal(tmp_path, monkeypatch):
    pytest.importorskip("rich")
    from soe_core.cli import inspect_cmd

    execution_id = started(tmp_path, APPROVAL, "approval")
    soe("signal", execution_id, "APPROVED")
    monkeypatch.setattr(inspect_cmd, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    text = soe("inspect", execution_id).stdout
    assert text.splitlines()[0] == f"execution {execution_id}"
    assert re.search(r"│ status\s+│ \"published\"\s+│ \[\"draft\", \"published\"\]", text)
    assert "signals_broadcast" in text and "children" in text


def test_inspect_unknown_id_is_a_clear_error(tmp_path):
    started(tmp_path, APPROVAL, "approval")
    for extra in ((), ("--json",)):
        result = soe("inspect", "nope", *extra)
        assert result.exit_code == 1
        assert "no execution 'nope' in sqlite:///soe.db" in result.output


def test_inspect_finds_children_without_telemetry(tmp_path):
    """With no telemetry backend, children are found through their __parent__ context."""
    from soe_core import create_all_nodes, orchestrate
    from soe_core.backends import open_backends
    from soe_core.inspection import describe_execution

    backends = open_backends("memory://")
    backends.telemetry = None
    _nodes, broadcast = create_all_nodes(backends)
    root = orchestrate(PARENT_AND_CHILD, "main", ["START"], {}, backends, broadcast)
    report = describe_execution(backends, root)
    assert report["events"] == []
    (child,) = report["children"]
    assert describe_execution(backends, child["execution_id"])["parent_execution_id"] == root
