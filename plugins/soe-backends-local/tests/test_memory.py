"""In-memory backends: CORE-87, CORE-88, CORE-89, CORE-90."""

from __future__ import annotations

import threading

import pytest
from soe_backends_local import (
    InMemoryContextBackend,
    InMemoryContextSchemaBackend,
    InMemoryConversationHistoryBackend,
    InMemoryIdentityBackend,
    InMemoryTelemetryBackend,
    InMemoryWorkflowBackend,
    create_in_memory_backends,
    hooks,
    open_memory,
)

from soe_core.backends import LocalBackends
from soe_core.plugins import load_plugins


def test_open_memory_has_all_six_backends():
    """CORE-90: memory:// gives a LocalBackends with all six backends present."""
    backends = open_memory("memory://")
    assert isinstance(backends, LocalBackends)
    assert isinstance(backends.context, InMemoryContextBackend)
    assert isinstance(backends.workflow, InMemoryWorkflowBackend)
    assert isinstance(backends.telemetry, InMemoryTelemetryBackend)
    assert isinstance(backends.conversation_history, InMemoryConversationHistoryBackend)
    assert isinstance(backends.context_schema, InMemoryContextSchemaBackend)
    assert isinstance(backends.identity, InMemoryIdentityBackend)
    assert isinstance(create_in_memory_backends().identity, InMemoryIdentityBackend)


def test_open_memory_rejects_options_and_other_schemes():
    """CORE-90: memory:// takes no options; a foreign URL is a caller mistake."""
    with pytest.raises(TypeError):
        open_memory("memory://", context_storage_dir="x")
    with pytest.raises(ValueError):
        open_memory("file://x")


def test_hook_registers_memory_and_file_schemes():
    """CORE-87: the plugin provides the memory and file URL schemes."""
    registry = load_plugins(entry_points=False, extra_plugins=[hooks])
    assert set(registry.backend_schemes) == {"memory", "file"}
    backends = registry.backend_scheme("memory").open("memory://")
    assert isinstance(backends.context, InMemoryContextBackend)


# -- context -----------------------------------------------------------------


def test_context_unknown_is_empty_and_roundtrip():
    """CORE-88: unknown context -> {}; save then get returns the same data."""
    backend = InMemoryContextBackend()
    assert backend.get_context("nope") == {}
    assert backend.read_context("nope") == {}
    backend.save_context("a", {"x": [1], "__operational__": {"signals": ["START"]}})
    assert backend.get_context("a") == {"x": [1], "__operational__": {"signals": ["START"]}}
    assert backend.list_context_ids() == ["a"]


def test_context_save_and_get_copy_deeply():
    """CORE-89: save stores a deep copy, get returns a deep copy."""
    backend = InMemoryContextBackend()
    original = {"x": [{"n": 1}]}
    backend.save_context("a", original)
    original["x"][0]["n"] = 99
    original["y"] = [1]
    got = backend.get_context("a")
    assert got == {"x": [{"n": 1}]}
    got["x"][0]["n"] = 42
    got["x"].append(2)
    assert backend.get_context("a") == {"x": [{"n": 1}]}


def test_read_context_returns_stored_object_without_copy():
    """CORE-89: the read-only fast path shares the stored dict (no copy)."""
    backend = InMemoryContextBackend()
    backend.save_context("a", {"x": [1]})
    assert backend.read_context("a") is backend.read_context("a")
    assert backend.read_context("a") == {"x": [1]}


def test_update_context_mutates_in_place_and_returns_result():
    """CORE-89: update_context applies mutate to the stored dict, O(1), no copy."""
    backend = InMemoryContextBackend()
    assert backend.update_context("new", lambda c: c.setdefault("n", [0]) and "made") == "made"
    assert backend.get_context("new") == {"n": [0]}
    stored = backend.read_context("new")
    backend.update_context("new", lambda c: c["n"].append(1))
    assert backend.read_context("new") is stored
    assert stored == {"n": [0, 1]}


def test_update_context_failure_on_new_id_stores_nothing():
    """CORE-88: a failed first update does not create the context."""
    backend = InMemoryContextBackend()

    def boom(context):
        context["x"] = [1]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        backend.update_context("a", boom)
    assert backend.list_context_ids() == []


def test_append_context_field_uses_history_semantics():
    """CORE-50/51: ordinary fields append to the history, reserved ones overwrite."""
    backend = InMemoryContextBackend()
    backend.append_context_field("a", "x", 1)
    backend.append_context_field("a", "x", 2)
    backend.append_context_field("a", "__flag__", "one")
    backend.append_context_field("a", "__flag__", "two")
    assert backend.get_context("a") == {"x": [1, 2], "__flag__": "two"}


def _hammer(update, threads: int = 8, rounds: int = 500) -> None:
    def work():
        for _ in range(rounds):
            update()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_update_context_is_atomic_across_threads():
    """CORE-89: 8 threads x 500 increments of one counter give exactly 4000."""
    backend = InMemoryContextBackend()

    def increment(context):
        context["n"] = context.get("n", 0) + 1

    _hammer(lambda: backend.update_context("a", increment))
    assert backend.get_context("a") == {"n": 4000}


def test_append_context_field_is_atomic_across_threads():
    """CORE-89: concurrent appends lose no history entry."""
    backend = InMemoryContextBackend()
    _hammer(lambda: backend.append_context_field("a", "x", 1), threads=4, rounds=250)
    assert len(backend.get_context("a")["x"]) == 1000


def test_context_cleanup_all():
    """CORE-90: cleanup_all clears everything."""
    backend = InMemoryContextBackend()
    backend.save_context("a", {"x": [1]})
    backend.cleanup_all()
    assert backend.get_context("a") == {}
    assert backend.list_context_ids() == []


# -- workflow ----------------------------------------------------------------


def test_workflow_unknown_and_roundtrip_with_copies():
    """CORE-88/90: unknown registry -> None, unknown name -> ""; copies on save and get."""
    backend = InMemoryWorkflowBackend()
    assert backend.get_workflows_registry("a") is None
    assert backend.get_current_workflow_name("a") == ""
    registry = {"main": {"A": {"node_type": "router", "event_triggers": ["START"]}}}
    backend.save_workflows_registry("a", registry)
    backend.save_current_workflow_name("a", "main")
    registry["main"]["A"]["event_triggers"].append("LATE")
    got = backend.get_workflows_registry("a")
    assert got == {"main": {"A": {"node_type": "router", "event_triggers": ["START"]}}}
    got["main"].clear()
    assert backend.get_workflows_registry("a")["main"]
    assert backend.get_current_workflow_name("a") == "main"


def test_workflows_version_changes_on_every_save():
    """CORE-88: the version changes whenever the registry or the current name is saved."""
    backend = InMemoryWorkflowBackend()
    seen = {backend.workflows_version("a")}
    backend.save_workflows_registry("a", {"w": {}})
    seen.add(backend.workflows_version("a"))
    backend.save_workflows_registry("a", {"w": {}})
    seen.add(backend.workflows_version("a"))
    backend.save_current_workflow_name("a", "w")
    seen.add(backend.workflows_version("a"))
    assert len(seen) == 4
    version = backend.workflows_version("a")
    backend.save_current_workflow_name("b", "w")  # other ids do not matter
    assert backend.workflows_version("a") == version


def test_workflows_version_never_repeats_after_cleanup():
    """CORE-90: versions are not reused after cleanup_all (the kernel caches by version)."""
    backend = InMemoryWorkflowBackend()
    backend.save_workflows_registry("a", {"old": {}})
    backend.save_current_workflow_name("a", "old")
    before = backend.workflows_version("a")
    backend.cleanup_all()
    assert backend.get_workflows_registry("a") is None
    assert backend.get_current_workflow_name("a") == ""
    backend.save_workflows_registry("a", {"new": {}})
    backend.save_current_workflow_name("a", "new")
    assert backend.workflows_version("a") != before


# -- telemetry ---------------------------------------------------------------


def test_telemetry_stores_flat_events_in_order():
    """CORE-81/83: {"event_type", **kwargs} per execution, in order; [] when unknown."""
    backend = InMemoryTelemetryBackend()
    assert backend.get_events("a") == []
    backend.log_event("a", "one", timestamp="t1", context={"k": 1})
    backend.log_event("a", "two", extra=5)
    backend.log_event("b", "other")
    assert backend.get_events("a") == [
        {"event_type": "one", "timestamp": "t1", "context": {"k": 1}},
        {"event_type": "two", "extra": 5},
    ]
    assert [e["event_type"] for e in backend.get_events("b")] == ["other"]


def test_telemetry_copies_payload_and_result():
    """CORE-89: neither the logged payload nor a returned list is shared."""
    backend = InMemoryTelemetryBackend()
    payload = {"items": [1]}
    backend.log_event("a", "e", context=payload)
    payload["items"].append(2)
    events = backend.get_events("a")
    events[0]["context"]["items"].append(3)
    events.append({"event_type": "fake"})
    assert backend.get_events("a") == [{"event_type": "e", "context": {"items": [1]}}]


def test_telemetry_accepts_non_serialisable_payload():
    """CORE-81: any payload can be logged in memory, even objects without deepcopy."""
    backend = InMemoryTelemetryBackend()
    lock = threading.Lock()  # cannot be deep-copied
    backend.log_event("a", "e", context={"lock": lock, "obj": object})
    assert backend.get_events("a")[0]["context"]["obj"] is object


def test_telemetry_cleanup_all():
    """CORE-90: cleanup_all clears every stream."""
    backend = InMemoryTelemetryBackend()
    backend.log_event("a", "e")
    backend.cleanup_all()
    assert backend.get_events("a") == []


# -- conversation history ----------------------------------------------------


def test_conversation_history_methods_and_copies():
    """CORE-88/89: get/append/save/delete; unknown key -> []; copies both ways."""
    backend = InMemoryConversationHistoryBackend()
    assert backend.get_conversation_history("k") == []
    entry = {"role": "user", "content": "hi"}
    backend.append_to_conversation_history("k", entry)
    entry["content"] = "changed"
    history = backend.get_conversation_history("k")
    assert history == [{"role": "user", "content": "hi"}]
    history.append({"role": "x"})
    assert len(backend.get_conversation_history("k")) == 1
    replacement = [{"role": "assistant", "content": "yo"}]
    backend.save_conversation_history("k", replacement)
    replacement.clear()
    assert backend.get_conversation_history("k") == [{"role": "assistant", "content": "yo"}]
    backend.delete_conversation_history("k")
    backend.delete_conversation_history("missing")
    assert backend.get_conversation_history("k") == []
    backend.append_to_conversation_history("k", {"role": "user"})
    backend.cleanup_all()
    assert backend.get_conversation_history("k") == []


# -- context schema ----------------------------------------------------------


def test_context_schema_methods_and_copies():
    """CORE-88/89: unknown -> None; delete returns whether it existed; copies."""
    backend = InMemoryContextSchemaBackend()
    assert backend.get_context_schema("a") is None
    schema = {"answer": {"type": "string"}}
    backend.save_context_schema("a", schema)
    schema["answer"]["type"] = "integer"
    got = backend.get_context_schema("a")
    assert got == {"answer": {"type": "string"}}
    got["answer"]["type"] = "boolean"
    assert backend.get_context_schema("a") == {"answer": {"type": "string"}}
    assert backend.delete_context_schema("a") is True
    assert backend.delete_context_schema("a") is False
    backend.save_context_schema("b", {})
    backend.cleanup_all()
    assert backend.get_context_schema("b") is None


# -- identity ----------------------------------------------------------------


def test_identity_methods_and_copies():
    """CORE-88/89: unknown -> None; get_identity; delete returns bool; copies."""
    backend = InMemoryIdentityBackend()
    assert backend.get_identities("a") is None
    assert backend.get_identity("a", "bot") is None
    identities = {"bot": "You are a bot."}
    backend.save_identities("a", identities)
    identities["bot"] = "changed"
    got = backend.get_identities("a")
    assert got == {"bot": "You are a bot."}
    got["evil"] = "x"
    assert backend.get_identities("a") == {"bot": "You are a bot."}
    assert backend.get_identity("a", "bot") == "You are a bot."
    assert backend.get_identity("a", "missing") is None
    assert backend.delete_identities("a") is True
    assert backend.delete_identities("a") is False
    backend.save_identities("b", {"x": "y"})
    backend.cleanup_all()
    assert backend.get_identities("b") is None


# -- container -----------------------------------------------------------------


def test_container_cleanup_all_clears_every_backend():
    """CORE-87/90: LocalBackends.cleanup_all() reaches all six backends."""
    backends = open_memory("memory://")
    backends.context.save_context("a", {"x": [1]})
    backends.workflow.save_workflows_registry("a", {"w": {}})
    backends.workflow.save_current_workflow_name("a", "w")
    backends.telemetry.log_event("a", "e")
    backends.conversation_history.append_to_conversation_history("a", {"role": "user"})
    backends.context_schema.save_context_schema("a", {"x": {}})
    backends.identity.save_identities("a", {"bot": "hi"})
    backends.cleanup_all()
    assert backends.context.get_context("a") == {}
    assert backends.workflow.get_workflows_registry("a") is None
    assert backends.workflow.get_current_workflow_name("a") == ""
    assert backends.telemetry.get_events("a") == []
    assert backends.conversation_history.get_conversation_history("a") == []
    assert backends.context_schema.get_context_schema("a") is None
    assert backends.identity.get_identities("a") is None
