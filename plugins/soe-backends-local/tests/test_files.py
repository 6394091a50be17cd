"""File backends: CORE-87, CORE-88, CORE-89, CORE-91, CORE-92."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
import yaml
from soe_backends_local import (
    FileJournal,
    LocalContextBackend,
    LocalContextSchemaBackend,
    LocalConversationHistoryBackend,
    LocalIdentityBackend,
    LocalTelemetryBackend,
    LocalWorkflowBackend,
    create_local_backends,
    open_files,
    safe_id,
)

from soe_core.backends import LocalBackends
from soe_core.errors import UnsafeIdentifierError

SUBFOLDERS = ["contexts", "workflows", "telemetry", "conversations", "schemas", "identities"]


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# -- ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "good", [str(uuid.uuid4()), "run-1", "a_b.c", "user@example.com", "job:42", "a+b=c"]
)
def test_safe_id_accepts_ordinary_ids(good):
    """CORE-92: uuids and ordinary ids pass unchanged."""
    assert safe_id(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        None,
        42,
        "../x",
        "a/b",
        "a\\b",
        "/etc/passwd",
        "C:\\x",
        "..",
        ".hidden",
        "a..b",
        "nul\x00",
        "sp ace",
        "new\nline",
        "é",
        "a*b",
    ],
)
def test_safe_id_rejects_unsafe_ids(bad):
    """CORE-92: separators, '..', leading dots, NUL and odd characters are refused."""
    with pytest.raises(UnsafeIdentifierError):
        safe_id(bad)
    with pytest.raises(ValueError):  # also catchable as ValueError
        safe_id(bad)


@pytest.mark.parametrize("bad", ["../x", "a/b", "/tmp/abs", "..\\x"])
def test_every_file_backend_rejects_traversal(tmp_path, bad):
    """CORE-92: no file backend writes outside its folder for a hostile id."""
    backends = open_files(f"file://{tmp_path / 'data'}")
    calls = [
        lambda: backends.context.save_context(bad, {}),
        lambda: backends.context.get_context(bad),
        lambda: backends.context.update_context(bad, lambda c: None),
        lambda: backends.context.append_context_field(bad, "x", 1),
        lambda: backends.workflow.save_workflows_registry(bad, {}),
        lambda: backends.workflow.get_workflows_registry(bad),
        lambda: backends.workflow.save_current_workflow_name(bad, "w"),
        lambda: backends.workflow.get_current_workflow_name(bad),
        lambda: backends.workflow.workflows_version(bad),
        lambda: backends.telemetry.log_event(bad, "e"),
        lambda: backends.telemetry.get_events(bad),
        lambda: backends.conversation_history.append_to_conversation_history(bad, {}),
        lambda: backends.conversation_history.save_conversation_history(bad, []),
        lambda: backends.conversation_history.get_conversation_history(bad),
        lambda: backends.conversation_history.delete_conversation_history(bad),
        lambda: backends.context_schema.save_context_schema(bad, {}),
        lambda: backends.context_schema.get_context_schema(bad),
        lambda: backends.context_schema.delete_context_schema(bad),
        lambda: backends.identity.save_identities(bad, {}),
        lambda: backends.identity.get_identities(bad),
        lambda: backends.identity.get_identity(bad, "x"),
        lambda: backends.identity.delete_identities(bad),
    ]
    for call in calls:
        with pytest.raises(UnsafeIdentifierError):
            call()
    outside = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert outside == []


# -- opening -----------------------------------------------------------------


def test_open_files_with_absolute_dir_creates_six_subfolders(tmp_path):
    """CORE-91: file:///abs/DIR gives all six backends, telemetry enabled, and a journal."""
    base = tmp_path / "deep" / "data"
    backends = open_files(f"file://{base}")
    assert isinstance(backends, LocalBackends)
    assert sorted(p.name for p in base.iterdir()) == sorted([*SUBFOLDERS, "journal"])
    assert isinstance(backends.journal, FileJournal)
    assert backends.journal.storage_dir == base / "journal"
    assert isinstance(backends.telemetry, LocalTelemetryBackend)
    assert backends.context.storage_dir == base / "contexts"
    assert isinstance(backends.context.storage_dir, Path)
    for backend, sub in zip(backends.all(), SUBFOLDERS, strict=True):
        assert backend.storage_dir == base / sub


def test_open_files_with_relative_dir(tmp_path, monkeypatch):
    """CORE-91: file://./data is relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    backends = open_files("file://./data")
    backends.context.save_context("a", {"x": [1]})
    assert (tmp_path / "data" / "contexts" / "a.json").exists()


def test_open_files_with_explicit_folders(tmp_path):
    """CORE-91: file:// plus *_storage_dir options; None/empty disables optional ones."""
    backends = open_files(
        "file://",
        context_storage_dir=str(tmp_path / "c"),
        workflow_storage_dir=tmp_path / "w",
        telemetry_storage_dir=None,
        conversation_history_storage_dir="",
        context_schema_storage_dir=str(tmp_path / "s"),
        identity_storage_dir=None,
    )
    assert backends.telemetry is None
    assert backends.conversation_history is None
    assert backends.identity is None
    assert isinstance(backends.context_schema, LocalContextSchemaBackend)
    assert backends.workflow.storage_dir == tmp_path / "w"


def test_open_files_errors(tmp_path):
    """CORE-91: context and workflow folders are required; unknown options are refused."""
    with pytest.raises(ValueError):
        open_files("file://")
    with pytest.raises(ValueError):
        open_files(f"file://{tmp_path}", context_storage_dir=None)
    with pytest.raises(TypeError):
        open_files(f"file://{tmp_path}", schema_storage_dir="x")
    with pytest.raises(ValueError):
        open_files("memory://")


def test_create_local_backends_defaults(tmp_path, monkeypatch):
    """CORE-91: original defaults under ./orchestration_data, telemetry off."""
    monkeypatch.chdir(tmp_path)
    backends = create_local_backends()
    assert backends.telemetry is None
    assert backends.journal is None  # the original factory keeps no journal
    root = tmp_path / "orchestration_data"
    assert sorted(p.name for p in root.iterdir()) == sorted(
        ["contexts", "workflows", "conversations", "schemas", "identities"]
    )


def test_each_backend_creates_its_folder_with_parents(tmp_path):
    """CORE-91: every backend creates its directory, parents included."""
    classes = [
        LocalContextBackend,
        LocalWorkflowBackend,
        LocalTelemetryBackend,
        LocalConversationHistoryBackend,
        LocalContextSchemaBackend,
        LocalIdentityBackend,
    ]
    for number, cls in enumerate(classes):
        folder = tmp_path / str(number) / "nested"
        backend = cls(str(folder))
        assert folder.is_dir() and backend.storage_dir == folder


# -- context -----------------------------------------------------------------


def test_context_file_format_and_roundtrip(tmp_path):
    """CORE-91: <id>.json, JSON indent 2, non-serialisable values stringified."""
    backend = LocalContextBackend(tmp_path)
    assert backend.get_context("a") == {}
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    backend.save_context("a", {"x": [1], "when": [when], "__r__": {"k": "v"}})
    path = tmp_path / "a.json"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(
        {"x": [1], "when": [str(when)], "__r__": {"k": "v"}}, indent=2, ensure_ascii=False
    )
    assert backend.get_context("a") == {"x": [1], "when": [str(when)], "__r__": {"k": "v"}}
    assert backend.read_context("a") == backend.get_context("a")
    assert no_temp_files(tmp_path)


def test_context_gets_are_private_copies(tmp_path):
    """CORE-89: changing a returned context never changes what is stored."""
    backend = LocalContextBackend(tmp_path)
    backend.save_context("a", {"x": [1]})
    backend.get_context("a")["x"].append(2)
    backend.read_context("a")["x"].append(3)
    assert backend.get_context("a") == {"x": [1]}


def test_context_update_and_append(tmp_path):
    """CORE-91: update_context persists and returns mutate's result; append uses set_field."""
    backend = LocalContextBackend(tmp_path)
    assert backend.update_context("a", lambda c: c.setdefault("n", [0]) and "ok") == "ok"
    backend.append_context_field("a", "n", 1)
    backend.append_context_field("a", "__r__", "raw")
    backend.append_context_field("a", "__r__", "raw2")
    assert backend.get_context("a") == {"n": [0, 1], "__r__": "raw2"}
    assert json.loads((tmp_path / "a.json").read_text()) == {"n": [0, 1], "__r__": "raw2"}
    assert no_temp_files(tmp_path)


def test_context_update_failure_leaves_file_untouched(tmp_path):
    """CORE-91: a failing mutate writes nothing."""
    backend = LocalContextBackend(tmp_path)
    backend.save_context("a", {"x": [1]})

    def boom(context):
        context["x"].append(2)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        backend.update_context("a", boom)
    assert backend.get_context("a") == {"x": [1]}


def test_context_update_may_save_same_id_reentrantly(tmp_path):
    """CORE-91: a mutate calling save_context for its own id must not deadlock."""
    backend = LocalContextBackend(tmp_path)

    def nested(context):
        backend.save_context("a", {"inner": [1]})
        context["outer"] = [1]

    backend.update_context("a", nested)
    assert backend.get_context("a") == {"outer": [1]}


def _hammer(update, threads: int = 8, rounds: int = 500) -> None:
    def work():
        for _ in range(rounds):
            update()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_context_update_is_atomic_across_threads(tmp_path):
    """CORE-91: 8 threads x 500 increments of one counter give exactly 4000."""
    backend = LocalContextBackend(tmp_path)

    def increment(context):
        context["n"] = context.get("n", 0) + 1

    _hammer(lambda: backend.update_context("a", increment))
    assert backend.get_context("a") == {"n": 4000}
    assert no_temp_files(tmp_path)


def test_context_update_is_atomic_across_processes(tmp_path):
    """CORE-91: two processes (and two backend objects) sharing a folder lose no update."""
    script = textwrap.dedent(
        f"""
        from soe_backends_local import LocalContextBackend
        backend = LocalContextBackend({str(tmp_path)!r})
        def increment(context):
            context["n"] = context.get("n", 0) + 1
        for _ in range(200):
            backend.update_context("shared", increment)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    children = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
    local = LocalContextBackend(tmp_path)

    def increment(context):
        context["n"] = context.get("n", 0) + 1

    for _ in range(200):
        local.update_context("shared", increment)
    assert [child.wait(timeout=120) for child in children] == [0, 0]
    assert local.get_context("shared") == {"n": 600}


def test_context_list_ids_and_cleanup(tmp_path):
    """CORE-91: list_context_ids lists <id>.json only; cleanup_all removes *.json."""
    backend = LocalContextBackend(tmp_path)
    backend.save_context("b", {})
    backend.update_context("a", lambda c: None)
    (tmp_path / "notes.txt").write_text("keep")
    assert backend.list_context_ids() == ["a", "b"]
    backend.cleanup_all()
    assert backend.list_context_ids() == []
    assert backend.get_context("a") == {}
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# -- workflow ----------------------------------------------------------------


def test_workflow_files_and_roundtrip(tmp_path):
    """CORE-91: <id>_workflows.json and <id>_current.txt (read back stripped)."""
    backend = LocalWorkflowBackend(tmp_path)
    assert backend.get_workflows_registry("a") is None
    assert backend.get_current_workflow_name("a") == ""
    registry = {"main": {"A": {"node_type": "router", "event_triggers": ["START"]}}}
    backend.save_workflows_registry("a", registry)
    backend.save_current_workflow_name("a", "main")
    assert json.loads((tmp_path / "a_workflows.json").read_text()) == registry
    assert (tmp_path / "a_current.txt").read_text() == "main"
    (tmp_path / "a_current.txt").write_text("  main\n")
    assert backend.get_current_workflow_name("a") == "main"
    got = backend.get_workflows_registry("a")
    got["main"].clear()
    assert backend.get_workflows_registry("a") == registry
    assert no_temp_files(tmp_path)


def test_workflows_version_changes_on_every_save(tmp_path):
    """CORE-91: the version changes on each save, even twice in one mtime tick."""
    backend = LocalWorkflowBackend(tmp_path)
    seen = {backend.workflows_version("a")}
    for _ in range(3):
        backend.save_workflows_registry("a", {"w": {}})  # same size every time
        seen.add(backend.workflows_version("a"))
        backend.save_current_workflow_name("a", "w")
        seen.add(backend.workflows_version("a"))
    assert len(seen) == 7
    hash(backend.workflows_version("a"))


def test_workflows_version_sees_saves_from_another_backend_object(tmp_path):
    """CORE-91: a save by another process (here: another object) changes the version."""
    reader = LocalWorkflowBackend(tmp_path)
    writer = LocalWorkflowBackend(tmp_path)
    writer.save_workflows_registry("a", {"w": {}})
    before = reader.workflows_version("a")
    writer.save_workflows_registry("a", {"w": {"A": {}}})
    assert reader.workflows_version("a") != before


def test_workflow_cleanup_all(tmp_path):
    """CORE-91: cleanup_all removes *_workflows.json and *_current.txt only."""
    backend = LocalWorkflowBackend(tmp_path)
    backend.save_workflows_registry("a", {"w": {}})
    backend.save_current_workflow_name("a", "w")
    (tmp_path / "other.json").write_text("{}")
    before = backend.workflows_version("a")
    backend.cleanup_all()
    assert backend.get_workflows_registry("a") is None
    assert backend.get_current_workflow_name("a") == ""
    assert backend.workflows_version("a") != before
    assert [p.name for p in tmp_path.iterdir()] == ["other.json"]


# -- telemetry ---------------------------------------------------------------


def test_telemetry_jsonl_append_and_read(tmp_path):
    """CORE-81/83/91: one JSON object per line, appended, in order; [] if unknown."""
    backend = LocalTelemetryBackend(tmp_path)
    assert backend.get_events("a") == []
    backend.log_event("a", "one", timestamp="t", context={"k": 1})
    backend.log_event("a", "two", extra=[1, 2])
    lines = (tmp_path / "a.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"event_type": "one", "timestamp": "t", "context": {"k": 1}},
        {"event_type": "two", "extra": [1, 2]},
    ]
    assert backend.get_events("a") == [json.loads(line) for line in lines]


def test_telemetry_non_serialisable_payload_is_stringified(tmp_path):
    """CORE-91: values JSON cannot hold are stored as text, the event is not lost."""
    backend = LocalTelemetryBackend(tmp_path)
    marker = object()
    backend.log_event("a", "e", context={"obj": marker, "when": datetime.date(2024, 5, 6)})
    [event] = backend.get_events("a")
    assert event["context"] == {"obj": str(marker), "when": "2024-05-06"}


def test_telemetry_skips_blank_and_invalid_lines(tmp_path):
    """CORE-91: blank and broken lines are skipped on read."""
    backend = LocalTelemetryBackend(tmp_path)
    backend.log_event("a", "one")
    with open(tmp_path / "a.jsonl", "a", encoding="utf-8") as handle:
        handle.write("\n   \n{broken\n[1, 2]\n")
    backend.log_event("a", "two")
    assert [e["event_type"] for e in backend.get_events("a")] == ["one", "two"]


def test_telemetry_concurrent_appends_keep_whole_lines(tmp_path):
    """CORE-91: concurrent log_event calls never interleave inside a line."""
    backend = LocalTelemetryBackend(tmp_path)
    _hammer(lambda: backend.log_event("a", "e", context={"pad": "x" * 300}), threads=4, rounds=100)
    assert len(backend.get_events("a")) == 400


def test_telemetry_cleanup_all(tmp_path):
    """CORE-91: cleanup_all removes *.jsonl."""
    backend = LocalTelemetryBackend(tmp_path)
    backend.log_event("a", "e")
    backend.cleanup_all()
    assert backend.get_events("a") == []
    assert list(tmp_path.iterdir()) == []


# -- conversation history ----------------------------------------------------


def test_conversation_history_methods(tmp_path):
    """CORE-88/91: <key>.json list; append = read, append, rewrite; unknown -> []."""
    backend = LocalConversationHistoryBackend(tmp_path)
    assert backend.get_conversation_history("k") == []
    backend.append_to_conversation_history("k", {"role": "user", "content": "hi"})
    backend.append_to_conversation_history("k", {"role": "assistant", "content": "yo"})
    path = tmp_path / "k.json"
    assert json.loads(path.read_text()) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "yo"},
    ]
    history = backend.get_conversation_history("k")
    history.clear()
    assert len(backend.get_conversation_history("k")) == 2
    backend.save_conversation_history("k", [{"role": "system"}])
    assert backend.get_conversation_history("k") == [{"role": "system"}]
    backend.delete_conversation_history("k")
    backend.delete_conversation_history("never")
    assert backend.get_conversation_history("k") == []
    assert no_temp_files(tmp_path)


def test_conversation_concurrent_appends(tmp_path):
    """CORE-91: concurrent appends lose no entry."""
    backend = LocalConversationHistoryBackend(tmp_path)
    _hammer(lambda: backend.append_to_conversation_history("k", {"r": 1}), threads=4, rounds=50)
    assert len(backend.get_conversation_history("k")) == 200


def test_conversation_cleanup_all(tmp_path):
    """CORE-91: cleanup_all removes *.json."""
    backend = LocalConversationHistoryBackend(tmp_path)
    backend.append_to_conversation_history("k", {"r": 1})
    backend.cleanup_all()
    assert backend.get_conversation_history("k") == []
    assert list(tmp_path.iterdir()) == []


# -- context schema ----------------------------------------------------------


def test_context_schema_yaml_and_delete(tmp_path):
    """CORE-91: <id>.yaml in block style; delete is True only if the file existed."""
    backend = LocalContextSchemaBackend(tmp_path)
    assert backend.get_context_schema("a") is None
    schema = {"answer": {"type": "string", "description": "the answer"}}
    backend.save_context_schema("a", schema)
    text = (tmp_path / "a.yaml").read_text()
    assert "{" not in text and yaml.safe_load(text) == schema
    assert backend.get_context_schema("a") == schema
    assert backend.delete_context_schema("a") is True
    assert backend.delete_context_schema("a") is False
    assert backend.get_context_schema("a") is None
    assert no_temp_files(tmp_path)


def test_context_schema_has_no_stale_cache(tmp_path):
    """CORE-91: a write by another process (another object) is seen immediately."""
    first = LocalContextSchemaBackend(tmp_path)
    second = LocalContextSchemaBackend(tmp_path)
    first.save_context_schema("a", {"x": {"type": "string"}})
    assert second.get_context_schema("a") == {"x": {"type": "string"}}
    second.save_context_schema("a", {"x": {"type": "integer"}})
    assert first.get_context_schema("a") == {"x": {"type": "integer"}}
    second.delete_context_schema("a")
    assert first.get_context_schema("a") is None


def test_context_schema_cleanup_all_recreates_folder(tmp_path):
    """CORE-91: cleanup_all empties and recreates the folder."""
    folder = tmp_path / "schemas"
    backend = LocalContextSchemaBackend(folder)
    backend.save_context_schema("a", {"x": {}})
    backend.cleanup_all()
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert backend.get_context_schema("a") is None


# -- identity ----------------------------------------------------------------


def test_identity_yaml_and_methods(tmp_path):
    """CORE-88/91: <id>.yaml; get_identities/get_identity; delete returns bool."""
    backend = LocalIdentityBackend(tmp_path)
    assert backend.get_identities("a") is None
    assert backend.get_identity("a", "bot") is None
    identities = {"bot": "You are a bot.\nBe brief.", "critic": "Be harsh."}
    backend.save_identities("a", identities)
    text = (tmp_path / "a.yaml").read_text()
    assert yaml.safe_load(text) == identities and not text.startswith("{")
    assert backend.get_identities("a") == identities
    assert backend.get_identity("a", "critic") == "Be harsh."
    assert backend.get_identity("a", "missing") is None
    other = LocalIdentityBackend(tmp_path)  # no stale cache between objects
    other.save_identities("a", {"bot": "new"})
    assert backend.get_identity("a", "bot") == "new"
    assert backend.delete_identities("a") is True
    assert backend.delete_identities("a") is False
    assert no_temp_files(tmp_path)


def test_identity_cleanup_all(tmp_path):
    """CORE-91: cleanup_all removes *.yaml."""
    backend = LocalIdentityBackend(tmp_path)
    backend.save_identities("a", {"bot": "hi"})
    backend.cleanup_all()
    assert backend.get_identities("a") is None
    assert list(tmp_path.iterdir()) == []


# -- atomic writes and the container ------------------------------------------


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    """CORE-91: a write that fails before the rename keeps the old file, no temp left."""
    backend = LocalContextBackend(tmp_path)
    backend.save_context("a", {"x": [1]})

    def broken_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        backend.save_context("a", {"x": [2]})
    monkeypatch.undo()
    assert backend.get_context("a") == {"x": [1]}
    assert no_temp_files(tmp_path)


def test_container_cleanup_all_and_no_temp_files(tmp_path):
    """CORE-87/91: LocalBackends.cleanup_all() empties all six backends; no temp files."""
    backends = open_files(f"file://{tmp_path}")
    eid = str(uuid.uuid4())
    backends.context.save_context(eid, {"x": [1]})
    backends.context.update_context(eid, lambda c: c.update(y=[2]))
    backends.workflow.save_workflows_registry(eid, {"w": {}})
    backends.workflow.save_current_workflow_name(eid, "w")
    backends.telemetry.log_event(eid, "e")
    backends.conversation_history.append_to_conversation_history(eid, {"role": "user"})
    backends.context_schema.save_context_schema(eid, {"x": {}})
    backends.identity.save_identities(eid, {"bot": "hi"})
    assert no_temp_files(tmp_path)
    backends.cleanup_all()
    assert backends.context.get_context(eid) == {}
    assert backends.workflow.get_workflows_registry(eid) is None
    assert backends.workflow.get_current_workflow_name(eid) == ""
    assert backends.telemetry.get_events(eid) == []
    assert backends.conversation_history.get_conversation_history(eid) == []
    assert backends.context_schema.get_context_schema(eid) is None
    assert backends.identity.get_identities(eid) is None
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# -- through the engine --------------------------------------------------------

LOOP = """
main:
  Start:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: NEXT
  Loop:
    node_type: router
    event_triggers: [NEXT, AGAIN]
    event_emissions:
      - signal_name: AGAIN
        condition: "{{ context.__operational__.nodes.Loop < context.limit }}"
"""


def test_engine_gives_identical_results_on_memory_and_files(tmp_path):
    """CORE-89: the same workflow yields the same context and events on both backends."""
    from soe_core import create_all_nodes, get_registry, open_backends, orchestrate

    if get_registry().node_type("router") is None:
        pytest.skip("the router node type (soe-nodes-core) is not installed")
    outcomes = []
    for url in ["memory://", f"file://{tmp_path}"]:
        backends = open_backends(url)
        _nodes, broadcast = create_all_nodes(backends)
        execution_id = orchestrate(LOOP, "main", ["START"], {"limit": 20}, backends, broadcast)
        context = backends.context.get_context(execution_id)
        operational = context.pop("__operational__")
        events = [event["event_type"] for event in backends.telemetry.get_events(execution_id)]
        outcomes.append((context, operational["nodes"], operational["signals"], events))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == {"Start": 1, "Loop": 20}
    assert no_temp_files(tmp_path)
