"""The journal contract: durability tests every store with a journal re-runs.

Subclass :class:`JournalContract` (re-exported by
:mod:`soe_core.backend_contract`) like ``BackendContract``; return fresh
backends whose ``journal`` is set from ``make_backends``. The tests cover
the journal protocol of :mod:`soe_core.journal`, resuming a failed
execution with every node effect stored once, and pruning.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from .durable import top_level
from .engine import orchestrate
from .errors import PruneError
from .journal import FAILED, IDLE, journal_of
from .operational import new_operational_state
from .resume import resume
from .retention import prune
from .setup import create_all_nodes
from .store import contexts

FLAKY = """
main:
  Spawn: {node_type: child, event_triggers: [START], child_workflow_name: worker,
          child_initial_signals: [GO], fan_out_field: jobs, child_input_field: job,
          signals_to_parent: [DONE], context_updates_to_parent: [result]}
  Join:
    node_type: router
    event_triggers: [DONE]
    event_emissions:
      - signal_name: ALL_DONE
        condition: "{{ context.result | accumulated | length == 3 }}"
  Total:
    node_type: tool
    event_triggers: [ALL_DONE]
    tool_name: total
    context_parameter_field: result
    output_field: total
worker:
  Work: {node_type: tool, event_triggers: [GO], tool_name: square,
         context_parameter_field: job, output_field: result,
         event_emissions: [{signal_name: DONE}]}
"""


class Flaky(BaseException):
    """Like a Ctrl-C inside a tool: tool nodes turn an Exception into an output."""


def _flaky_tools(fail_on: set[int]) -> dict:
    def square(n):
        if n in fail_on:
            fail_on.discard(n)
            raise Flaky(f"square({n}) failed once")
        return n * n

    def total(results):
        return sum(results)

    return {"square": square, "total": {"function": total, "process_accumulated": True}}


class JournalContract:
    """Durability contract; subclasses implement :meth:`make_backends`."""

    def make_backends(self, tmp_path: Any) -> Any:
        raise NotImplementedError

    @pytest.fixture
    def backends(self, tmp_path):
        backends = self.make_backends(tmp_path)
        assert journal_of(backends) is not None, "make_backends must return a store with a journal"
        yield backends
        close = getattr(backends, "close", None)
        if close is not None:
            close()

    # -- the protocol ---------------------------------------------------------

    def test_commit_numbers_jobs_in_batches(self, backends):
        journal = backends.journal
        first = journal.commit("tree", None, [("e1", {"kind": "deliver", "signals": ["A"]})])
        second = journal.commit("tree", first[0], [("e1", {"n": 1}), ("e2", {"n": 2})])
        assert len(first) == 1 and len(second) == 2
        assert first[0] < second[0] < second[1]
        pending = journal.pending("tree")
        assert [(job.id, job.batch, job.execution_id, job.job) for job in pending] == [
            (second[0], second[0], "e1", {"n": 1}),
            (second[1], second[0], "e2", {"n": 2}),
        ]
        assert journal.pending("other") == []

    def test_a_job_is_done_once(self, backends):
        journal = backends.journal
        (job,) = journal.commit("tree", None, [("e", {"n": 0})])
        assert journal.commit("tree", job, [("e", {"n": 1})]) is not None
        assert journal.commit("tree", job, [("e", {"n": 2})]) is None
        assert [p.job for p in journal.pending("tree")] == [{"n": 1}]

    def test_job_looks_up_one_pending_job(self, backends):
        journal = backends.journal
        if not hasattr(journal, "job"):
            pytest.skip("job() is optional")
        first, second = journal.commit("tree", None, [("e1", {"n": 1}), ("e2", {"n": 2})])
        assert journal.job("tree", second) == (second, first, "e2", {"n": 2})
        assert journal.job("other", second) is None
        journal.commit("tree", second, [])
        assert journal.job("tree", second) is None
        assert journal.job("tree", first).job == {"n": 1}

    def test_concurrent_commits_get_unique_ids(self, backends):
        journal = backends.journal
        ids: list[int] = []
        lock = threading.Lock()

        def work() -> None:
            for _ in range(50):
                got = journal.commit("tree", None, [("e", {}), ("e", {})])
                with lock:
                    ids.extend(got)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(ids) == len(set(ids)) == 400
        assert len(journal.pending("tree")) == 400

    def test_transaction_groups_context_and_journal_writes(self, backends):
        journal = backends.journal
        access = contexts(backends)
        access.save("e", {"x": [1]})
        with pytest.raises(Flaky), journal.transaction():
            access.write_field("e", "x", 2)
            journal.commit("tree", None, [("e", {"n": 1})])
            raise Flaky("roll back")
        if getattr(journal, "atomic", False):
            assert backends.context.get_context("e")["x"] == [1]
            assert journal.pending("tree") == []
        with journal.transaction():
            access.write_field("e", "x", 3)
            journal.commit("tree", None, [("e", {"n": 2})])
        assert backends.context.get_context("e")["x"][-1] == 3
        assert [p.job for p in journal.pending("tree")][-1] == {"n": 2}

    def test_deferring_loses_no_run_count(self, backends):
        """``deferring()`` (optional): held run counts are read at once and always stored."""
        journal = backends.journal
        deferring = getattr(journal, "deferring", None)
        if deferring is None:
            pytest.skip("deferring() is optional")
        access = contexts(backends)
        access.save("e", {"__operational__": new_operational_state("e", {})})
        with deferring():
            access.increment("e", "nodes", "N")
            assert access.read("e")["__operational__"]["nodes"]["N"] == 1
            with journal.transaction():
                journal.commit("tree", None, [("e", {"n": 1})])
        with pytest.raises(Flaky), deferring():
            access.increment("e", "nodes", "N")
            raise Flaky("a job that failed before its step")
        assert backends.context.get_context("e")["__operational__"]["nodes"] == {"N": 2}

    def test_execution_summaries(self, backends):
        journal = backends.journal
        journal.record_execution("b", {"workflow": "w", "status": "running", "created": "2026-02"})
        journal.record_execution("a", {"workflow": "w", "status": "running", "created": "2026-01"})
        journal.update_execution("b", {"status": "idle", "updated": "2026-03"})
        assert [r["execution_id"] for r in journal.executions()] == ["a", "b"]
        record = journal.execution("b")
        assert record["status"] == "idle" and record["updated"] == "2026-03"
        assert record["workflow"] == "w" and record["parent_execution_id"] is None
        assert journal.execution("missing") is None
        journal.forget("b")
        assert journal.execution("b") is None

    # -- resume (DUR) -------------------------------------------------------

    def test_failed_execution_resumes_with_each_effect_once(self, backends):
        fail_on = {2}
        nodes, broadcast = create_all_nodes(backends, tools_registry=_flaky_tools(fail_on))
        with pytest.raises(Flaky) as caught:
            orchestrate(
                FLAKY,
                "main",
                ["START"],
                {"jobs": [{"n": 1}, {"n": 2}, {"n": 3}]},
                backends,
                broadcast,
            )
        root = caught.value.execution_id
        assert backends.journal.execution(root)["status"] == FAILED
        assert backends.journal.pending(root)
        assert resume(root, nodes, backends) > 0
        context = backends.context.get_context(root)
        assert sorted(context["result"]) == [1, 4, 9]
        assert context["total"] == [14]
        assert backends.journal.execution(root)["status"] == IDLE
        assert backends.journal.pending(root) == []
        assert resume(root, nodes, backends) == 0

    def test_status_is_idle_after_a_clean_run(self, backends):
        nodes, broadcast = create_all_nodes(backends, tools_registry=_flaky_tools(set()))
        root = orchestrate(FLAKY, "main", ["START"], {"jobs": [{"n": 1}]}, backends, broadcast)
        record = backends.journal.execution(root)
        assert record["status"] == IDLE and record["workflow"] == "main"
        children = [r for r in backends.journal.executions() if r["parent_execution_id"] == root]
        assert len(children) == 1 and children[0]["main_execution_id"] == root

    # -- prune --------------------------------------------------------------

    def test_prune_removes_an_execution_and_its_children(self, backends):
        nodes, broadcast = create_all_nodes(backends, tools_registry=_flaky_tools(set()))
        root = orchestrate(
            FLAKY, "main", ["START"], {"jobs": [{"n": 1}, {"n": 2}]}, backends, broadcast
        )
        kept = orchestrate(FLAKY, "main", ["START"], {"jobs": [{"n": 3}]}, backends, broadcast)
        deleted = prune(backends, [root])
        assert deleted[0] == root and len(deleted) == 3
        for execution_id in deleted:
            assert not backends.context.get_context(execution_id)
            assert not backends.workflow.get_workflows_registry(execution_id)
            assert backends.journal.execution(execution_id) is None
            if backends.telemetry is not None:
                assert backends.telemetry.get_events(execution_id) == []
        assert backends.context.get_context(kept)["result"] == [9]
        assert {r["main_execution_id"] for r in backends.journal.executions()} == {kept}

    def test_prune_by_date(self, backends):
        nodes, broadcast = create_all_nodes(backends, tools_registry=_flaky_tools(set()))
        root = orchestrate(FLAKY, "main", ["START"], {"jobs": [{"n": 1}]}, backends, broadcast)
        assert prune(backends, older_than="2000-01-01T00:00:00") == []
        deleted = prune(backends, older_than="2999-01-01T00:00:00+00:00")
        assert deleted[0] == root and len(deleted) == 2
        assert backends.journal.executions() == []

    def test_top_level_settles_only_the_outermost_run(self, backends):
        backends.journal.record_execution("t", {"status": "running", "created": "x"})
        with top_level(backends, "t"), top_level(backends, "t"):
            pass
        assert backends.journal.execution("t")["status"] == IDLE


def prune_needs_capabilities(backends: Any) -> None:
    """For stores without deletes: ``prune`` says which capability is missing."""
    with pytest.raises(PruneError, match="missing"):
        prune(backends, ["x"])
