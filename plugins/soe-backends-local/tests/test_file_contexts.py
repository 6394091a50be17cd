"""The file context store's snapshot + change log: CORE-50, CORE-51, CORE-89, CORE-91.

Large contexts take changes in ``<id>.log`` (one JSON line each) instead of
rewriting ``<id>.json``; these tests pin the layout, compaction, crash
safety (a torn last line, a log left behind by a crash, a copied folder)
and that the fold gives exactly what the kernel's semantics give in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from soe_backends_local import LocalContextBackend, context_log, open_files, open_memory

from soe_core.operational import new_operational_state
from soe_core.store import contexts

SMALL = 512  # inline_bytes for these tests: a few entries make a context "large"


def large_backend(folder) -> LocalContextBackend:
    backend = LocalContextBackend(folder)
    backend.inline_bytes = SMALL
    return backend


def big_context() -> dict:
    return {"pad": ["p" * SMALL], "x": [0], "__operational__": new_operational_state("a", {})}


def log_lines(folder, key: str = "a") -> list:
    return [json.loads(line) for line in (folder / f"{key}.log").read_bytes().splitlines()]


# -- layout -------------------------------------------------------------------


def test_small_context_stays_one_complete_json_file(tmp_path):
    """CORE-91: below inline_bytes every change rewrites <id>.json, which stays the context."""
    backend = LocalContextBackend(tmp_path)
    backend.save_context("a", {"x": [0], "__operational__": new_operational_state("a", {})})
    backend.append_context_field("a", "x", 1)
    backend.extend_operational_signals("a", ["START"])
    backend.increment_operational("a", "llm_calls")
    backend.increment_operational("a", "nodes", "N")
    on_disk = json.loads((tmp_path / "a.json").read_text())
    assert on_disk == backend.get_context("a")
    assert on_disk["x"] == [0, 1] and on_disk["__operational__"]["signals"] == ["START"]
    assert on_disk["__operational__"]["nodes"] == {"N": 1}
    assert not (tmp_path / "a.log").exists()


def test_large_context_appends_one_line_and_leaves_the_snapshot(tmp_path):
    """CORE-50/91: an append to a large context writes one log line, not the whole context."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    snapshot = (tmp_path / "a.json").stat()
    header = log_lines(tmp_path)
    assert len(header) == 1 and set(header[0]) == {"snapshot_blake2b", "snapshot_stat"}

    backend.append_context_field("a", "x", {"k": [1]})
    backend.append_context_field("a", "__raw__", "r")
    backend.extend_operational_signals("a", ["START", "NEXT"])
    backend.increment_operational("a", "tool_calls")
    backend.increment_operational("a", "nodes", "N")

    after = (tmp_path / "a.json").stat()
    assert (after.st_ino, after.st_mtime_ns) == (snapshot.st_ino, snapshot.st_mtime_ns)
    assert log_lines(tmp_path)[1:] == [
        ["field", "x", {"k": [1]}],
        ["field", "__raw__", "r"],
        ["signals", ["START", "NEXT"]],
        ["count", "tool_calls"],
        ["node", "N"],
    ]
    got = backend.get_context("a")
    assert got["x"] == [0, {"k": [1]}] and got["__raw__"] == "r"
    operational = got["__operational__"]
    assert operational["signals"] == ["START", "NEXT"] and operational["tool_calls"] == 1
    assert operational["nodes"] == {"N": 1}
    assert backend.read_context("a") == got


def test_log_is_compacted_once_it_outgrows_the_snapshot(tmp_path):
    """CORE-91: a grown log is folded into a new snapshot and restarted, nothing lost."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    for number in range(1, 200):
        backend.append_context_field("a", "x", number)
    folded = json.loads((tmp_path / "a.json").read_text())["x"]
    assert len(folded) > 100 and folded == list(range(len(folded)))  # compacted
    assert (tmp_path / "a.log").stat().st_size <= (tmp_path / "a.json").stat().st_size + 64
    assert backend.get_context("a")["x"] == list(range(200))
    backend.save_context("a", {"x": [1]})  # small again: the log goes
    assert not (tmp_path / "a.log").exists()
    assert backend.get_context("a") == {"x": [1]}


def test_delete_and_cleanup_remove_the_log(tmp_path):
    """CORE-91: delete_context and cleanup_all remove <id>.log along with <id>.json."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    backend.save_context("b", big_context())
    backend.append_context_field("a", "x", 1)
    backend.delete_context("a")
    assert backend.get_context("a") == {} and not (tmp_path / "a.log").exists()
    assert backend.list_context_ids() == ["b"]
    backend.cleanup_all()
    assert list(tmp_path.iterdir()) == []


# -- crashes --------------------------------------------------------------------


def test_torn_last_line_is_ignored_then_cut_by_the_next_writer(tmp_path):
    """CORE-91: a line cut short by a crash is not read, and the next append removes it."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    backend.append_context_field("a", "x", 1)
    with open(tmp_path / "a.log", "ab") as log:
        log.write(b'["field","x",[99')  # the crash
    assert backend.get_context("a")["x"] == [0, 1]
    backend.append_context_field("a", "x", 2)
    assert backend.get_context("a")["x"] == [0, 1, 2]
    assert log_lines(tmp_path)[1:] == [["field", "x", 1], ["field", "x", 2]]


def test_log_left_by_a_crash_during_compaction_is_ignored(tmp_path):
    """CORE-91: a crash after the new snapshot but before the log restart loses nothing
    and applies nothing twice."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    backend.append_context_field("a", "x", 1)
    old_log = (tmp_path / "a.log").read_bytes()
    backend.update_context("a", lambda context: context["x"].append(2))  # rewrites both
    (tmp_path / "a.log").write_bytes(old_log)  # as if the process died in between
    assert backend.get_context("a")["x"] == [0, 1, 2]
    backend.append_context_field("a", "x", 3)
    assert backend.get_context("a")["x"] == [0, 1, 2, 3]


def test_copied_folder_reads_and_writes_the_same(tmp_path):
    """CORE-91: a copy of the folder (new inodes) keeps its logged changes."""
    backend = large_backend(tmp_path / "one")
    backend.save_context("a", big_context())
    for number in (1, 2):
        backend.append_context_field("a", "x", number)
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    copy = large_backend(tmp_path / "two")
    assert copy.get_context("a") == backend.get_context("a")
    copy.append_context_field("a", "x", 3)
    assert copy.get_context("a")["x"] == [0, 1, 2, 3]
    assert backend.get_context("a")["x"] == [0, 1, 2]


# -- concurrency ----------------------------------------------------------------


def test_readers_see_every_state_whole_while_writers_compact(tmp_path):
    """CORE-50: lock-free reads during appends and compactions never lose or repeat entries."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    done = threading.Event()
    problems: list[str] = []

    def write(number: int) -> None:
        for step in range(300):
            backend.append_context_field("a", "x", [number, step])

    def read() -> None:
        seen = 0
        while not done.is_set():
            history = backend.get_context("a")["x"][1:]
            entries = set(map(tuple, history))
            if len(entries) != len(history) or len(history) < seen:
                problems.append(f"{len(history)} entries after {seen}")
            seen = len(history)

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    assert problems == []
    assert len(backend.get_context("a")["x"]) == 1 + 4 * 300


def test_a_read_racing_a_compaction_reads_again(tmp_path, monkeypatch):
    """CORE-50: a snapshot replaced between reading it and reading the log is read again,
    instead of giving the old snapshot without its log."""
    backend = large_backend(tmp_path)
    backend.save_context("a", big_context())
    backend.append_context_field("a", "x", 1)
    other = large_backend(tmp_path)  # e.g. another process
    read_changes, raced = context_log.read_changes, []

    def racing(path, snapshot):
        if not raced:
            raced.append(True)
            other.update_context("a", lambda context: context["x"].append(2))
        return read_changes(path, snapshot)

    monkeypatch.setattr(context_log, "read_changes", racing)
    assert backend.get_context("a")["x"] == [0, 1, 2]


def test_appends_from_several_processes_lose_nothing(tmp_path):
    """CORE-91: processes appending to one large context through its log lose no entry."""
    script = textwrap.dedent(
        f"""
        import pathlib, sys, time
        from soe_backends_local import LocalContextBackend
        backend = LocalContextBackend({str(tmp_path / "data")!r})
        backend.inline_bytes = {SMALL}
        pathlib.Path({str(tmp_path)!r}, sys.argv[1]).touch()  # ready
        while not pathlib.Path({str(tmp_path)!r}, "go").exists():
            time.sleep(0.001)
        for step in range(1000):
            backend.append_context_field("shared", "x", [sys.argv[1], step])
        """
    )
    backend = large_backend(tmp_path / "data")
    backend.save_context("shared", big_context())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    names = ("p", "q")
    children = [subprocess.Popen([sys.executable, "-c", script, name], env=env) for name in names]
    while not all((tmp_path / name).exists() for name in names):
        assert all(child.poll() is None for child in children)
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for step in range(1000):
        backend.append_context_field("shared", "x", ["main", step])
    assert [child.wait(timeout=120) for child in children] == [0, 0]
    history = backend.get_context("shared")["x"][1:]
    expected = [[name, step] for name in ("main", *names) for step in range(1000)]
    assert sorted(history) == sorted(expected)


# -- the fold equals the kernel's semantics ---------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("field"), st.sampled_from(["x", "y", "__raw__"]), JSON_VALUES),
        st.tuples(st.just("signals"), st.lists(st.sampled_from(["A", "B"]), max_size=3)),
        st.tuples(st.just("count"), st.sampled_from(["llm_calls", "errors"])),
        st.tuples(st.just("node"), st.sampled_from(["N1", "N2"])),
        st.tuples(st.just("save"), st.booleans()),
    ),
    max_size=40,
)


def _apply(access, change) -> None:
    kind = change[0]
    if kind == "field":
        access.write_field("a", change[1], change[2])
    elif kind == "signals":
        access.extend_signals("a", change[1])
    elif kind == "count":
        access.increment("a", change[1])
    elif kind == "node":
        access.increment("a", "nodes", change[1])
    else:  # a whole-context save, with or without operational state
        context = {"x": ["saved"], "pad": ["p" * SMALL]}
        if change[1]:
            context["__operational__"] = new_operational_state("a", {})
        access.save("a", context)


@settings(max_examples=60, deadline=None)
@given(inline=st.sampled_from([64, SMALL, 1 << 20]), changes=CHANGES)
def test_file_store_matches_memory_for_any_change_sequence(inline, changes):
    """CORE-50/51/89: any sequence of appends, signals, counts and saves gives the same
    context on files (with or without the log, across compactions) as in memory."""
    memory = contexts(open_memory("memory://"))
    with tempfile.TemporaryDirectory() as folder:
        backends = open_files(f"file://{folder}")
        backends.context.inline_bytes = inline
        files = contexts(backends)
        for access in (memory, files):
            access.save("a", big_context())
            for change in changes:
                _apply(access, change)
        assert backends.context.get_context("a") == memory.backend.get_context("a")
