"""Live progress of `soe run` / `soe signal`, and `telemetry.observing` under it.

Progress is built from telemetry events (TEL-1, CORE-80..86): `signals_broadcast`,
`node_execution` (node starts; the engine has no "node finished" event, so the signals
that follow show the end), `llm_call`, `tool_call`, `node_error`, `child_started`.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
from click.testing import CliRunner

from soe_core.cli import main
from soe_core.plugins import get_registry
from soe_core.telemetry import observing, register_event

LINE = re.compile(r"^\s+\d+\.\d{3}s  (\S+)\s+(.*)$")

FLOW = """
main:
  Ask:
    node_type: llm
    event_triggers: [START]
    prompt: 'Say hi to {{ context.name }}'
    output_field: greeting
    event_emissions: [{signal_name: ASKED}]
  Boom:
    node_type: tool
    event_triggers: [ASKED]
    tool_name: boom
    event_emissions: [{signal_name: NEVER}]
  Spawn:
    node_type: child
    event_triggers: [ASKED]
    child_workflow_name: kid
    child_initial_signals: [GO]
kid:
  Echo:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: KID_DONE}]
"""

TOOLS = "def boom():\n    raise ValueError('kaput')\n\nTOOLS = {'boom': boom}\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOE_STORE", raising=False)
    (tmp_path / "flow.yaml").write_text(FLOW)
    (tmp_path / "tools.py").write_text(TOOLS)


def run(*extra: str):
    args = ["run", "flow.yaml", "-w", "main", "-s", "START", "-c", "name=Ann"]
    args += ["--tools", "tools.py", "--llm", "fake", "--llm-option", "latency=0", *extra]
    return CliRunner().invoke(main, args)


def progress_lines(text: str) -> list[tuple[str, str]]:
    return [m.groups() for m in map(LINE.match, text.splitlines()) if m]


def test_plain_progress_lines_when_not_a_terminal():
    result = run()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("execution ")
    shown = progress_lines(result.stdout)
    assert shown[:4] == [
        ("start", "workflow main"),
        ("signals", "START"),
        ("node", "Ask (llm)"),
        ("llm", "call identity=null"),
    ]
    kinds = [kind for kind, _detail in shown]
    assert ("node", "Boom (tool)") in shown and ("tool", "boom") in shown
    assert ("error", 'tool_name="boom" error="kaput"') in shown
    # the child execution's lines carry its short id
    child = next(detail for kind, detail in shown if kind == "child")
    short = child.split()[0][:8]
    assert ("signals", f"[{short}] GO") in shown and ("node", f"[{short}] Echo (router)") in shown
    assert kinds.index("child") > kinds.index("llm")
    # and the summary comes after every progress line
    assert lines.index("context:") > max(i for i, line in enumerate(lines) if LINE.match(line))


def test_progress_off_leaves_id_signals_and_context():
    result = run("--progress", "off")
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"execution [0-9a-f-]{36}", lines[0])
    assert lines[1:] == [
        "signals: START -> ASKED",
        "context:",
        '  name: "Ann"',
        '  greeting: "fake"',
    ]


def test_json_keeps_stdout_clean_and_can_send_progress_to_stderr():
    result = run("--json", "--progress", "plain")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["context"]["greeting"] == "fake"
    assert result.stderr.splitlines()[0] == f"execution {payload['execution_id']}"
    assert ("signals", "START") in progress_lines(result.stderr)


def test_forced_rich_progress_and_context_table():
    pytest.importorskip("rich")
    result = run("--progress", "rich")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.splitlines()[0].startswith("execution ")
    assert re.search(r"^\s+\d+\.\d{3}s node\s+Ask \(llm\)", text, re.M)
    assert re.search(r"│ greeting\s+│ \"fake\"", text)


def test_progress_of_a_failing_run_then_the_error():
    result = CliRunner().invoke(
        main, ["run", "flow.yaml", "-w", "main", "-s", "START", "--tools", "tools.py"]
    )
    assert result.exit_code == 1  # the llm node is not wired without --llm
    assert result.stdout.splitlines()[0].startswith("execution ")
    assert progress_lines(result.stdout) == [("start", "workflow main"), ("signals", "START")]
    assert result.stdout.splitlines()[-1] == "context:"
    assert "error: Workflow 'main', node 'Ask': node type 'llm' is not wired" in result.stderr


# --- telemetry.observing --------------------------------------------------------------


def test_observing_sees_events_only_inside_the_block(memory_backends):
    seen = []
    register_event(memory_backends, "x", "before", {})
    with observing(lambda *event: seen.append(event)) as observer:
        assert observer in get_registry().observers
        register_event(memory_backends, "x", "inside", {"n": 1})
    register_event(memory_backends, "x", "after", {})
    assert seen == [("x", "inside", {"n": 1})]
    assert observer not in get_registry().observers


def test_observing_from_many_threads_and_nested_blocks(memory_backends):
    outer, inner = [], []
    lock = threading.Lock()

    def count(target):
        def observer(*_event):
            with lock:
                target.append(1)

        return observer

    def emit():
        for _ in range(50):
            register_event(memory_backends, "x", "tick", {})

    before = list(get_registry().observers)
    with observing(count(outer)):
        with observing(count(inner)):
            threads = [threading.Thread(target=emit) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        emit()
    assert len(inner) == 200 and len(outer) == 250
    assert get_registry().observers == before


def test_a_failing_observer_does_not_stop_the_run(tmp_path):
    def broken(*_event):
        raise RuntimeError("observer bug")

    with observing(broken):
        result = run("--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "completed"
