"""``examples/self_evolving.yaml`` runs end to end with built-in tools only (PATTERN-8)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from soe_core.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "self_evolving.yaml"


def test_pattern8_self_evolving_example(flow):
    run = flow(EXAMPLE.read_text(), context={"topic": "signals"})
    assert run.signals == [
        "START", "WORKER_READY", "FOUND", "REPORTER_READY", "REPORT", "DONE", "ANNOUNCED",
    ]
    assert set(run.registry) == {"main", "lookup"}
    assert set(run.registry["main"]) >= {"Report"}
    assert [e["tool"] for e in run.events("builtin_modification")] == [
        "soe_inject_workflow",
        "soe_inject_node",
        "soe_add_signal",
    ]
    found = run.latest("found")
    assert "docs/concepts.md" in found


def test_self_evolving_example_from_the_command_line():
    result = CliRunner().invoke(
        main, ["run", str(EXAMPLE), "-w", "main", "-s", "START", "-c", "topic=signals",
              "--store", "memory://"]
    )
    assert result.exit_code == 0, result.output
    assert "REPORT -> DONE -> ANNOUNCED" in result.output
