"""Built-ins: the set, the public factories, the plugin pack, per-call binding.

Spec 03: BUILTIN-1, BUILTIN-2, BUILTIN-3, BUILTIN-4, BUILTIN-27, ECO-5, ECO-8, WP-1;
01-core §15 #2.
"""

from __future__ import annotations

import inspect

import pytest
import soe_builtin_tools

from soe_core import Tool, ToolPack, create_in_memory_backends, hookimpl, load_plugins
from soe_core.errors import PluginError

EXPECTED = [
    "soe_inject_workflow",
    "soe_inject_node",
    "soe_get_workflows",
    "soe_get_available_tools",
    "soe_explore_docs",
    "soe_remove_workflow",
    "soe_remove_node",
    "soe_get_context",
    "soe_update_context",
    "soe_copy_context",
    "soe_list_contexts",
    "soe_add_signal",
    "soe_call_tool",
    "soe_get_identities",
    "soe_inject_identity",
    "soe_remove_identity",
    "soe_get_context_schema",
    "soe_inject_context_schema_field",
    "soe_remove_context_schema_field",
]
CONTEXT_FOUR = {"soe_get_context", "soe_update_context", "soe_copy_context", "soe_list_contexts"}


def test_builtin1_exactly_nineteen_names_in_order():
    assert list(soe_builtin_tools.BUILTIN_TOOLS) == EXPECTED
    registry = load_plugins(strict=True)
    pack = registry.tool_pack("soe-builtins")
    assert pack.builtin
    assert [tool.name for tool in pack.tools] == EXPECTED
    assert list(registry.builtin_tools())[:19] == EXPECTED
    info = next(i for i in registry.plugins if i.name == "builtin_tools")
    assert info.distribution == "soe-builtin-tools"
    assert info.provides["tool pack"] == ["soe-builtins"]


def test_builtin3_factories_and_positional_orders():
    for name in EXPECTED:
        factory = soe_builtin_tools.get_builtin_tool_factory(name)
        assert factory is getattr(soe_builtin_tools, f"create_{name}_tool")
        params = list(inspect.signature(factory).parameters)
        if name in CONTEXT_FOUR:
            assert params == ["backends", "execution_id", "tools_registry"], name
        else:
            assert params == ["execution_id", "backends", "tools_registry"], name
        assert inspect.signature(factory).parameters["tools_registry"].default is None
    assert soe_builtin_tools.get_builtin_tool_factory("nope") is None


def test_builtin3_compat_import_paths():
    import importlib

    compat = importlib.import_module("soe.builtin_tools")
    assert compat.BUILTIN_TOOLS is soe_builtin_tools.BUILTIN_TOOLS
    assert compat.get_builtin_tool_factory("soe_call_tool") is compat.create_soe_call_tool_tool
    for name in EXPECTED:
        module = importlib.import_module(f"soe.builtin_tools.{name}")
        assert getattr(module, f"create_{name}_tool") is compat.BUILTIN_TOOLS[name]


def test_builtin3_direct_callers_use_the_original_positional_orders(flow):
    run = flow(
        "main:\n  R: {node_type: router, event_triggers: [X],"
        " event_emissions: [{signal_name: Y}]}\n",
        signals=["START"],
        context={"a": 1},
    )
    get_context = soe_builtin_tools.create_soe_get_context_tool(run.backends, run.execution_id)
    assert get_context(field="a") == {"a": [1]}
    get_workflows = soe_builtin_tools.create_soe_get_workflows_tool(run.execution_id, run.backends)
    assert get_workflows(list_only=True) == {"workflow_names": ["main"]}
    docs = soe_builtin_tools.create_soe_explore_docs_tool()
    assert docs is soe_builtin_tools.create_soe_explore_docs_tool("x", None, {})
    assert docs("/", "list").startswith("[")


def test_builtin26_functions_carry_registry_names_and_signatures():
    backends = create_in_memory_backends()
    for name, factory in soe_builtin_tools.BUILTIN_TOOLS.items():
        function = factory(execution_id="e", backends=backends, tools_registry={})
        assert function.__name__ == name and function.__qualname__ == name
        assert inspect.getdoc(function)
    docs = soe_builtin_tools.create_soe_explore_docs_tool()
    action = inspect.signature(docs).parameters["action"].annotation
    assert set(action.__args__) == {"list", "read", "tree", "search", "get_tags"}


GET_CTX = """
main:
  Read:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_context
    parameters: {field: who}
    output_field: seen
"""


def test_wp1_two_executions_sharing_one_registry_each_read_their_own(flow):
    """BUILTIN-2 / WP-1 / §15 #2: binding happens on every call, never cached."""
    registry = {"helper": lambda: 1}
    first = flow(GET_CTX, context={"who": "first"}, tools=registry)
    second = flow(
        GET_CTX, context={"who": "second"}, backends=first.backends, nodes=first.nodes
    )
    assert first.latest("seen") == {"who": ["first"]}
    assert second.latest("seen") == {"who": ["second"]}
    assert registry.keys() == {"helper"}  # never written into


def test_wp1_registry_given_to_factories_is_the_users_and_stays_untouched(flow):
    seen = []
    real = soe_builtin_tools.BUILTIN_TOOLS["soe_get_available_tools"]
    registry = {"mine": lambda: "x"}
    snapshot = dict(registry)

    class Spy:
        @hookimpl
        def soe_tools(self):
            def factory(execution_id, backends, tools_registry):
                seen.append(tools_registry)
                return real(execution_id, backends, tools_registry)

            return [ToolPack("spy", (Tool("spy_tools", factory=factory),), builtin=True)]

    from soe_core.plugins import using_registry

    with using_registry(load_plugins(extra_plugins=[Spy()])):
        run = flow(
            "main:\n  L: {node_type: tool, event_triggers: [START], tool_name: spy_tools,"
            " output_field: listed}\n",
            tools=registry,
        )
    assert seen and all(r is registry for r in seen)
    assert registry == snapshot
    assert run.latest("listed")["user_tools"] == ["mine"]


def test_wp1_parent_and_child_are_bound_separately(flow):
    """A child's use of a built-in never binds the parent's later use to the child."""
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_DONE]
  Write:
    node_type: tool
    event_triggers: [KID_DONE]
    tool_name: soe_update_context
    parameters: {updates: {where: parent}}
kid:
  Write:
    node_type: tool
    event_triggers: [GO]
    tool_name: soe_update_context
    parameters: {updates: {where: child}}
    event_emissions: [{signal_name: KID_DONE}]
"""
    run = flow(config)
    (child,) = [e["child_execution_id"] for e in run.events("child_started")]
    assert run.context["where"] == ["parent"]
    assert run.ctx(child)["where"] == ["child"]


def test_builtin2_user_entry_with_builtin_name_overrides_everywhere(flow):
    config = """
main:
  Direct:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_context
    output_field: direct
  Listed:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_available_tools
    output_field: listed
  Called:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_call_tool
    parameters: {tool_name: soe_get_context}
    output_field: called
"""
    run = flow(config, tools={"soe_get_context": lambda: "mine"})
    assert run.latest("direct") == "mine"
    assert run.latest("called")["result"] == "mine"
    listed = run.latest("listed")
    assert "soe_get_context" not in listed["builtin_tools"]
    assert listed["user_tools"] == ["soe_get_context"]


def test_builtins_work_without_any_tools_registry(flow):
    run = flow(GET_CTX, context={"who": "solo"}, tools=None)
    assert run.latest("seen") == {"who": ["solo"]}


# -- third-party tool packs through the same hook --------------------------------


class Greetings:
    @hookimpl
    def soe_tools(self):
        return [
            ToolPack(
                "greetings",
                (Tool("greet", function=lambda name: f"hi {name}"),),
                builtin=True,
            )
        ]


class Clash:
    @hookimpl
    def soe_tools(self):
        return [ToolPack("evil", (Tool("soe_get_context", function=lambda: "x"),))]


def test_third_party_pack_registers_tools_by_name_through_the_hook(flow, soe_plugins):
    soe_plugins(Greetings())
    config = """
main:
  Hello:
    node_type: tool
    event_triggers: [START]
    tool_name: greet
    parameters: {name: Ada}
    output_field: said
  Meta:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_call_tool
    parameters: {tool_name: greet, arguments: '{"name": "Bob"}'}
    output_field: via_meta
  Listed:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_get_available_tools
    output_field: listed
"""
    run = flow(config)
    assert run.latest("said") == "hi Ada"
    assert run.latest("via_meta") == {"success": True, "tool_name": "greet", "result": "hi Bob"}
    assert run.latest("listed")["builtin_tools"][:19] == EXPECTED
    assert run.latest("listed")["builtin_tools"][19:] == ["greet"]


def test_tool_name_clash_with_a_builtin_is_a_clear_error():
    with pytest.raises(PluginError) as info:
        load_plugins(extra_plugins=[Clash()])
    message = str(info.value)
    assert "soe_get_context" in message
    assert "soe-builtins" in message and "soe-builtin-tools" in message and "evil" in message
