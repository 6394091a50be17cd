"""A fresh process imports only what its workflow uses (issue #9).

``import soe`` plus a one-router run loads every installed plugin, but no
pydantic, Jinja, llm/agent node module, built-in tool
module or file backend; each arrives the first time it is needed, and then
works as before. Also: ``NodeType.config_model`` given by reference (CORE-98
custom node types keep working).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from soe_core import NodeType

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "scenarios"))
from workflows import FRESH_CODE  # noqa: E402

HEAVY = (
    "pydantic",
    "jinja2",
    "yaml",
    "soe_nodes_core.config_models",
    "soe_nodes_llm.llm_node",
    "soe_nodes_llm.agent_node",
    "soe_nodes_llm.agent_loop",
    "soe_nodes_llm.fake",
    "soe_nodes_llm.models",
    "soe_builtin_tools.context_tools",
    "soe_builtin_tools.workflows",
    "soe_builtin_tools._common",
    "soe_backends_local.files",
    "soe_backends_local.file_journal",
)

# what the fresh-process benchmark runs, then checks of what it imported
FRESH = FRESH_CODE + """
import sys
HEAVY = ()  # filled in below
loaded = [name for name in HEAVY if name in sys.modules]
assert not loaded, f"imported by a one-router run: {loaded}"

from soe_core.plugins import get_registry
registry = get_registry()
assert {"router", "tool", "child", "llm", "agent"} <= set(registry.node_types)
assert len(registry.builtin_tools()) == 19
assert not [name for name in HEAVY if name in sys.modules]

# a template condition brings Jinja in, and renders as before (CORE-43)
flow = '''
t:
  If:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - {signal_name: BIG, condition: "{{ context.n > 1 }}"}
      - {signal_name: HUGE, condition: "{{ context.n > 5 }}"}
'''
execution_id = orchestrate(flow, "t", ["START"], {"n": 2}, backends, broadcast)
assert backends.context.get_context(execution_id)["__operational__"]["signals"] == ["START", "BIG"]
assert "jinja2" in sys.modules and "pydantic" not in sys.modules

# reading a config model brings pydantic in
assert "event_emissions" in registry.node_types["router"].config_model.model_fields
assert "prompt" in registry.node_types["llm"].config_model.model_fields
assert "pydantic" in sys.modules
print("ok")
""".replace("HEAVY = ()  # filled in below", f"HEAVY = {HEAVY!r}")


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOE_DISABLE_PLUGINS"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_issue9_a_one_router_run_imports_no_heavy_module():
    done = _run(FRESH)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_issue9_built_in_tools_and_llm_nodes_load_on_first_use():
    code = textwrap.dedent(
        """
        import sys
        from soe_core import create_all_nodes, create_in_memory_backends, orchestrate
        from soe_core.llm import get_llm

        flow = '''
        main:
          Ask:
            node_type: llm
            event_triggers: [START]
            prompt: "Name for {{ context.topic }}"
            output_field: name
          Save:
            node_type: tool
            event_triggers: [START]
            tool_name: soe_update_context
            parameters: {updates: {seen: here}}
        '''
        backends = create_in_memory_backends()
        nodes, broadcast = create_all_nodes(backends, call_llm=get_llm("fake"))
        execution_id = orchestrate(flow, "main", ["START"], {"topic": "x"}, backends, broadcast)
        context = backends.context.get_context(execution_id)
        assert context["name"] == ["fake"], context
        assert context["seen"] == ["here"], context
        for name in ("soe_nodes_llm.llm_node", "soe_builtin_tools.context_tools", "pydantic"):
            assert name in sys.modules, name
        print("ok")
        """
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# -- NodeType.config_model by reference ---------------------------------------


class Model:
    fields = ("a",)


def _accept(config: dict) -> None:
    pass


def _node(config_model=None) -> NodeType:
    return NodeType("n", validate=_accept, build=_accept, config_model=config_model)


def test_config_model_given_as_a_class_a_reference_or_a_function():
    assert _node().config_model is None
    assert _node(Model).config_model is Model
    assert _node(f"{__name__}:Model").config_model is Model
    assert _node("soe_core.registrations:NodeType.__name__").config_model == "NodeType"
    calls = []
    node = _node(lambda: calls.append(1) or Model)
    assert node.config_model is Model and node.config_model is Model
    assert calls == [1]  # resolved once


def test_config_model_stays_a_documented_dataclass_field():
    field = {f.name: f for f in dataclasses.fields(NodeType)}["config_model"]
    assert field.default is None
    node = _node(f"{__name__}:Model")
    assert dataclasses.replace(node, name="m").config_model is Model
    assert node == _node(Model)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.config_model = Model


def test_config_model_reference_without_attribute_is_refused():
    with pytest.raises(ValueError, match="module:attribute"):
        _node("just_a_module")
    with pytest.raises(ModuleNotFoundError):
        _ = _node("no_such_module_here:Model").config_model


# -- packages whose names load on first access ------------------------------------


@pytest.mark.parametrize(
    "package", ["soe_nodes_llm", "soe_backends_local", "soe_builtin_tools", "soe.local_backends"]
)
def test_every_public_name_of_a_lazy_package_resolves(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_llm_registrations_are_the_ones_the_modules_export():
    from soe_nodes_llm import agent_node, fake, llm_node, registrations

    from soe_core.llm import get_llm

    assert llm_node.LLM is registrations.LLM and agent_node.AGENT is registrations.AGENT
    assert fake.FAKE_PROVIDER is registrations.FAKE_PROVIDER
    assert isinstance(get_llm("fake:any"), fake.FakeLlm)
    assert registrations.AGENT.config_model.__name__ == "AgentConfig"
