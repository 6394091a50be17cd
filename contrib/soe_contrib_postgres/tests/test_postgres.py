"""PostgreSQL specifics: URLs and options, tables created on open, persistence,
deletes for pruning, reads whose cost does not grow with histories, telemetry
batching, reconnection, and what happens without a server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from soe_contrib_postgres import testing
from soe_contrib_postgres.factory import PostgresBackends, open_postgres, split_url

from soe_core import open_backends
from soe_core.operational import new_operational_state
from soe_core.plugins import get_registry
from soe_core.store import contexts

# -- opening (CORE-87) ---------------------------------------------------------


def test_both_schemes_are_registered_and_open_the_store(postgres_url):
    registry = get_registry()
    for scheme in ("postgresql", "postgresql+psycopg"):
        assert registry.backend_scheme(scheme).scheme == scheme
    with open_backends(postgres_url.replace("postgresql://", "postgresql+psycopg://")) as store:
        assert isinstance(store, PostgresBackends)
        assert store.journal is not None and store.identity is not None


def test_loading_the_plugin_imports_neither_psycopg_nor_sqlalchemy():
    code = (
        "import sys, soe_contrib_postgres, soe_contrib_postgres.hooks; "
        "assert not {'psycopg', 'sqlalchemy'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_url_options_and_libpq_parameters(postgres_url):
    url = f"{postgres_url}?pool_size=3&max_overflow=1&application_name=soe-test&telemetry=false"
    conninfo, options = split_url(url)
    assert options == {"pool_size": "3", "max_overflow": "1", "telemetry": "false"}
    assert conninfo == postgres_url + "?application_name=soe-test"
    with open_postgres(url, conversation_history=False) as store:
        assert store.telemetry is None and store.conversation_history is None
        assert store.context_schema is not None
        assert store.database.pool.size() == 3
        with store.database.connection() as connection:
            name = connection.execute("SHOW application_name").fetchone()[0]
        assert name == "soe-test"
    with pytest.raises(TypeError, match="unknown option.*poolsize"):
        open_postgres(postgres_url, poolsize=3)
    with pytest.raises(ValueError, match="poolsize.*SOE options: pool_size"):
        open_postgres(f"{postgres_url}?poolsize=3")
    with pytest.raises(ValueError, match="postgresql://"):
        split_url("mysql://x/y")


def test_tables_are_created_on_open_by_many_workers_at_once(new_database):
    url = new_database()
    errors: list[BaseException] = []
    opened: list[PostgresBackends] = []

    def open_one() -> None:
        try:
            opened.append(open_postgres(url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors, errors
        opened[0].context.save_context("a", {"x": [1]})
        assert opened[-1].context.get_context("a") == {"x": [1]}
    finally:
        for store in opened:
            store.close()


def test_everything_survives_closing_the_store(postgres_url):
    with open_postgres(postgres_url) as store:
        contexts(store).save("a", {"x": [1], "__operational__": new_operational_state("a", {})})
        contexts(store).write_field("a", "x", 2)
        store.workflow.save_workflows_registry("a", {"w": {}})
        store.telemetry.log_event("a", "kept", timestamp="t")  # queued: written by close()
        store.conversation_history.append_to_conversation_history("a", {"role": "user"})
        store.context_schema.save_context_schema("a", {"x": {"type": "integer"}})
        store.identity.save_identities("a", {"bot": "You are a bot."})
    with open_postgres(postgres_url) as store:
        assert store.context.get_context("a")["x"] == [1, 2]
        assert store.workflow.get_workflows_registry("a") == {"w": {}}
        assert [e["event_type"] for e in store.telemetry.get_events("a")] == ["kept"]
        assert store.conversation_history.get_conversation_history("a") == [{"role": "user"}]
        assert store.context_schema.get_context_schema("a") == {"x": {"type": "integer"}}
        assert store.identity.get_identity("a", "bot") == "You are a bot."


# -- deletes for pruning ---------------------------------------------------------


def test_deletes_remove_one_execution_only(postgres_url):
    with open_postgres(postgres_url) as store:
        for eid in ("gone", "kept"):
            contexts(store).save(
                eid, {"x": [1, 2], "__r__": 1, "__operational__": new_operational_state(eid, {})}
            )
            contexts(store).extend_signals(eid, ["START"])
            contexts(store).increment(eid, "nodes", "N")
            store.workflow.save_workflows_registry(eid, {"w": {}})
            store.workflow.save_current_workflow_name(eid, "w")
            store.telemetry.log_event(eid, "e", timestamp="t")
            store.conversation_history.append_to_conversation_history(eid, {"n": 1})
            store.context_schema.save_context_schema(eid, {"x": {}})
            store.identity.save_identities(eid, {"bot": "b"})
        kept = store.context.get_context("kept")

        assert store.context.delete_context("gone") is True
        assert store.context.delete_context("gone") is False
        assert store.workflow.delete_workflows("gone") is True
        assert store.telemetry.delete_events("gone") == 1
        store.conversation_history.delete_conversation_history("gone")
        assert store.context_schema.delete_context_schema("gone") is True
        assert store.identity.delete_identities("gone") is True

        assert store.context.get_context("gone") == {}
        assert "gone" not in store.context.list_context_ids()
        assert store.workflow.get_workflows_registry("gone") is None
        assert store.workflow.get_current_workflow_name("gone") == ""
        assert store.workflow.workflows_version("gone") == 0
        assert store.telemetry.get_events("gone") == []
        assert store.conversation_history.get_conversation_history("gone") == []
        assert store.context_schema.get_context_schema("gone") is None
        assert store.identity.get_identities("gone") is None

        assert store.context.get_context("kept") == kept
        assert store.workflow.get_current_workflow_name("kept") == "w"
        assert len(store.telemetry.get_events("kept")) == 1
        assert store.identity.get_identities("kept") == {"bot": "b"}


# -- reads that cost the same whatever the history length -------------------------


class _Counting:
    """Counts the statements a Database runs."""

    def __init__(self, database):
        self.count = 0
        self._run = database._run
        database._run = self

    def __call__(self, sql, values, result):
        self.count += 1
        return self._run(sql, values, result)


def test_reading_a_long_context_is_one_statement(postgres_url):
    with open_postgres(postgres_url) as store:
        access = contexts(store)
        access.save("a", {"__operational__": new_operational_state("a", {})})
        with store.database.write():  # one transaction: quick to fill
            for number in range(3000):
                access.write_field("a", "x", number)
            access.extend_signals("a", [f"S{n}" for n in range(3000)])
        counter = _Counting(store.database)
        view = access.read("a")
        assert view["x"][-1] == 2999 and len(view["x"]) == 3000
        operational = view["__operational__"]
        assert len(operational["signals"]) == 3000 and operational["signals"][-1] == "S2999"
        assert counter.count == 2  # the view, the last signal
        assert "S17" in operational["signals"] and "nope" not in operational["signals"]
        assert view["x"][5] == 5
        assert counter.count == 5  # one indexed SELECT each


# -- telemetry batching ----------------------------------------------------------


def test_queued_events_reach_other_workers_soon(postgres_url):
    with open_postgres(postgres_url) as writer, open_postgres(postgres_url) as reader:
        writer.telemetry.log_event("a", "one", timestamp="t1")
        writer.telemetry.log_event("a", "two", timestamp="t2")
        assert [e["event_type"] for e in writer.telemetry.get_events("a")] == ["one", "two"]
        writer.telemetry.log_event("a", "three", timestamp="t3")
        deadline = time.monotonic() + 5
        while len(reader.telemetry.get_events("a")) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)  # the idle flusher writes it within telemetry_delay
        assert [e["event_type"] for e in reader.telemetry.get_events("a")] == [
            "one",
            "two",
            "three",
        ]
    with open_postgres(postgres_url, telemetry_delay=0) as writer:
        writer.telemetry.log_event("b", "now")
        with open_postgres(postgres_url) as reader:
            assert len(reader.telemetry.get_events("b")) == 1


# -- connections -----------------------------------------------------------------


def test_a_lost_connection_is_replaced(postgres_url):
    with open_postgres(postgres_url, pool_size=1, max_overflow=0) as store:
        store.context.save_context("a", {"x": [1]})
        with store.database.connection() as connection:
            pid = connection.info.backend_pid
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            store.context.get_context("a")  # the pooled connection was dead
        assert store.context.get_context("a") == {"x": [1]}
        with store.database.connection() as connection:
            assert connection.info.backend_pid != pid


def test_closed_store_refuses_work(postgres_url):
    store = open_postgres(postgres_url)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        store.context.get_context("a")


# -- without a server --------------------------------------------------------------


def test_missing_binaries_give_a_clear_error(monkeypatch):
    monkeypatch.delenv("SOE_POSTGRES_BINDIR", raising=False)
    monkeypatch.setattr(testing.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(testing.shutil, "which", lambda name: None)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(testing.PostgresUnavailable, match="apt-get install postgresql"):
        testing.find_bindir()


@pytest.mark.parametrize("required", ["", "1"])
def test_without_a_server_tests_skip_unless_required(required, tmp_path):
    """What CI relies on: SOE_REQUIRE_POSTGRES=1 turns the skip into a clear failure."""
    env = {**os.environ, "SOE_POSTGRES_BINDIR": str(tmp_path), "SOE_REQUIRE_POSTGRES": required}
    test = Path(__file__).with_name("test_journal.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         f"{test}::test_ids_grow_across_stores_and_cleanup"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[3], timeout=120,
    )  # fmt: skip
    if required:
        assert done.returncode == 1, done.stdout
        assert "SOE_REQUIRE_POSTGRES=1 but PostgreSQL cannot start" in done.stdout
        assert "holds no initdb and pg_ctl" in done.stdout
    else:
        assert done.returncode == 0, done.stdout
        assert "1 skipped" in done.stdout and "PostgreSQL unavailable" in done.stdout
