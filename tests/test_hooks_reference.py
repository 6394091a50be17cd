"""Every hook is documented in docs/plugins.md and exercised by a real plugin (issue #10).

The hooks are those of ``soe_core.hookspecs``; adding one without documenting
it (exact signature, and the fields of what it returns) or without a plugin
that implements it fails here. "Exercised" means implemented by a plugin
installed in the venv or by the example plugin under examples/plugins/, and
called: the registry returns registrations from it, and one workflow run
uses something from every hook (CORE-98: node types, backends, callers, LLM
providers and tools all come from plugins).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

from soe_core import (
    BackendScheme,
    CallerType,
    EventTypes,
    LlmProvider,
    NodeType,
    Tool,
    ToolPack,
    create_all_nodes,
    hookspecs,
    load_plugins,
    open_backends,
    orchestrate,
)
from soe_core.llm import get_llm
from soe_core.plugins import using_registry
from soe_core.wiring import NodeWiring

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "plugins" / "soe-example-plugin"


tables = sys.modules["docs_tables"]  # registered by conftest.py
PLUGINS_DOC = tables.REPO / "docs" / "plugins.md"
HOOKS = sorted(
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("soe_")
)
RETURNS = {  # what each hook's list holds
    "soe_node_types": NodeType,
    "soe_backends": BackendScheme,
    "soe_callers": CallerType,
    "soe_llm_providers": LlmProvider,
    "soe_tools": ToolPack,
    "soe_event_observers": None,  # plain callables
}
DATACLASSES = [NodeType, NodeWiring, BackendScheme, CallerType, LlmProvider, ToolPack, Tool]


def signature_of(hook: str) -> str:
    """``def name(args) -> return``, as written in hookspecs.py (annotations unquoted)."""
    return f"def {hook}{inspect.signature(getattr(hookspecs, hook))}".replace("'", "")


def doc_sections() -> dict[str, str]:
    return tables.sections(PLUGINS_DOC.read_text(), 3)


# -- documented ---------------------------------------------------------------


def test_this_test_knows_every_hook():
    assert HOOKS, "no hookspec found"
    assert set(HOOKS) == set(RETURNS), "a hook was added or removed: update RETURNS here"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_exact_signature(hook):
    text = PLUGINS_DOC.read_text()
    assert f"`{signature_of(hook)}`" in text, f"docs/plugins.md lacks `{signature_of(hook)}`"
    section = doc_sections().get(f"`{hook}`")
    assert section and "Called" in section, f"docs/plugins.md needs a '### `{hook}`' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_what_a_hook_returns_has_a_section(hook):
    returned = re.fullmatch(r"list\[(\w+)\]", inspect.signature(getattr(hookspecs, hook))
                            .return_annotation)
    assert returned, f"{hook} should be annotated -> list[Registration]"
    assert f"`{returned[1]}`" in doc_sections()


@pytest.mark.parametrize("cls", DATACLASSES, ids=lambda c: c.__name__)
def test_every_field_of_a_registration_is_documented(cls):
    section = doc_sections().get(f"`{cls.__name__}`")
    assert section, f"docs/plugins.md needs a '### `{cls.__name__}`' section"
    documented = tables.table_keys(section, "field")
    fields = {field.name for field in dataclasses.fields(cls)}
    assert documented == fields, f"{cls.__name__}: documented {documented}, fields {fields}"


def test_every_event_type_is_listed_for_observers():
    names = {value for key, value in vars(EventTypes).items() if key.isupper()}
    listed = tables.table_keys(doc_sections()["`EventObserver`"], "event")
    assert names <= listed, f"events missing from docs/plugins.md: {sorted(names - listed)}"


# -- exercised ------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    """The installed plugins plus the example plugin, imported from its source folder."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    example = importlib.import_module("soe_example_plugin.hooks")
    loaded = load_plugins(strict=True, extra_plugins=[example])
    with using_registry(loaded):
        yield loaded


def real_implementations(registry, hook: str) -> list:
    """Implementations from installed distributions or from the example plugin."""
    installed = {
        info.name
        for info in registry.plugins
        if info.status == "loaded" and info.distribution != "<registered in process>"
    }
    caller = getattr(registry.manager.hook, hook)
    return [
        impl
        for impl in caller.get_hookimpls()
        if impl.plugin_name in installed
        or getattr(impl.plugin, "__name__", "") == "soe_example_plugin.hooks"
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_implemented_and_returns_registrations(registry, hook):
    implementations = real_implementations(registry, hook)
    assert implementations, f"no installed plugin nor the example plugin implements {hook}"
    items = [item for impl in implementations for item in impl.function()]
    assert items, f"{hook}: every implementation returned an empty list"
    expected = RETURNS[hook]
    for item in items:
        assert isinstance(item, expected) if expected else callable(item), (hook, item)
    # and the hook call itself, as the kernel makes it, gives them back
    from_hook = [item for result in getattr(registry.manager.hook, hook)() for item in result]
    assert all(item in from_hook for item in items)


FLOW = """
main:
  Title:
    node_type: template
    event_triggers: [START]
    template: "{{ context.title | title }}"
    output_field: heading
    event_emissions: [{signal_name: TITLED}]
  Slug:
    node_type: tool
    event_triggers: [TITLED]
    tool_name: slugify
    parameters: {text: "{{ context.heading }}"}
    output_field: slug
    event_emissions: [{signal_name: SLUGGED}]
  Summarize:
    node_type: llm
    event_triggers: [SLUGGED]
    prompt: "Summarize {{ context.title }}"
    output_field: summary
    fake_output: a short summary
    event_emissions: [{signal_name: SUMMARIZED}]
"""


def test_one_run_uses_what_every_hook_provides(registry, tmp_path, monkeypatch):
    events = tmp_path / "events.jsonl"
    monkeypatch.setenv("SOE_EXAMPLE_EVENT_LOG", str(events))  # the example's observer
    used = {
        "soe_backends": registry.backend_schemes["sqlite"],  # soe-backends-sql
        "soe_callers": registry.callers["sync"],  # soe-callers
        "soe_llm_providers": registry.llm_providers["fake"],  # soe-nodes-llm
        "soe_tools": registry.tool_packs["text-tools"],  # the example plugin
        "soe_node_types": registry.node_types["template"],  # the example plugin
    }
    for hook, item in used.items():
        assert any(item in impl.function() for impl in real_implementations(registry, hook))

    backends = open_backends(f"sqlite:///{tmp_path / 'soe.db'}")
    try:
        nodes, broadcast = create_all_nodes(
            backends, call_llm=get_llm("fake"), caller="sync", tool_packs=["text-tools"]
        )
        execution_id = orchestrate(
            FLOW, "main", ["START"], {"title": "hooks all the way"}, backends, broadcast
        )
        context = backends.context.get_context(execution_id)
    finally:
        backends.close()
    assert context["heading"] == ["Hooks All The Way"]
    assert context["slug"] == ["hooks-all-the-way"]
    assert context["summary"] == ["a short summary"]
    assert context["__operational__"]["signals"] == ["START", "TITLED", "SLUGGED", "SUMMARIZED"]
    records = [json.loads(line) for line in events.read_text().splitlines()]
    seen = [(r["execution_id"], r["event_type"]) for r in records]
    assert (execution_id, "orchestration_start") in seen
    assert (execution_id, "llm_call") in seen
    assert (execution_id, "tool_call") in seen
