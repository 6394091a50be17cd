"""The scenarios on soe-ai 0.1.4 (run with benchmarks/.venvs/soe-ai/bin/python).

Its public API only: ``soe.orchestrate``, ``soe.broadcast_signals``,
``soe.create_all_nodes``, ``soe.local_backends``. Its durable store is the
file backends (``create_local_backends``), which stand in for our SQLite.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import time

from harness import fresh_process, main, memory_scenario
from soe import broadcast_signals, create_all_nodes, orchestrate
from soe.lib.context_fields import set_field
from soe.local_backends import create_in_memory_backends, create_local_backends
from workflows import FIELD_CONFIG, FRESH_CODE, LOOP_CONFIG, chain_config, fanout_config


def _operational(backends, execution_id: str) -> dict:
    return backends.context.get_context(execution_id)["__operational__"]


def chain(n: int, backends=None):
    backends = backends or create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    config = chain_config(n)
    ids: list[str] = []

    def run() -> None:
        ids.append(orchestrate(config, "chain", ["S0"], {}, backends, broadcast))

    return run, lambda: len(_operational(backends, ids[0])["nodes"])


def loop(k: int):
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    ids: list[str] = []

    def run() -> None:
        ids.append(orchestrate(LOOP_CONFIG, "loop", ["START"], {"limit": k}, backends, broadcast))

    return run, lambda: _operational(backends, ids[0])["nodes"].get("Step", 0)


def fanout(n: int):
    def call_llm(prompt: str, config: dict) -> str:
        time.sleep(0.1)  # a 100 ms model
        return '{"answer": "fake"}'

    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends, call_llm=call_llm)
    config = fanout_config(n)
    ids: list[str] = []

    def run() -> None:
        ids.append(orchestrate(config, "fanout", ["START"], {"topic": "x"}, backends, broadcast))

    def check() -> dict:
        # its llm node appends the answer twice to the in-memory history: count calls
        return {"units": _operational(backends, ids[0])["llm_calls"], "caller": "sync"}

    return run, check


def field(n: int):
    """One field written ``n`` times by a tool node, each run started by an outside signal."""
    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends, tools_registry={"value": lambda: 1})
    execution_id = orchestrate(FIELD_CONFIG, "field", ["READY"], {}, backends, broadcast)

    def run() -> None:
        for _ in range(n):
            broadcast_signals(execution_id, ["UPDATE"], nodes, backends)

    return run, lambda: len(backends.context.get_context(execution_id).get("x", []))


def field_store(n: int):
    """One field written ``n`` times the way its nodes do: get, set_field, save."""
    backends = create_in_memory_backends()
    backends.context.save_context("run", {"x": [0]})

    def run() -> None:
        for value in range(n):
            context = backends.context.get_context("run")
            set_field(context, "x", value)
            backends.context.save_context("run", context)

    return run, lambda: len(backends.context.get_context("run")["x"]) - 1


def durable(n: int):
    folder = tempfile.mkdtemp(prefix="soe-ai-bench-")
    atexit.register(shutil.rmtree, folder, True)
    backends = create_local_backends(
        context_storage_dir=f"{folder}/contexts",
        workflow_storage_dir=f"{folder}/workflows",
        telemetry_storage_dir=f"{folder}/telemetry",
    )
    return chain(n, warmed(backends))


def warmed(backends):
    """``backends`` after one untimed 1-node execution, as for our engine."""
    _nodes, broadcast = create_all_nodes(backends)
    orchestrate(chain_config(1), "chain", ["S0"], {}, backends, broadcast)
    return backends


def fresh(_size: int):
    return fresh_process(sys.executable, FRESH_CODE)


if __name__ == "__main__":
    main("soe-ai", {"chain": chain, "loop": loop, "fanout": fanout, "field": field,
                    "field-store": field_store, "durable": durable, "fresh": fresh,
                    "memory": memory_scenario(chain)})
