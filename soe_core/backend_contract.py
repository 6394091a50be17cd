"""The backend contract: tests every backend plugin re-runs against itself.

Subclass :class:`BackendContract` in a test module, name the subclass
``Test...`` and return fresh backends from ``make_backends``::

    from soe_core.backend_contract import BackendContract

    class TestMyBackends(BackendContract):
        def make_backends(self, tmp_path):
            return open_backends(f"mine://{tmp_path}")

The tests cover the six protocols (CORE-87, CORE-88), history semantics
(CORE-50, CORE-51) through :mod:`soe_core.store` whatever capabilities the
context backend offers, copy isolation (CORE-89), an end-to-end workflow
whose contexts must equal a reference run in memory, and concurrent writes
from several threads. Optional backends that are None are skipped;
``close()`` is called on the container after each test when it has one.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

import pytest

from .context import get_accumulated, get_field, template_view
from .engine import orchestrate
from .operational import new_operational_state
from .setup import create_all_nodes
from .store import contexts

WORKFLOW = """
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
    event_emissions:
      - signal_name: FINISHED
        condition: "{{ 'ALL_DONE' in context.__operational__.signals }}"
worker:
  Work: {node_type: tool, event_triggers: [GO], tool_name: square,
         context_parameter_field: job, output_field: result,
         event_emissions: [{signal_name: DONE}]}
"""

JOBS = [{"n": 1}, {"n": 2}, {"n": 3}]


def _tools() -> dict:
    def square(n):
        return n * n

    def total(results):
        return sum(results)

    return {"square": square, "total": {"function": total, "process_accumulated": True}}


def _run_workflow(backends: Any) -> list:
    """Run WORKFLOW; return the contexts of the tree, ids replaced by names."""
    _nodes, broadcast = create_all_nodes(backends, tools_registry=_tools())
    root = orchestrate(WORKFLOW, "main", ["START"], {"jobs": JOBS}, backends, broadcast)
    tree, names = [root], {root: "root"}
    for child in _children(backends, root):
        names[child] = f"child{len(names)}"
        tree.append(child)
    snapshot = [
        {
            "context": backends.context.get_context(execution_id),
            "current": backends.workflow.get_current_workflow_name(execution_id),
            "registry": backends.workflow.get_workflows_registry(execution_id),
        }
        for execution_id in tree
    ]
    text = json.dumps(snapshot, sort_keys=True, default=str)
    for execution_id, name in names.items():
        text = text.replace(execution_id, name)
    return json.loads(text)


def _children(backends: Any, root: str) -> list[str]:
    """Child ids in spawn order (from telemetry, else from the listed contexts)."""
    get_events = getattr(backends.telemetry, "get_events", None)
    if get_events is not None:
        return [
            event["context"]["child_execution_id"]
            for event in get_events(root)
            if event["event_type"] == "child_started"
        ]
    list_ids = getattr(backends.context, "list_context_ids", None)
    if list_ids is None:
        return []
    access = contexts(backends)
    found = [
        execution_id
        for execution_id in list_ids()
        if (access.read(execution_id).get("__parent__") or {}).get("parent_execution_id") == root
    ]
    return sorted(found, key=lambda execution_id: get_field(access.read(execution_id), "job")["n"])


def _operational_context(execution_id: str) -> dict:
    return {"__operational__": new_operational_state(execution_id, {})}


def _hammer(work, threads: int = 8) -> None:
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            work(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors


class BackendContract:
    """Contract tests; subclasses implement :meth:`make_backends`."""

    copies_are_private = True
    """False for a store that, like the original SOE's in-memory store
    (CORE-90), keeps and hands out live dicts; the engine must give the same
    results on it (CORE-89), which :meth:`test_workflow_run_matches_memory` checks."""

    def make_backends(self, tmp_path: Any) -> Any:
        raise NotImplementedError

    @pytest.fixture
    def backends(self, tmp_path):
        backends = self.make_backends(tmp_path)
        yield backends
        close = getattr(backends, "close", None)
        if close is not None:
            close()

    # -- the container (CORE-87) --------------------------------------------

    def test_container_exposes_six_backends(self, backends):
        for name in (
            "context",
            "workflow",
            "telemetry",
            "conversation_history",
            "context_schema",
            "identity",
        ):
            assert hasattr(backends, name), name
        assert backends.context is not None and backends.workflow is not None

    # -- context: the seed methods ------------------------------------------

    def test_context_unknown_id_is_empty(self, backends):
        assert backends.context.get_context("nope") == {}
        assert dict(contexts(backends).read("nope")) == {}
        ids = getattr(backends.context, "list_context_ids", None)
        if ids is not None:
            assert "nope" not in ids()

    def test_context_roundtrip_and_replace(self, backends):
        stored = {
            "text": ["a", "b"],
            "nested": [{"k": [1, {"x": None}]}, [1, 2]],
            "empty": [],
            "plain": 5,
            "__parent__": {"parent_execution_id": "p", "signals_to_parent": ["X"]},
            "__raw__": [1, 2],
            **_operational_context("a"),
        }
        stored["__operational__"]["signals"] = ["START", "NEXT"]
        stored["__operational__"]["nodes"] = {"A": 2, "B": 1}
        backends.context.save_context("a", stored)
        assert backends.context.get_context("a") == stored
        odd = {"__operational__": {"signals": ["START"]}, "x": [1]}
        backends.context.save_context("a", odd)  # replaces everything
        assert backends.context.get_context("a") == odd
        ids = getattr(backends.context, "list_context_ids", None)
        if ids is not None:
            backends.context.save_context("empty", {})
            assert {"a", "empty"} <= set(ids())

    def test_context_copies_are_isolated(self, backends):
        """CORE-89: what a caller changes after save or get never reaches the store."""
        if not self.copies_are_private:
            pytest.skip("a seed-style store: get returns the stored dict (CORE-90)")
        original = {"x": [{"n": 1}], "__r__": {"k": [1]}}
        backends.context.save_context("a", original)
        original["x"][0]["n"] = 99
        original["__r__"]["k"].append(2)
        got = backends.context.get_context("a")
        got["x"].append(2)
        got["__r__"]["k"].append(3)
        deep = copy.deepcopy(contexts(backends).read("a"))
        deep["x"][0]["n"] = 42
        assert backends.context.get_context("a") == {"x": [{"n": 1}], "__r__": {"k": [1]}}

    # -- context: through the engine's access layer -------------------------

    def test_write_field_history_semantics(self, backends):
        access = contexts(backends)
        access.save("a", {"x": [0], "plain": 5, **_operational_context("a")})
        access.write_field("a", "x", 1)
        access.write_field("a", "x", {"k": 2})
        access.write_field("a", "plain", "now a history")
        access.write_field("a", "new", [1, 2])
        access.write_field("a", "__flag__", "one")
        access.write_field("a", "__flag__", "two")
        access.write_field("fresh", "y", 1)
        got = backends.context.get_context("a")
        assert got["x"] == [0, 1, {"k": 2}]
        assert got["plain"] == ["now a history"]
        assert got["new"] == [[1, 2]]
        assert got["__flag__"] == "two"
        assert backends.context.get_context("fresh") == {"y": [1]}

    def test_read_view_matches_get(self, backends):
        access = contexts(backends)
        access.save("a", {"x": [[1, 2]], "y": ["a", "b"], **_operational_context("a")})
        access.extend_signals("a", ["START"])
        for number in range(5):
            access.write_field("a", "y", number)
        view, plain = access.read("a"), backends.context.get_context("a")
        assert template_view(view) == template_view(plain)
        assert get_field(view, "y") == 4 and get_accumulated(view, "y") == plain["y"]
        assert get_accumulated(view, "x") == [1, 2] and get_accumulated(view, "zz") == []
        operational = view["__operational__"]
        assert "START" in operational["signals"] and "NOPE" not in operational["signals"]
        assert len(operational["signals"]) == 1 and operational["signals"][-1] == "START"
        assert copy.deepcopy(dict(view)) == plain

    def test_operational_counters(self, backends):
        access = contexts(backends)
        access.save("a", _operational_context("a"))
        access.extend_signals("a", ["START"])
        access.extend_signals("a", ["A", "B"])
        for counter in ("llm_calls", "tool_calls", "tool_calls", "errors"):
            access.increment("a", counter)
        for name in ("N1", "N2", "N1"):
            access.increment("a", "nodes", name)
        operational = backends.context.get_context("a")["__operational__"]
        assert operational["signals"] == ["START", "A", "B"]
        assert operational["nodes"] == {"N1": 2, "N2": 1}
        assert (operational["llm_calls"], operational["tool_calls"]) == (1, 2)
        assert operational["errors"] == 1 and operational["main_execution_id"] == "a"
        access.increment("none", "llm_calls")  # no operational state: nothing happens
        access.extend_signals("none", ["X"])
        assert "__operational__" not in backends.context.get_context("none")

    def test_update_returns_result_and_persists(self, backends):
        access = contexts(backends)
        assert access.update("a", lambda c: c.setdefault("n", [0]) and "made") == "made"
        access.update("a", lambda c: c["n"].append(1))
        assert backends.context.get_context("a") == {"n": [0, 1]}

        def boom(context):
            context["x"] = [1]
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            access.update("b", boom)
        assert backends.context.get_context("b") == {}

    def test_concurrent_appends_lose_nothing(self, backends):
        access = contexts(backends)
        access.save("a", {"x": [-1], **_operational_context("a")})

        def work(number: int) -> None:
            for step in range(200):
                access.write_field("a", "x", number * 1000 + step)
            for _ in range(25):
                access.increment("a", "nodes", "N")
                access.extend_signals("a", [f"S{number}"])

        _hammer(work)
        got = backends.context.get_context("a")
        assert len(got["x"]) == 1601 and sorted(got["x"][1:]) == sorted(
            n * 1000 + s for n in range(8) for s in range(200)
        )
        assert got["__operational__"]["nodes"] == {"N": 200}
        assert len(got["__operational__"]["signals"]) == 200

    def test_eight_threads_append_concurrently(self, backends):
        """Issue [C], CORE-50: 8 threads x 1,000 appends to one field -> 8,000 entries."""
        access = contexts(backends)
        access.save("a", {"x": [], **_operational_context("a")})
        count = 1000

        def work(number: int) -> None:
            for step in range(count):
                access.write_field("a", "x", [number, step])

        _hammer(work)
        got = backends.context.get_context("a")["x"]
        assert len(got) == 8 * count
        assert sorted(map(tuple, got)) == [(n, s) for n in range(8) for s in range(count)]

    # -- workflow -----------------------------------------------------------

    def test_workflow_roundtrip_and_isolation(self, backends):
        workflow = backends.workflow
        assert not workflow.get_workflows_registry("nope")  # None or {}
        assert workflow.get_current_workflow_name("nope") == ""
        registry = {"main": {"A": {"node_type": "router", "event_triggers": ["START"]}}}
        workflow.save_workflows_registry("a", registry)
        workflow.save_current_workflow_name("a", "main")
        registry["main"].clear()
        got = workflow.get_workflows_registry("a")
        assert got == {"main": {"A": {"node_type": "router", "event_triggers": ["START"]}}}
        got["main"].clear()
        assert workflow.get_workflows_registry("a")["main"]
        assert workflow.get_current_workflow_name("a") == "main"

    def test_workflows_version_changes_on_every_save(self, backends):
        version = getattr(backends.workflow, "workflows_version", None)
        if version is None:
            pytest.skip("no workflows_version capability")
        seen = {version("a")}
        for _ in range(2):
            backends.workflow.save_workflows_registry("a", {"w": {}})
            seen.add(version("a"))
            backends.workflow.save_current_workflow_name("a", "w")
            seen.add(version("a"))
        assert len(seen) == 5 and version("a") == version("a")
        hash(version("a"))

    # -- optional backends --------------------------------------------------

    def test_telemetry_is_append_only_in_order(self, backends):
        telemetry = backends.telemetry
        if telemetry is None:
            pytest.skip("telemetry off")
        telemetry.log_event("a", "one", timestamp="t1", context={"k": [1]})
        telemetry.log_event("a", "two", timestamp="t2", context={})
        telemetry.log_event("b", "other", timestamp="t3", context={})
        get_events = getattr(telemetry, "get_events", None)
        if get_events is not None:
            assert [e["event_type"] for e in get_events("a")] == ["one", "two"]
            assert get_events("a")[0] == {
                "event_type": "one",
                "timestamp": "t1",
                "context": {"k": [1]},
            }
            assert get_events("nope") == []

    def test_conversation_history(self, backends):
        history = backends.conversation_history
        if history is None:
            pytest.skip("conversation history off")
        assert history.get_conversation_history("k") == []
        entry = {"role": "user", "content": "hi"}
        history.append_to_conversation_history("k", entry)
        entry["content"] = "changed"
        history.append_to_conversation_history("k", {"role": "assistant", "content": "yo"})
        got = history.get_conversation_history("k")
        assert [e["content"] for e in got] == ["hi", "yo"]
        got.clear()
        history.save_conversation_history("k", [{"role": "system", "content": "s"}])
        assert history.get_conversation_history("k") == [{"role": "system", "content": "s"}]
        history.delete_conversation_history("k")
        assert history.get_conversation_history("k") == []

    def test_context_schema(self, backends):
        schemas = backends.context_schema
        if schemas is None:
            pytest.skip("context schema off")
        assert schemas.get_context_schema("a") is None
        schema = {"result": {"type": "integer"}}
        schemas.save_context_schema("a", schema)
        schema["other"] = {}
        assert schemas.get_context_schema("a") == {"result": {"type": "integer"}}
        assert schemas.delete_context_schema("a") is True
        assert schemas.delete_context_schema("a") is False
        assert schemas.get_context_schema("a") is None

    def test_identity(self, backends):
        identity = backends.identity
        if identity is None:
            pytest.skip("identity off")
        assert identity.get_identities("a") is None
        identity.save_identities("a", {"bot": "You are a bot."})
        assert identity.get_identities("a") == {"bot": "You are a bot."}
        if hasattr(identity, "get_identity"):
            assert identity.get_identity("a", "bot") == "You are a bot."
            assert identity.get_identity("a", "nope") is None
        assert identity.delete_identities("a") is True
        assert identity.delete_identities("a") is False

    def test_cleanup_all_forgets_everything(self, backends):
        backends.context.save_context("a", {"x": [1]})
        backends.workflow.save_workflows_registry("a", {"w": {}})
        backends.workflow.save_current_workflow_name("a", "w")
        backends.cleanup_all()
        assert backends.context.get_context("a") == {}
        assert not backends.workflow.get_workflows_registry("a")
        assert backends.workflow.get_current_workflow_name("a") == ""

    # -- the engine on these backends ---------------------------------------

    def test_workflow_run_matches_memory(self, backends):
        from .backends import create_in_memory_backends

        expected = _run_workflow(create_in_memory_backends())
        got = _run_workflow(backends)
        assert got[0] == expected[0]
        root = got[0]["context"]
        assert sorted(root["result"]) == [1, 4, 9] and root["total"] == [14]
        assert "FINISHED" in root["__operational__"]["signals"]
        if len(got) > 1:  # the backend lists its contexts
            assert got == expected


from .journal_contract import JournalContract  # noqa: E402  (re-exported for plugins)

__all__ = ["BackendContract", "JournalContract"]
