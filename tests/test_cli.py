"""`soe run` and `soe plugins` (issue #6): output order, --json shape, options, the entry point.

The other commands have their own modules: test_cli_signal_inspect.py (signal, inspect),
test_cli_progress.py (live progress, telemetry.observing), test_cli_offline.py (validate,
graph), test_cli_options.py (--caller, --store, --llm options), test_cli_entry_point.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from soe_core.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "order_pipeline.yaml"
TOOLS = REPO / "examples" / "order_tools.py"
ORDERS = json.dumps({"orders": [{"id": "A", "amount": 200}, {"id": "B", "amount": 10}]})


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """`soe run` stores in ./soe.db by default: keep it out of the checkout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOE_STORE", raising=False)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_example_prints_id_signals_and_context():
    result = run(
        "run",
        str(EXAMPLE),
        "-w",
        "order_pipeline",
        "-s",
        "START",
        "--tools",
        str(TOOLS),
        "--context-json",
        ORDERS,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"execution [0-9a-f-]{36}", lines[0])
    assert "ORDER_PRICED -> ORDER_PRICED -> ALL_PRICED -> NEEDS_REVIEW -> DONE" in result.output
    # the final context comes last: "context:" then one line per field
    tail = lines[lines.index("context:") :]
    assert tail[1:] == [
        '  orders: [{"id": "A", "amount": 200}, {"id": "B", "amount": 10}]',
        '  priced: {"id": "B", "total": 12.0, "review": false}',
        '  summary: {"orders": 2, "total": 252.0, "flagged": 1}',
    ]


def test_run_json_output():
    result = run(
        "run",
        str(EXAMPLE),
        "-w",
        "order_pipeline",
        "-s",
        "START",
        "--tools",
        str(TOOLS),
        "--context-json",
        ORDERS,
        "--json",
    )
    payload = json.loads(result.stdout)  # nothing but the JSON object on stdout
    assert set(payload) == {"execution_id", "status", "signals", "context", "error"}
    assert payload["status"] == "completed" and payload["error"] is None
    assert payload["signals"][:2] == ["START", "HAS_ORDERS"]
    assert payload["context"]["summary"] == {"orders": 2, "total": 252.0, "flagged": 1}
    assert "priced" in payload["context"] and not any(
        k.startswith("__") for k in payload["context"]
    )
    assert result.stderr == ""  # progress is off with --json unless stderr is a terminal


def test_run_context_pairs_are_yaml_scalars(tmp_path):
    flow = tmp_path / "f.yaml"
    flow.write_text(
        "f:\n  R:\n    node_type: router\n    event_triggers: [GO]\n    event_emissions:\n"
        "      - signal_name: BIG\n        condition: '{{ context.n > 2 }}'\n"
    )
    result = run("run", str(flow), "-w", "f", "-s", "GO", "-c", "n=3", "--json")
    assert json.loads(result.output)["signals"] == ["GO", "BIG"]


def test_run_failure_exits_non_zero_and_names_node(tmp_path):
    flow = tmp_path / "bad.yaml"
    flow.write_text("f:\n  R:\n    node_type: router\n    event_triggers: [GO]\n")
    result = CliRunner().invoke(main, ["run", str(flow), "-w", "f", "-s", "GO"])
    assert result.exit_code == 1
    assert "Workflow 'f', node 'R': 'event_emissions' is required" in result.stderr
    assert result.stdout.splitlines()[0] == "execution -"  # failed before it started
    assert result.stdout.splitlines()[-1] == "context:"


def test_run_failure_in_a_node_reports_json_with_the_id(tmp_path):
    flow = tmp_path / "bad.yaml"
    flow.write_text(
        "f:\n  T:\n    node_type: tool\n    event_triggers: [GO]\n    tool_name: missing\n"
    )
    result = CliRunner().invoke(main, ["run", str(flow), "-w", "f", "-s", "GO", "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["status"] == "failed" and payload["execution_id"]
    assert payload["signals"] == ["GO"]
    assert "Tool 'missing' not found" in payload["error"]


def test_plugins_lists_builtins_with_what_they_provide():
    result = run("plugins", "--json")
    plugins = {p["name"]: p for p in json.loads(result.output)}
    assert plugins["nodes_core"]["provides"]["node type"] == ["router", "tool", "child"]
    assert plugins["local_backends"]["provides"]["backend scheme"] == ["memory", "file"]
    assert plugins["callers"]["provides"]["caller"] == ["sync", "threads"]
    assert plugins["builtin_tools"]["provides"]["tool pack"] == ["soe-builtins"]
    assert all(p["status"] == "loaded" for p in plugins.values())
    text = run("plugins").output
    assert "soe-nodes-core" in text and "router, tool, child" in text


def test_installed_entry_point_runs_in_a_subprocess():
    soe = shutil.which("soe", path=str(Path(sys.executable).parent))
    assert soe, "the soe console script is installed next to the interpreter"
    done = subprocess.run(
        [
            soe,
            "run",
            str(EXAMPLE),
            "-w",
            "order_pipeline",
            "-s",
            "START",
            "--tools",
            str(TOOLS),
            "--context-json",
            ORDERS,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["context"]["summary"]["orders"] == 2


def test_run_with_the_fake_llm_provider(tmp_path):
    flow = tmp_path / "llm.yaml"
    flow.write_text(
        "main:\n  Ask:\n    node_type: llm\n    event_triggers: [START]\n"
        "    prompt: 'Summarise {{ context.topic }}'\n    output_field: summary\n"
        "    event_emissions:\n      - signal_name: DONE\n"
    )
    result = run(
        "run",
        str(flow),
        "-w",
        "main",
        "-s",
        "START",
        "-c",
        "topic=x",
        "--llm",
        "fake",
        "--llm-option",
        "latency=0",
        "--json",
    )
    payload = json.loads(result.output)
    assert payload["signals"] == ["START", "DONE"]
    assert payload["context"]["summary"] == "fake"


def test_run_reports_unknown_llm_provider(tmp_path):
    flow = tmp_path / "f.yaml"
    flow.write_text(
        "f:\n  R:\n    node_type: router\n    event_triggers: [GO]\n"
        "    event_emissions: [{signal_name: X}]\n"
    )
    result = CliRunner().invoke(main, ["run", str(flow), "-w", "f", "-s", "GO", "--llm", "nope"])
    assert result.exit_code != 0
    assert "unknown LLM provider 'nope'" in str(result.exception) + result.output


def test_run_defaults_to_a_sqlite_file_in_the_working_folder(tmp_path):
    result = run(
        "run",
        str(EXAMPLE),
        "-w",
        "order_pipeline",
        "-s",
        "START",
        "--tools",
        str(TOOLS),
        "--context-json",
        ORDERS,
        "--json",
    )
    execution_id = json.loads(result.output)["execution_id"]
    assert (tmp_path / "soe.db").is_file()
    from soe_core import open_backends

    backends = open_backends("sqlite:///soe.db")
    try:
        stored = backends.context.get_context(execution_id)
        assert stored["summary"] == [{"orders": 2, "total": 252.0, "flagged": 1}]
    finally:
        backends.close()
