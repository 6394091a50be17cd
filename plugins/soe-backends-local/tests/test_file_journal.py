"""The file store's journal and delete capabilities (CORE-87, CORE-88, CORE-91).

The protocol itself is covered by ``JournalContract`` in test_contract.py;
these are the file specifics: several processes, the files left behind, the
original factory without a journal.
"""

from __future__ import annotations

import json
import multiprocessing

from soe_backends_local import FileJournal, create_local_backends, open_files

from soe_core import create_all_nodes, orchestrate
from soe_core.retention import prune

# run by exec() in a spawned process: test modules are not importable there
_COMMITTER = """
import json
from soe_backends_local import FileJournal
journal = FileJournal(folder)
got = []
for n in range(60):
    tree = "shared" if n % 2 else "own-" + name
    got.extend(journal.commit(tree, None, [("e-" + name, {"n": n}), ("e-" + name, {"n": n})]))
with open(out, "w") as handle:
    json.dump(got, handle)
"""


def test_ids_are_unique_and_increasing_across_processes(tmp_path):
    """Two processes share one journal folder: no id is handed out twice."""
    folder = tmp_path / "journal"
    spawn = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"ids-{name}.json" for name in ("a", "b")]
    workers = [
        spawn.Process(
            target=exec,
            args=(_COMMITTER, {"folder": str(folder), "name": name, "out": str(out)}),
        )
        for name, out in zip(("a", "b"), outs, strict=True)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    per_process = [json.loads(out.read_text()) for out in outs]
    for ids in per_process:
        assert ids == sorted(ids) and len(ids) == 120
    every = per_process[0] + per_process[1]
    assert len(set(every)) == 240
    journal = FileJournal(folder)
    shared = journal.pending("shared")
    assert len(shared) == 120
    assert [job.id for job in shared] == sorted(job.id for job in shared)
    assert {job.execution_id for job in shared} == {"e-a", "e-b"}
    assert len(journal.pending("own-a")) == len(journal.pending("own-b")) == 60


def test_files_left_behind(tmp_path):
    """An empty tree leaves no file; cleanup_all keeps the counter, so ids keep growing."""
    journal = FileJournal(tmp_path)
    (first,) = journal.commit("tree", None, [("e", {"n": 1})])
    assert (tmp_path / "pending" / "tree.json").exists()
    assert journal.commit("tree", first, []) == []
    assert not (tmp_path / "pending" / "tree.json").exists()
    assert journal.pending("tree") == []
    journal.record_execution("e", {"status": "idle", "created": "2026-01"})
    journal.commit("tree", None, [("e", {"n": 2})])
    journal.cleanup_all()
    assert journal.executions() == [] and journal.pending("tree") == []
    (after,) = journal.commit("tree", None, [("e", {"n": 3})])
    assert after > first + 1


def test_forget_without_a_summary_looks_in_every_tree(tmp_path):
    journal = FileJournal(tmp_path)
    journal.commit("t1", None, [("gone", {}), ("kept", {})])
    journal.commit("t2", None, [("gone", {})])
    journal.forget("gone")
    assert [job.execution_id for job in journal.pending("t1")] == ["kept"]
    assert journal.pending("t2") == []


CHILDREN = """
main:
  Spawn: {node_type: child, event_triggers: [START], child_workflow_name: worker,
          child_initial_signals: [GO], fan_out_field: jobs, child_input_field: job,
          signals_to_parent: [DONE]}
worker:
  Work: {node_type: router, event_triggers: [GO], event_emissions: [{signal_name: DONE}]}
"""


def test_original_factory_prunes_without_a_journal(tmp_path, monkeypatch):
    """create_local_backends() keeps no journal; prune finds children through the contexts."""
    monkeypatch.chdir(tmp_path)
    backends = create_local_backends(telemetry_storage_dir="./orchestration_data/telemetry")
    assert backends.journal is None
    _nodes, broadcast = create_all_nodes(backends)
    root = orchestrate(CHILDREN, "main", ["START"], {"jobs": [1, 2]}, backends, broadcast)
    kept = orchestrate(CHILDREN, "main", ["START"], {"jobs": [3]}, backends, broadcast)
    backends.conversation_history.append_to_conversation_history(root, {"role": "user"})
    backends.context_schema.save_context_schema(root, {"jobs": {"type": "list"}})
    backends.identity.save_identities(root, {"bot": "hi"})
    deleted = prune(backends, [root])
    assert deleted[0] == root and len(deleted) == 3
    data = tmp_path / "orchestration_data"
    # lock files stay: another process may be waiting on one
    left = sorted(p.name for p in data.rglob("*") if p.is_file() and p.suffix != ".lock")
    # only the kept execution and its child remain, whatever the backend
    child_of_kept = [i for i in backends.context.list_context_ids() if i != kept]
    assert len(child_of_kept) == 1
    assert all(any(i in name for i in (kept, child_of_kept[0])) for name in left), left
    assert not any(i in name for name in left for i in deleted)


def test_original_factory_with_a_journal_folder(tmp_path):
    backends = create_local_backends(
        context_storage_dir=str(tmp_path / "c"),
        workflow_storage_dir=str(tmp_path / "w"),
        journal_storage_dir=str(tmp_path / "j"),
    )
    assert isinstance(backends.journal, FileJournal)
    assert backends.journal.storage_dir == tmp_path / "j"


def test_open_files_without_a_journal(tmp_path):
    backends = open_files(f"file://{tmp_path}", journal_storage_dir=None)
    assert backends.journal is None
    assert not (tmp_path / "journal").exists()


def test_file_deletes(tmp_path):
    """CORE-88: delete_context, delete_workflows and delete_events remove the files of one id."""
    backends = open_files(f"file://{tmp_path}")
    for eid in ("a", "b"):
        backends.context.save_context(eid, {"x": [1]})
        backends.workflow.save_workflows_registry(eid, {"w": {}})
        backends.workflow.save_current_workflow_name(eid, "w")
        backends.telemetry.log_event(eid, "e")
    version = backends.workflow.workflows_version("a")
    backends.context.delete_context("a")
    backends.workflow.delete_workflows("a")
    backends.telemetry.delete_events("a")
    backends.context.delete_context("never")  # deleting nothing is fine
    assert backends.context.get_context("a") == {}
    assert backends.workflow.get_workflows_registry("a") is None
    assert backends.workflow.get_current_workflow_name("a") == ""
    assert backends.workflow.workflows_version("a") != version
    assert backends.telemetry.get_events("a") == []
    assert backends.context.list_context_ids() == ["b"]
    assert backends.telemetry.get_events("b") != []
