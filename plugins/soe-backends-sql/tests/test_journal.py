"""The SQLite journal and delete capabilities (CORE-87, CORE-88).

The protocol itself is covered by ``JournalContract`` in test_contract.py;
these are the SQLite specifics: ids, rows left behind, telemetry queue.
"""

from __future__ import annotations

import sqlite3

import pytest
from soe_backends_sql import SqlJournal, open_sqlite

from soe_core import create_all_nodes, orchestrate
from soe_core.retention import prune


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "soe.db"


@pytest.fixture
def backends(db_path):
    opened = open_sqlite(f"sqlite:///{db_path}")
    yield opened
    opened.close()


def count(db_path, sql: str, *args) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql, args).fetchone()[0]


def test_a_job_id_is_never_reused(backends, db_path):
    """AUTOINCREMENT: a deleted job's id (even the largest) is not handed out again."""
    journal = backends.journal
    assert isinstance(journal, SqlJournal) and journal.atomic
    first, second = journal.commit("tree", None, [("e", {"n": 1}), ("e", {"n": 2})])
    journal.commit("tree", second, [])
    journal.commit("tree", first, [])
    assert count(db_path, "SELECT count(*) FROM soe_jobs") == 0
    (third,) = journal.commit("tree", None, [("e", {"n": 3})])
    assert third > second
    journal.cleanup_all()
    (fourth,) = journal.commit("tree", None, [("e", {"n": 4})])
    assert fourth > third
    backends.close()
    with open_sqlite(f"sqlite:///{db_path}") as reopened:
        (fifth,) = reopened.journal.commit("tree", None, [("e", {"n": 5})])
        assert fifth > fourth


def test_batch_numbers(backends):
    """A batch is numbered by its first id, a lone job by its own id."""
    journal = backends.journal
    (alone,) = journal.commit("tree", None, [("e", {"n": 0})])
    ids = journal.commit("tree", alone, [("e", {"n": i}) for i in range(1, 4)])
    (last,) = journal.commit("tree", ids[-1], [("e", {"n": 4})])
    pending = journal.pending("tree")
    assert [(job.id, job.batch) for job in pending] == [
        (ids[0], ids[0]),
        (ids[1], ids[0]),
        (last, last),
    ]


def test_a_job_done_twice_writes_nothing(backends, db_path):
    journal = backends.journal
    (job,) = journal.commit("tree", None, [("e", {"n": 0})])
    journal.commit("tree", job, [("e", {"n": 1})])
    assert journal.commit("tree", job, [("e", {"n": 2})]) is None
    assert count(db_path, "SELECT count(*) FROM soe_jobs") == 1
    # a job is crossed out in its own tree only
    (other,) = journal.commit("other", None, [("e", {})])
    assert journal.commit("tree", other, []) is None


def test_journal_can_be_turned_off(tmp_path):
    with open_sqlite(f"sqlite:///{tmp_path / 'x.db'}", journal=False) as plain:
        assert plain.journal is None


def test_delete_events_writes_queued_events_first(tmp_path):
    """Queued telemetry rows of a deleted execution do not land after the delete."""
    path = tmp_path / "slow.db"
    with open_sqlite(f"sqlite:///{path}", telemetry_delay=60) as backends:
        backends.telemetry.log_event("a", "queued")
        backends.telemetry.log_event("b", "queued")
        backends.telemetry.delete_events("a")
        assert backends.telemetry.get_events("a") == []
        assert len(backends.telemetry.get_events("b")) == 1
    assert count(path, "SELECT count(*) FROM soe_telemetry WHERE execution_id = 'a'") == 0


CHILDREN = """
main:
  Spawn: {node_type: child, event_triggers: [START], child_workflow_name: worker,
          child_initial_signals: [GO], fan_out_field: jobs, child_input_field: job,
          signals_to_parent: [DONE], context_updates_to_parent: [result]}
  Wait: {node_type: router, event_triggers: [DONE], event_emissions: [{signal_name: WAITING}]}
worker:
  Work: {node_type: router, event_triggers: [GO], event_emissions: [{signal_name: DONE}]}
"""

# the columns that hold an execution id, wherever they appear
ID_COLUMNS = (
    "execution_id",
    "main_execution_id",
    "parent_execution_id",
    "tree",
    "conversation_key",
)


def rows_mentioning(db_path, ids: list[str]) -> dict[str, int]:
    """Rows per soe_* table whose id columns name one of ``ids``."""
    found: dict[str, int] = {}
    marks = ", ".join("?" for _ in ids)
    with sqlite3.connect(db_path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'soe_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for column in set(columns) & set(ID_COLUMNS):
                sql = f"SELECT count(*) FROM {table} WHERE {column} IN ({marks})"
                n = connection.execute(sql, ids).fetchone()[0]
                if n:
                    found[f"{table}.{column}"] = n
    return found


def test_prune_leaves_no_rows(backends, db_path):
    """After prune, no soe_* table holds a row of a pruned execution; others are untouched."""
    _nodes, broadcast = create_all_nodes(backends)
    root = orchestrate(CHILDREN, "main", ["START"], {"jobs": [1, 2]}, backends, broadcast)
    kept = orchestrate(CHILDREN, "main", ["START"], {"jobs": [3]}, backends, broadcast)
    for eid in (root, kept):
        backends.conversation_history.append_to_conversation_history(eid, {"role": "user"})
        backends.context_schema.save_context_schema(eid, {"jobs": {"type": "list"}})
        backends.identity.save_identities(eid, {"bot": "hi"})
    # a pending job of the root's tree, as a crash would leave it
    backends.journal.commit(root, None, [(root, {"kind": "deliver", "signals": ["X"]})])
    kept_ids = [
        r["execution_id"] for r in backends.journal.executions() if r["main_execution_id"] == kept
    ]
    backends.telemetry.flush()
    before = rows_mentioning(db_path, kept_ids)
    deleted = prune(backends, [root])
    assert deleted[0] == root and len(deleted) == 3
    backends.telemetry.flush()
    assert rows_mentioning(db_path, deleted) == {}
    assert rows_mentioning(db_path, kept_ids) == before
    # the check above looks where the rows are
    assert {
        "soe_contexts.execution_id",
        "soe_context_values.execution_id",
        "soe_operational_signals.execution_id",
        "soe_workflows.execution_id",
        "soe_telemetry.execution_id",
        "soe_conversations.conversation_key",
        "soe_identities.execution_id",
        "soe_executions.parent_execution_id",
    } <= set(before)
