"""SQLite specifics: URLs, WAL, persistence, lazy reads, update diffs, concurrency."""

from __future__ import annotations

import copy
import datetime
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from soe_backends_sql import SqlBackends, SqlContextView, hooks, open_sqlite

from soe_core import create_all_nodes, open_backends, orchestrate
from soe_core.context import get_accumulated, get_field, template_view
from soe_core.operational import new_operational_state
from soe_core.plugins import load_plugins
from soe_core.store import contexts

PIPELINE = """
main:
  Check:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: VALID
        condition: "{{ context.order.amount > 0 }}"
  Price: {node_type: tool, event_triggers: [VALID], tool_name: price,
          context_parameter_field: order, output_field: total,
          event_emissions: [{signal_name: PRICED}]}
"""


def _price(amount, vat):
    return round(amount * (1 + vat), 2)


def _operational(execution_id: str = "a") -> dict:
    return {"__operational__": new_operational_state(execution_id, {})}


# -- opening -----------------------------------------------------------------


def test_hook_registers_the_sqlite_scheme(tmp_path):
    registry = load_plugins(entry_points=False, extra_plugins=[hooks])
    assert set(registry.backend_schemes) == {"sqlite"}
    opened = registry.backend_scheme("sqlite").open(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(opened, SqlBackends)
    opened.close()


def test_loading_the_plugin_does_not_import_sqlalchemy():
    """Every `soe` command loads the plugins: SQLAlchemy waits until a database opens."""
    code = "import sys, soe_backends_sql.hooks; assert 'sqlalchemy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_open_backends_url_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url, path in [
        ("sqlite:///relative.db", tmp_path / "relative.db"),
        (f"sqlite:///{tmp_path}/deep/er/abs.db", tmp_path / "deep" / "er" / "abs.db"),
    ]:
        with open_backends(url) as opened:
            opened.context.save_context("a", {"x": [1]})
        assert path.exists(), url
    for url in ("sqlite://", "sqlite:///:memory:"):
        with open_backends(url) as opened:
            assert opened.engine.url.database in (None, "", ":memory:")
            opened.context.save_context("a", {"x": [1]})
            assert opened.context.get_context("a") == {"x": [1]}
    assert "sqlite:////" in f"sqlite:///{tmp_path}"  # absolute paths give four slashes


def test_open_options(tmp_path):
    with pytest.raises(TypeError):
        open_sqlite(f"sqlite:///{tmp_path / 'x.db'}", storage_dir="x")
    with pytest.raises(ValueError):
        open_sqlite("postgresql://localhost/x")
    opened = open_sqlite("sqlite://", telemetry=False, identity=False)
    assert opened.telemetry is None and opened.identity is None
    assert opened.context_schema is not None and opened.conversation_history is not None
    opened.close()
    opened.close()  # idempotent
    with pytest.raises(RuntimeError):
        opened.context.get_context("a")


def test_wal_mode_and_busy_timeout(backends, db_url):
    connection = backends.database._lease().dbapi
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"soe_context_keys", "soe_context_values", "soe_telemetry", "soe_workflows"} <= tables


# -- persistence -------------------------------------------------------------


def test_execution_survives_reopening(db_url):
    first = open_sqlite(db_url)
    _nodes, broadcast = create_all_nodes(first, tools_registry={"price": _price})
    order = {"amount": 100, "vat": 0.2}
    execution_id = orchestrate(PIPELINE, "main", ["START"], {"order": order}, first, broadcast)
    expected = first.context.get_context(execution_id)
    first.close()

    second = open_sqlite(db_url)
    try:
        assert second.context.get_context(execution_id) == expected
        assert expected["total"] == [120.0]
        assert expected["__operational__"]["signals"] == ["START", "VALID", "PRICED"]
        assert second.context.list_context_ids() == [execution_id]
        assert second.workflow.get_current_workflow_name(execution_id) == "main"
        assert "Price" in second.workflow.get_workflows_registry(execution_id)["main"]
        events = [e["event_type"] for e in second.telemetry.get_events(execution_id)]
        assert events[0] == "orchestration_start" and "tool_call" in events
    finally:
        second.close()


def test_json_values_like_the_file_backend(backends):
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    backends.context.save_context("a", {"when": [when], "t": [(1, 2)], "__r__": {"k": when}})
    assert backends.context.get_context("a") == {
        "when": [str(when)],
        "t": [[1, 2]],
        "__r__": {"k": str(when)},
    }


# -- lazy reads ----------------------------------------------------------------


def _statements(backends):
    seen: list[str] = []

    def trace(sql: str) -> None:
        if not sql.startswith("--"):  # what a statement runs inside (pragma functions)
            seen.append(sql)

    backends.database._lease().dbapi.set_trace_callback(trace)
    return seen


def _engine_reads(backends, execution_id: str) -> tuple:
    """What a node does with a context: check it, template it, read a field."""
    view = contexts(backends).read(execution_id)
    operational = view["__operational__"]
    return (
        template_view(view)["f"],
        get_field(view, "f"),
        len(view["f"]),
        "S5" in operational["signals"],
        operational["signals"][-1],
        operational["nodes"].get("N1"),
        len(operational["signals"]),
    )


@pytest.mark.parametrize("size", [10, 10_000])
def test_append_and_latest_read_cost_the_same_whatever_the_history(backends, size, monkeypatch):
    access = contexts(backends)
    context = {"f": list(range(size)), **_operational()}
    context["__operational__"]["signals"] = [f"S{i}" for i in range(size)]
    context["__operational__"]["nodes"] = {f"N{i}": 1 for i in range(size)}
    access.save("a", context)
    store = backends.context
    for full_load in ("history", "signals", "node_counts", "get_context"):
        monkeypatch.setattr(store, full_load, lambda *a, **k: pytest.fail("full load"))

    seen = _statements(backends)
    access.write_field("a", "f", "new")
    writes = len(seen)
    got = _engine_reads(backends, "a")
    reads = len(seen) - writes
    assert got == ("new", "new", size + 1, True, f"S{size - 1}", 1, size)
    assert (writes, reads) == (4, 4)  # BEGIN, upsert key, insert value, COMMIT; 4 SELECTs
    assert all("soe_context_values" not in sql or "seq =" in sql for sql in seen[writes:])


def test_read_view_behaves_like_the_stored_dict(backends):
    access = contexts(backends)
    access.save("a", {"f": [[1, 2]], "g": ["x"], "plain": 3, "__r__": {"k": 1}, **_operational()})
    for value in ("y", "z"):
        access.write_field("a", "g", value)
    access.extend_signals("a", ["START", "NEXT"])
    access.increment("a", "nodes", "N")
    view = access.read("a")
    assert isinstance(view, SqlContextView)
    plain = backends.context.get_context("a")
    assert view == plain and list(view) == list(plain)
    assert view["g"] == ["x", "y", "z"] and view["g"][0] == "x" and view["g"][-2:] == ["y", "z"]
    assert get_accumulated(view, "f") == [1, 2] and get_accumulated(view, "g") == ["x", "y", "z"]
    assert copy.deepcopy(view) == plain and type(copy.deepcopy(view["g"])) is list
    operational = view["__operational__"]
    assert list(operational["signals"]) == ["START", "NEXT"]
    assert dict(operational["nodes"]) == {"N": 1} and "M" not in operational["nodes"]
    with pytest.raises(IndexError):
        view["g"][3]
    access.write_field("a", "g", "later")  # a view is a snapshot of the histories
    assert len(view["g"]) == 3 and list(view["g"]) == ["x", "y", "z"]


# -- update_context ------------------------------------------------------------


def test_update_context_writes_exactly_the_mutated_dict(backends):
    store = backends.context
    store.save_context(
        "a",
        {"a": [1, 2], "b": [3], "c": "raw", "d": [4], **_operational(), "__x__": {"k": 1}},
    )
    contexts(backends).extend_signals("a", ["S1", "S2"])

    def mutate(context):
        context["a"].append(5)  # append
        context["b"] = [9, 8]  # rewrite
        context["c"] = ["now", "a", "history"]  # raw -> history
        context["d"] = {"no": "longer a list"}  # history -> raw
        operational = context["__operational__"]
        operational["signals"].append("S3")
        operational["nodes"]["N"] = 7
        operational["errors"] = 2
        del context["__x__"]
        context["new"] = [0]
        return "done"

    assert store.update_context("a", mutate) == "done"
    expected = store.get_context("a")
    assert expected["a"] == [1, 2, 5] and expected["b"] == [9, 8]
    assert expected["c"] == ["now", "a", "history"] and expected["d"] == {"no": "longer a list"}
    assert expected["__operational__"]["signals"] == ["S1", "S2", "S3"]
    assert expected["__operational__"]["nodes"] == {"N": 7}
    assert expected["__operational__"]["errors"] == 2
    assert list(expected) == ["a", "b", "c", "d", "__operational__", "new"]

    def reorder(context):
        context["a"] = context.pop("a")
        context["__operational__"]["signals"] = ["other"]

    store.update_context("a", reorder)
    got = store.get_context("a")
    assert list(got) == ["b", "c", "d", "__operational__", "new", "a"]
    assert got["__operational__"]["signals"] == ["other"]


def test_update_context_failure_changes_nothing(backends):
    backends.context.save_context("a", {"x": [1], **_operational()})

    def boom(context):
        context["x"].append(2)
        context["__operational__"]["signals"].append("S")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        backends.context.update_context("a", boom)
    assert backends.context.get_context("a") == {"x": [1], **_operational()}


def test_update_context_may_call_the_backends_again(backends):
    store = backends.context

    def nested(context):
        store.append_context_field("a", "inner", 1)
        backends.telemetry.log_event("a", "inside")
        backends.workflow.save_current_workflow_name("a", "w")
        context["outer"] = [1]

    store.update_context("a", nested)
    assert store.get_context("a") == {"outer": [1]}  # the mutated dict wins
    assert backends.workflow.get_current_workflow_name("a") == "w"
    assert [e["event_type"] for e in backends.telemetry.get_events("a")] == ["inside"]


def test_operational_outside_the_tables_still_counts(backends):
    access = contexts(backends)
    access.save("a", {"__operational__": {"signals": ["START"]}})
    access.extend_signals("a", ["X"])
    access.increment("a", "llm_calls")
    access.increment("a", "nodes", "N")
    assert backends.context.get_context("a") == {
        "__operational__": {"signals": ["START", "X"], "llm_calls": 1, "nodes": {"N": 1}}
    }
    access.save("b", _operational("b"))
    access.increment("b", "custom_counter")
    assert backends.context.get_context("b")["__operational__"]["custom_counter"] == 1
    access.write_field("b", "__operational__", _operational("b")["__operational__"])
    access.increment("b", "tool_calls")
    assert backends.context.get_context("b") == {
        "__operational__": {**new_operational_state("b", {}), "tool_calls": 1}
    }


# -- workflow and telemetry ------------------------------------------------------


def test_version_lookup_does_not_touch_the_registry(backends):
    """A version read on every broadcast must not walk a large registry's pages."""
    connection = backends.database._lease().dbapi
    columns = [row[1] for row in connection.execute("PRAGMA table_info(soe_workflows)")]
    assert columns == ["execution_id", "version", "current_name"]
    big = {
        "main": {f"N{i}": {"node_type": "router", "event_triggers": [f"S{i}"]} for i in range(5000)}
    }
    backends.workflow.save_workflows_registry("a", big)
    backends.workflow.save_current_workflow_name("a", "main")
    assert backends.workflow.get_workflows_registry("a") == big
    assert backends.workflow.workflows_version("a") > 0


def test_workflows_version_is_shared_and_never_reused(db_url):
    with open_sqlite(db_url) as one, open_sqlite(db_url) as two:
        one.workflow.save_workflows_registry("a", {"w": {}})
        before = two.workflow.workflows_version("a")
        two.workflow.cleanup_all()
        one.workflow.save_workflows_registry("a", {"w": {}})
        assert two.workflow.workflows_version("a") > before


def test_telemetry_order_and_batching(db_url):
    with open_sqlite(db_url, telemetry_delay=60) as writer, open_sqlite(db_url) as reader:
        for number in range(50):
            writer.telemetry.log_event("a" if number % 2 else "b", f"e{number}", n=number)
        assert reader.telemetry.get_events("a") == []  # still queued in the writer
        got = writer.telemetry.get_events("a")  # a read writes the queue first
        assert [e["n"] for e in got] == list(range(1, 50, 2))
        assert got[0] == {"event_type": "e1", "n": 1}
        assert [e["n"] for e in reader.telemetry.get_events("b")] == list(range(0, 50, 2))


def test_queued_events_are_written_when_idle_and_at_close(db_url):
    with open_sqlite(db_url, telemetry_delay=0.05) as writer, open_sqlite(db_url) as reader:
        writer.telemetry.log_event("a", "idle")
        deadline = time.monotonic() + 10
        while not reader.telemetry.get_events("a") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [e["event_type"] for e in reader.telemetry.get_events("a")] == ["idle"]
    writer = open_sqlite(db_url, telemetry_delay=60)
    writer.telemetry.log_event("a", "closing")
    writer.close()
    with open_sqlite(db_url) as reader:
        assert [e["event_type"] for e in reader.telemetry.get_events("a")] == ["idle", "closing"]


# -- concurrency ---------------------------------------------------------------


def test_two_engines_on_one_file_lose_no_update(db_url):
    opened = [open_sqlite(db_url) for _ in range(2)]
    contexts(opened[0]).save("a", {"x": [-1], **_operational()})

    def work(number: int) -> None:
        access = contexts(opened[number % 2])
        for step in range(100):
            access.write_field("a", "x", step)
            access.increment("a", "nodes", "N")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    got = opened[1].context.get_context("a")
    assert len(got["x"]) == 601 and got["__operational__"]["nodes"] == {"N": 600}
    for each in opened:
        each.close()


def test_writer_waits_for_a_foreign_lock(backends, tmp_path):
    backends.context.save_context("a", {})
    foreign = sqlite3.connect(tmp_path / "soe.db", isolation_level=None)
    foreign.execute("BEGIN IMMEDIATE")
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (backends.context.append_context_field("a", "x", 1), done.set())
    )
    worker.start()
    time.sleep(0.2)
    assert not done.is_set()  # blocked on SQLite's writer lock
    foreign.execute("COMMIT")
    worker.join(timeout=30)
    assert done.is_set() and backends.context.get_context("a") == {"x": [1]}
    foreign.close()


def test_processes_sharing_a_file_lose_no_append(db_url):
    script = textwrap.dedent(
        f"""
        from soe_backends_sql import open_sqlite
        with open_sqlite({db_url!r}) as backends:
            for step in range(150):
                backends.context.append_context_field("shared", "x", step)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with open_sqlite(db_url) as local:
        children = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
        for step in range(150):
            local.context.append_context_field("shared", "x", step)
        assert [child.wait(timeout=120) for child in children] == [0, 0]
        assert len(local.context.get_context("shared")["x"]) == 450


def test_a_failed_nested_write_leaves_nothing_half_done(backends):
    store = backends.context
    store.save_context("a", {"x": [1]})

    def mutate(context):
        try:
            with backends.database.write() as connection:
                connection.execute("DELETE FROM soe_context_values")
                raise RuntimeError("inner failure")
        except RuntimeError:
            pass
        context["y"] = [2]

    store.update_context("a", mutate)
    assert store.get_context("a") == {"x": [1], "y": [2]}
