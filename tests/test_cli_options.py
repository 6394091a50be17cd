"""The options shared by `soe run` and `soe signal` (soe_core.cli.options).

--caller picks any signal transport registered through the `soe_callers` hook; --store
any backend scheme; --tools / --llm / --llm-option wire the nodes (CORE-94).
"""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from soe_core import CallerType, broadcast_signals, hookimpl
from soe_core.cli import main
from soe_core.cli.options import (
    EngineOptions,
    engine_options,
    json_option,
    open_store,
    store_option,
)

FLOW = (
    "f:\n  R:\n    node_type: router\n    event_triggers: [GO]\n"
    "    event_emissions: [{signal_name: DONE}]\n"
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOE_STORE", raising=False)
    (tmp_path / "f.yaml").write_text(FLOW)


def soe(*args: str):
    return CliRunner().invoke(main, list(args))


def installed_callers(output: str) -> list[str]:
    """The names after "installed:" in an unknown-caller error (other plugins may add some)."""
    return output.split("installed: ", 1)[1].split(" (", 1)[0].split(", ")


class RecordingCaller:
    """A plugin whose caller records every broadcast, then delivers it synchronously."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def soe_callers(self):
        def build(nodes, backends, **_options):
            def caller(execution_id, signals):
                self.calls.append(list(signals))
                broadcast_signals(execution_id, signals, nodes, backends)

            return caller

        return [CallerType("recording", build, "test double")]


def test_caller_sync_is_the_default_and_can_be_named():
    for extra in ((), ("--caller", "sync")):
        result = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--json", *extra)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["signals"] == ["GO", "DONE"]


def test_unknown_caller_lists_the_registered_ones_and_touches_nothing(tmp_path):
    result = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--caller", "telepathy")
    assert result.exit_code == 2
    assert "Invalid value for --caller: unknown caller 'telepathy'; installed: " in result.output
    assert "sync" in installed_callers(result.output)
    assert not (tmp_path / "soe.db").exists()


def test_caller_registered_by_a_plugin_is_used(soe_plugins):
    plugin = RecordingCaller()
    soe_plugins(plugin)
    result = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--caller", "recording", "--json")
    assert result.exit_code == 0, result.output
    assert plugin.calls == [["GO"], ["DONE"]]
    execution_id = json.loads(result.stdout)["execution_id"]
    plugin.calls.clear()
    again = soe("signal", execution_id, "GO", "--caller", "recording", "--json")
    assert again.exit_code == 0, again.output
    assert plugin.calls == [["GO"], ["DONE"]]
    listed = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--caller", "nope")
    assert {"recording", "sync"} <= set(installed_callers(listed.output))


def test_store_option_env_and_errors(tmp_path, monkeypatch):
    result = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--store", "memory://")
    assert result.exit_code == 0 and not (tmp_path / "soe.db").exists()
    bad = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--store", "nosuch://x")
    assert bad.exit_code == 2 and "unknown storage scheme 'nosuch'" in bad.output
    monkeypatch.setenv("SOE_STORE", "sqlite:///other.db")
    assert soe("run", "f.yaml", "-w", "f", "-s", "GO").exit_code == 0
    assert (tmp_path / "other.db").is_file() and not (tmp_path / "soe.db").exists()


def test_llm_option_errors_name_the_option():
    orphan = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--llm-option", "latency=0")
    assert orphan.exit_code == 2 and "Invalid value for --llm-option: needs --llm" in orphan.output
    pair = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--llm", "fake", "--llm-option", "x")
    assert pair.exit_code == 2 and "expected key=value, got 'x'" in pair.output
    unknown = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--llm", "nope")
    assert unknown.exit_code == 2 and "unknown LLM provider 'nope'; installed:" in unknown.output


def test_unknown_tool_pack_names_the_option():
    result = soe("run", "f.yaml", "-w", "f", "-s", "GO", "--tools", "no-such-pack")
    assert result.exit_code == 2
    assert "Invalid value for --tools: unknown tool pack 'no-such-pack'" in result.output


def test_shared_options_build_a_command(tmp_path):
    """The decorators a new command (resume, list, prune) is made of."""
    seen = {}

    @click.command()
    @engine_options
    @json_option
    def wired(engine: EngineOptions, as_json: bool):
        seen["engine"] = engine
        with engine.connect() as connection:
            seen["nodes"] = sorted(connection.nodes)
            seen["broadcast"] = callable(connection.broadcast)

    @click.command()
    @store_option
    def reader(store: str):
        with open_store(store, must_exist=True) as backends:
            seen["backends"] = backends

    result = CliRunner().invoke(
        wired, ["--store", "memory://", "--llm", "fake", "--llm-option", "latency=0", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert seen["engine"] == EngineOptions("memory://", (), "fake", ("latency=0",), "sync")
    assert {"router", "child", "llm", "agent"} <= set(seen["nodes"]) and seen["broadcast"]
    assert "--caller" in CliRunner().invoke(wired, ["--help"]).output

    missing = CliRunner().invoke(reader, [])
    assert missing.exit_code == 2 and "no store at soe.db" in missing.output
    assert not (tmp_path / "soe.db").exists()
