"""The installed `soe` console script, run as a user would: a subprocess on a SQLite file.

Covers a human-in-the-loop round trip (CORE-69): `soe run` stops waiting, `soe signal ID
APPROVED` carries it on from another process, `soe inspect` shows histories and children.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FLOW = """
review:
  Draft:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_update_context
    parameters: {updates: {status: draft}}
    event_emissions: [{signal_name: AWAITING_APPROVAL}]
  Publish:
    node_type: child
    event_triggers: [APPROVED]
    child_workflow_name: publish
    child_initial_signals: [GO]
    signals_to_parent: [PUBLISHED]
  Done:
    node_type: tool
    event_triggers: [PUBLISHED]
    tool_name: soe_update_context
    parameters: {updates: {status: published}}
publish:
  Push:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: PUBLISHED}]
"""
PROGRESS = re.compile(r"^\s+\d+\.\d{3}s  (\S+)\s+(.*)$")


@pytest.fixture
def soe(tmp_path):
    script = shutil.which("soe", path=str(Path(sys.executable).parent))
    assert script, "the soe console script is installed next to the interpreter"
    (tmp_path / "review.yaml").write_text(FLOW)

    def call(*args: str, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [script, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == code, done.stdout + done.stderr
        return done

    return call


def test_run_signal_inspect_round_trip(soe, tmp_path):
    run = soe("run", "review.yaml", "-w", "review", "-s", "START")
    lines = run.stdout.splitlines()
    execution_id = re.fullmatch(r"execution ([0-9a-f-]{36})", lines[0]).group(1)
    assert ("node", "Draft (tool)") in [m.groups() for m in map(PROGRESS.match, lines) if m]
    assert lines[-2:] == ["context:", '  status: "draft"']
    assert (tmp_path / "soe.db").is_file()

    signal = soe("signal", execution_id, "APPROVED", "--json")
    payload = json.loads(signal.stdout)
    assert set(payload) >= {"execution_id", "status", "signals", "context"}
    assert payload["execution_id"] == execution_id and payload["status"] == "completed"
    assert payload["signals"] == ["START", "AWAITING_APPROVAL", "APPROVED", "PUBLISHED"]
    assert payload["context"] == {"status": "published"}

    report = json.loads(soe("inspect", execution_id, "--json").stdout)
    assert report["history"]["status"] == ["draft", "published"]
    assert "child_started" in [e["event_type"] for e in report["events"]]
    (child,) = report["children"]
    assert child["workflow"] == "publish" and child["node"] == "Publish"

    text = soe("inspect", execution_id).stdout
    assert text.splitlines()[0] == f"execution {execution_id}"
    assert '    history: ["draft", "published"]' in text
    assert f"  {child['execution_id']}  workflow publish  node Publish" in text


def test_json_run_and_caller_errors(soe, tmp_path):
    done = soe("run", "review.yaml", "-w", "review", "-s", "START", "--json", "--caller", "sync")
    payload = json.loads(done.stdout)
    assert payload["status"] == "completed" and payload["context"] == {"status": "draft"}
    assert done.stderr == ""

    unknown = soe("run", "review.yaml", "-w", "review", "-s", "START", "--caller", "pigeon", code=2)
    assert "unknown caller 'pigeon'; installed: " in unknown.stderr
    assert "sync" in unknown.stderr.split("installed: ", 1)[1].split(" (")[0].split(", ")
    assert soe("inspect", "nope", code=1).stderr.strip() == "Error: no execution 'nope' in " + (
        "sqlite:///soe.db"
    )
