"""What one node run costs on SQLite, and what the shortcuts behind it keep true.

A journaled node run is one write transaction: its run count is held back
until the step's commit (while this thread's reads see it), and reads reuse
the rows of the thread's last view while nothing changed them.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from soe_backends_sql import open_sqlite

from soe_core import create_all_nodes, open_backends, orchestrate
from soe_core.operational import new_operational_state
from soe_core.store import contexts


def _operational(execution_id: str = "a") -> dict:
    return {"__operational__": new_operational_state(execution_id, {})}


def _chain(n: int) -> dict:
    nodes = {
        f"N{i}": {
            "node_type": "router",
            "event_triggers": [f"S{i}"],
            "event_emissions": [{"signal_name": f"S{i + 1}"}],
        }
        for i in range(n)
    }
    return {"chain": nodes}


def _traced(backends) -> list[str]:
    seen: list[str] = []

    def trace(sql: str) -> None:
        if not sql.startswith("--"):  # what a statement runs inside (pragma functions)
            seen.append(sql)

    backends.database._lease().dbapi.set_trace_callback(trace)
    return seen


def _nodes_seen_elsewhere(db_url: str, execution_id: str) -> dict:
    """``nodes`` as another connection sees it (what is committed)."""
    with open_sqlite(db_url) as other:
        return dict(other.context.read_context(execution_id)["__operational__"]["nodes"])


# -- one write transaction per node --------------------------------------------


def test_a_router_node_costs_one_commit_and_no_view_select(backends):
    """The run count joins the step's commit; the view is read from kept rows."""
    _nodes, broadcast = create_all_nodes(backends)
    seen = _traced(backends)
    execution_id = orchestrate(_chain(60), "chain", ["S0"], {}, backends, broadcast)
    commits = sum(sql == "COMMIT" for sql in seen)
    views = sum(sql.startswith("SELECT soe_context_keys.") for sql in seen)
    assert commits <= 60 + 5  # the setup writes a few on their own
    assert views <= 3
    operational = backends.context.get_context(execution_id)["__operational__"]
    assert operational["nodes"] == {f"N{i}": 1 for i in range(60)}
    assert operational["signals"] == [f"S{i}" for i in range(61)]


def test_loop_guard_reads_its_own_run_count(backends):
    """CORE-65: a router guarding a loop with ``nodes`` sees each run as it happens."""
    loop = {
        "main": {
            "Worker": {
                "node_type": "router",
                "event_triggers": ["START", "AGAIN"],
                "event_emissions": [{"signal_name": "STEP_DONE"}],
            },
            "Guard": {
                "node_type": "router",
                "event_triggers": ["STEP_DONE"],
                "event_emissions": [
                    {
                        "signal_name": "AGAIN",
                        "condition": "{{ context.__operational__.nodes.get('Worker', 0) < 5 }}",
                    }
                ],
            },
        }
    }
    _nodes, broadcast = create_all_nodes(backends)
    execution_id = orchestrate(loop, "main", ["START"], {}, backends, broadcast)
    nodes = backends.context.get_context(execution_id)["__operational__"]["nodes"]
    assert nodes == {"Worker": 5, "Guard": 5}


# -- run counts held back until the step commits ---------------------------------


def test_a_held_run_count_is_read_by_its_thread_and_committed_with_the_step(backends, db_url):
    access = contexts(backends)
    access.save("a", _operational())
    journal = backends.journal
    with journal.deferring():
        access.increment("a", "nodes", "N")
        access.increment("a", "nodes", "N")
        access.increment("a", "nodes", "M")
        nodes = access.read("a")["__operational__"]["nodes"]
        assert nodes["N"] == 2 and dict(nodes) == {"N": 2, "M": 1}
        assert _nodes_seen_elsewhere(db_url, "a") == {}  # not committed yet
        with journal.transaction():
            access.write_field("a", "x", 1)
        assert _nodes_seen_elsewhere(db_url, "a") == {"N": 2, "M": 1}
    assert backends.context.get_context("a")["__operational__"]["nodes"] == {"N": 2, "M": 1}


def test_a_failed_step_still_counts_the_run(backends, db_url):
    """The step rolls back, yet the node did run: its count is written (as before)."""
    access = contexts(backends)
    access.save("a", _operational())
    with pytest.raises(KeyError), backends.journal.deferring():
        access.increment("a", "nodes", "N")
        with backends.journal.transaction():
            access.write_field("a", "x", 1)
            raise KeyError("the node failed")
    assert _nodes_seen_elsewhere(db_url, "a") == {"N": 1}
    assert "x" not in backends.context.get_context("a")


def test_held_counts_reach_an_operational_stored_as_json(backends):
    """An ``__operational__`` outside the tables gets the held run before it is read."""
    access = contexts(backends)
    access.save("a", {"__operational__": {"signals": [], "nodes": {"N": 1}}})
    with backends.journal.deferring():
        access.increment("a", "nodes", "N")
        assert access.read("a")["__operational__"]["nodes"] == {"N": 2}
        assert backends.context.get_context("a")["__operational__"]["nodes"] == {"N": 2}


def test_outside_a_job_a_run_is_counted_at_once(backends, db_url):
    access = contexts(backends)
    access.save("a", _operational())
    access.increment("a", "nodes", "N")
    assert _nodes_seen_elsewhere(db_url, "a") == {"N": 1}


# -- kept views ------------------------------------------------------------------


def test_a_read_is_reused_until_the_context_changes(backends):
    access = contexts(backends)
    access.save("a", {"x": [1], **_operational()})
    first = access.read("a")
    assert access.read("a") is first
    access.write_field("a", "x", 2)
    second = access.read("a")
    assert second is not first and second["x"][-1] == 2 and first["x"][-1] == 1


def test_a_commit_by_another_connection_is_seen(backends, db_url):
    access = contexts(backends)
    access.save("a", {"x": [1], **_operational()})
    assert access.read("a")["x"][-1] == 1
    with open_sqlite(db_url) as other:
        contexts(other).write_field("a", "x", 2)
    assert access.read("a")["x"][-1] == 2


def test_signals_appended_after_a_read_are_counted_and_old_views_stay_snapshots(backends):
    access = contexts(backends)
    access.save("a", _operational())
    access.extend_signals("a", ["START"])
    with backends.journal.transaction():
        before = access.read("a")
        access.extend_signals("a", ["NEXT"])
        after = access.read("a")
    assert list(before["__operational__"]["signals"]) == ["START"]
    assert list(after["__operational__"]["signals"]) == ["START", "NEXT"]
    assert len(access.read("a")["__operational__"]["signals"]) == 2


def test_a_rolled_back_signal_is_not_in_the_next_read(backends):
    access = contexts(backends)
    access.save("a", _operational())
    with pytest.raises(KeyError), backends.journal.transaction():
        access.read("a")
        access.extend_signals("a", ["GONE"])
        assert len(access.read("a")["__operational__"]["signals"]) == 1
        raise KeyError("roll back")
    assert list(access.read("a")["__operational__"]["signals"]) == []


def test_threads_sharing_an_in_memory_database_see_each_others_writes():
    with open_backends("sqlite://") as backends:
        access = contexts(backends)
        access.save("a", {"x": [0], **_operational()})
        assert access.read("a")["x"][-1] == 0
        writer = threading.Thread(target=access.write_field, args=("a", "x", 1))
        writer.start()
        writer.join()
        assert access.read("a")["x"][-1] == 1


# -- checkpoints -----------------------------------------------------------------


def test_the_wal_stays_bounded_and_the_checkpoint_thread_ends_at_close(db_url, tmp_path):
    from soe_backends_sql.checkpoint import LIMIT

    backends = open_sqlite(db_url)
    access = contexts(backends)
    access.save("a", _operational())
    for number in range(3000):
        access.write_field("a", "x", number)
    page_size = backends.database._lease().dbapi.execute("PRAGMA page_size").fetchone()[0]
    wal = tmp_path / "soe.db-wal"
    assert wal.stat().st_size <= (LIMIT + 200) * (page_size + 24)
    backends.close()
    assert not [t for t in threading.enumerate() if t.name == "soe-sql-checkpoint"]
    with sqlite3.connect(tmp_path / "soe.db") as connection:
        count = connection.execute("SELECT count(*) FROM soe_context_values").fetchone()[0]
    assert count == 3000


def test_a_commit_reaches_the_database_file_within_the_interval(db_url, tmp_path, monkeypatch):
    """``synchronous=NORMAL``: the checkpoint thread copies (and syncs) commits soon."""
    import shutil
    import time

    from soe_backends_sql import checkpoint

    monkeypatch.setattr(checkpoint, "INTERVAL", 0.05)
    with open_sqlite(db_url) as backends:
        contexts(backends).save("a", {"x": [1]})
        deadline = time.monotonic() + 5
        while True:  # the file alone, without its -wal: what a checkpoint wrote
            shutil.copyfile(tmp_path / "soe.db", tmp_path / "copy.db")
            with sqlite3.connect(tmp_path / "copy.db") as connection:
                tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
                found = ("soe_contexts",) in tables and connection.execute(
                    "SELECT count(*) FROM soe_contexts"
                ).fetchone()[0]
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert found == 1
