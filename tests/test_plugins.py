"""The plugin system: loading, failures, clashes, disabling, and every hook."""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from pathlib import Path

import pytest

import soe_core
from soe_core import (
    BackendScheme,
    CallerType,
    LlmProvider,
    NodeType,
    Tool,
    ToolPack,
    create_all_nodes,
    create_in_memory_backends,
    hookimpl,
    hookspecs,
    load_plugins,
    orchestrate,
)
from soe_core.errors import PluginError
from soe_core.llm import get_llm

REPO = Path(__file__).resolve().parents[1]
BUILTIN_PLUGINS = {"nodes_core", "local_backends", "callers", "compat", "builtin_tools"}


def make_distribution(root: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str]):
    """Write an installed-looking distribution (dist-info + modules) under ``root``."""
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[soe]\n{lines}\n")
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("fake_soe_")]:
        del sys.modules[name]


def test_builtin_plugins_load_through_entry_points():
    registry = load_plugins(strict=True)
    names = {info.name for info in registry.plugins}
    assert BUILTIN_PLUGINS <= names
    assert {"router", "tool", "child"} <= set(registry.node_types)
    assert {"memory", "file"} <= set(registry.backend_schemes)
    assert "sync" in registry.callers
    nodes_core = next(i for i in registry.plugins if i.name == "nodes_core")
    assert nodes_core.distribution == "soe-nodes-core"
    assert nodes_core.provides["node type"] == ["router", "tool", "child"]
    builtins = next(i for i in registry.plugins if i.name == "builtin_tools")
    assert builtins.distribution == "soe-builtin-tools"
    assert builtins.provides["tool pack"] == ["soe-builtins"]
    assert registry.tool_pack("soe-builtins").builtin
    assert len(registry.builtin_tools()) == 19


def test_broken_plugin_is_reported_once_and_skipped(site):
    make_distribution(
        site,
        "fake-broken",
        {"fake_broken": "fake_soe_broken"},
        {"fake_soe_broken": "raise RuntimeError('boom at import')"},
    )
    with pytest.warns(
        RuntimeWarning, match="fake_broken.*fake-broken 1.2.3.*boom at import"
    ) as seen:
        registry = load_plugins(strict=False)
    assert len([w for w in seen if "fake_broken" in str(w.message)]) == 1
    info = next(i for i in registry.plugins if i.name == "fake_broken")
    assert info.status == "broken" and "boom at import" in info.error
    assert "router" in registry.node_types  # the others still load


def test_broken_plugin_raises_when_strict(site, monkeypatch):
    make_distribution(
        site,
        "fake-broken",
        {"fake_broken": "fake_soe_broken"},
        {"fake_soe_broken": "raise RuntimeError('boom')"},
    )
    monkeypatch.setenv("SOE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="fake-broken"):
        load_plugins()


def test_duplicate_names_name_both_distributions(site):
    source = """
        from soe_core import hookimpl, NodeType
        @hookimpl
        def soe_node_types():
            return [NodeType("router", validate=lambda c: None, build=lambda w: None)]
    """
    make_distribution(
        site, "fake-routers", {"fake_routers": "fake_soe_routers"}, {"fake_soe_routers": source}
    )
    with pytest.raises(PluginError) as info:
        load_plugins(strict=True)
    message = str(info.value)
    assert "'router'" in message and "soe-nodes-core" in message and "fake-routers" in message


def test_disabled_plugins_are_blocked(monkeypatch):
    monkeypatch.setenv("SOE_DISABLE_PLUGINS", "nodes_core, callers")
    registry = load_plugins(strict=True)
    assert "router" not in registry.node_types and "sync" not in registry.callers
    status = {i.name: i.status for i in registry.plugins}
    assert status["nodes_core"] == "disabled" and status["local_backends"] == "loaded"


def test_misspelt_hook_fails_at_load():
    class Typo:
        @hookimpl
        def soe_node_typez(self):
            return []

    with pytest.raises(Exception, match="soe_node_typez"):
        load_plugins(extra_plugins=[Typo()])


def test_every_hookspec_is_documented():
    specs = [
        name
        for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("soe_")
    ]
    assert len(specs) == 6
    for name in specs:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Called" in doc and len(doc) > 120, name


def test_kernel_imports_no_plugin():
    plugin_packages = {
        "soe",
        "soe_nodes_core",
        "soe_backends_local",
        "soe_callers",
        "soe_nodes_llm",
        "soe_builtin_tools",
        "soe_backends_sql",
    }
    for path in (REPO / "soe_core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in plugin_packages, f"{path} imports {name}"


# -- each hook, exercised through a plugin registered for one test -----------


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def soe_event_observers(self):
        return [
            lambda execution_id, event_type, data: self.events.append((execution_id, event_type))
        ]


class ShoutNode:
    @hookimpl
    def soe_node_types(self):
        def build(wiring):
            def execute(execution_id, config):
                wiring.backends.context.save_context(
                    execution_id,
                    {
                        **wiring.backends.context.get_context(execution_id),
                        "shout": [config["text"].upper()],
                    },
                )
                wiring.broadcast(execution_id, ["SHOUTED"])

            return execute

        def validate(config):
            if "text" not in config:
                raise soe_core.WorkflowValidationError("'text' is required")

        return [NodeType("shout", validate=validate, build=build)]


class Pack:
    @hookimpl
    def soe_tools(self):
        return [
            ToolPack(
                "greetings", (Tool("greet", function=lambda name: f"hi {name}"),), builtin=True
            )
        ]


class Echo:
    @hookimpl
    def soe_llm_providers(self):
        return [
            LlmProvider("echo", lambda model, **options: lambda prompt, config: f"{model}:{prompt}")
        ]

    @hookimpl
    def soe_callers(self):
        def build(nodes, backends, **options):
            calls = []

            def caller(execution_id, signals):
                calls.append(list(signals))
                soe_core.broadcast_signals(execution_id, signals, nodes, backends)

            caller.calls = calls
            return caller

        return [CallerType("recording", build)]

    @hookimpl
    def soe_backends(self):
        return [BackendScheme("mem2", lambda url, **o: create_in_memory_backends())]


WORKFLOW = """
main:
  Shout:
    node_type: shout
    event_triggers: [START]
    text: hello
  Greet:
    node_type: tool
    event_triggers: [SHOUTED]
    tool_name: greet
    parameters: {name: "{{ context.shout }}"}
    output_field: greeting
"""


def test_every_hook_is_used_by_the_engine(soe_plugins):
    recorder = Recorder()
    soe_plugins(recorder, ShoutNode(), Pack(), Echo())
    backends = soe_core.open_backends("mem2://")
    nodes, broadcast = create_all_nodes(backends, caller="recording")
    execution_id = orchestrate(WORKFLOW, "main", ["START"], {}, backends, broadcast)
    context = backends.context.get_context(execution_id)
    assert context["greeting"] == ["hi HELLO"]
    assert broadcast.calls == [["START"], ["SHOUTED"]]
    assert (execution_id, "signals_broadcast") in recorder.events
    assert get_llm("echo:m1")("p", {}) == "m1:p"


def test_plugin_node_type_is_validated_statically(soe_plugins):
    soe_plugins(ShoutNode())
    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends)
    bad = "main:\n  S:\n    node_type: shout\n    event_triggers: [START]\n"
    with pytest.raises(
        soe_core.WorkflowValidationError, match="Workflow 'main', node 'S': 'text' is required"
    ):
        orchestrate(bad, "main", ["START"], {}, backends, broadcast)


def test_unknown_scheme_and_provider_name_the_distribution():
    with pytest.raises(PluginError, match="unknown storage scheme 'nosuch'.*memory"):
        soe_core.open_backends("nosuch://x")
    with pytest.raises(PluginError, match="unknown LLM provider 'nosuch'"):
        get_llm("nosuch:model")


class MathPack:
    @hookimpl
    def soe_tools(self):
        return [ToolPack("math", (Tool("double", function=lambda n: int(n) * 2, max_retries=1),))]


def test_tool_packs_assemble_a_registry_by_name(soe_plugins):
    from soe_core.tools import tools_registry_from_packs

    soe_plugins(MathPack())
    registry = tools_registry_from_packs(["math"])
    assert registry["double"]["function"](4) == 8 and registry["double"]["max_retries"] == 1
    flow = (
        "m:\n  D:\n    node_type: tool\n    event_triggers: [GO]\n    tool_name: double\n"
        "    parameters: {n: '{{ context.n }}'}\n    output_field: doubled\n"
    )
    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends, tool_packs=["math"])
    execution_id = orchestrate(flow, "m", ["GO"], {"n": 21}, backends, broadcast)
    assert backends.context.get_context(execution_id)["doubled"] == [42]
    # the user's own entry with the same name wins over the pack's
    nodes, broadcast = create_all_nodes(
        backends, tools_registry={"double": lambda n: "mine"}, tool_packs=["math"]
    )
    execution_id = orchestrate(flow, "m", ["GO"], {"n": 21}, backends, broadcast)
    assert backends.context.get_context(execution_id)["doubled"] == ["mine"]
    with pytest.raises(PluginError, match="unknown tool pack 'nope'"):
        tools_registry_from_packs(["nope"])
    with pytest.raises(PluginError, match="bound per execution"):
        tools_registry_from_packs(["soe-builtins"])
