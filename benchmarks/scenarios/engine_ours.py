"""The scenarios on our engine (run with the repository's .venv/bin/python).

The same workflows as soe-ai (``workflows.py``), through ``soe_core``. The
fan-out uses the ``fake`` LLM provider with ``latency=0.1`` and the first
installed concurrent caller (``SOE_BENCH_CALLER`` picks one by name), else
``sync``; the caller used is reported.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import uuid

from harness import fresh_process, main, memory_scenario
from workflows import FIELD_CONFIG, FRESH_CODE, LOOP_CONFIG, chain_config, fanout_config

from soe_core import (
    broadcast_signals,
    create_all_nodes,
    create_in_memory_backends,
    get_registry,
    open_backends,
    orchestrate,
)
from soe_core.llm import get_llm
from soe_core.store import contexts

CONCURRENT_WORDS = ("thread", "concurren", "parallel", "pool")


def concurrent_caller() -> str:
    """The caller to use for the fan-out: a concurrent one when installed."""
    wanted = os.environ.get("SOE_BENCH_CALLER")
    if wanted:
        return wanted
    for name, caller in sorted(get_registry().callers.items()):
        text = f"{name} {caller.description}".lower()
        if name != "sync" and any(word in text for word in CONCURRENT_WORDS):
            return name
    return "sync"


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
    caller = concurrent_caller()
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(
        backends, call_llm=get_llm("fake", latency=0.1), caller=caller
    )
    config = fanout_config(n)
    ids: list[str] = []

    def run() -> None:
        ids.append(orchestrate(config, "fanout", ["START"], {"topic": "x"}, backends, broadcast))

    def check() -> dict:
        answers = backends.context.get_context(ids[0]).get("answer", [])
        return {"units": len(answers), "caller": caller}

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
    """One field written ``n`` times through the engine's store access (what nodes use)."""
    backends = create_in_memory_backends()
    access = contexts(backends)
    access.save("run", {"x": [0]})

    def run() -> None:
        for value in range(n):
            access.write_field("run", "x", value)

    return run, lambda: len(backends.context.get_context("run")["x"]) - 1


def durable(n: int):
    folder = tempfile.mkdtemp(prefix="soe-bench-")
    atexit.register(shutil.rmtree, folder, True)
    return chain(n, warmed(open_backends(f"sqlite:///{folder}/{uuid.uuid4().hex}.db")))


def warmed(backends):
    """``backends`` after one untimed 1-node execution. A store's first use
    (statements prepared on the connection, the writer thread started) is
    paid once per process by a service, not per node of every workflow."""
    _nodes, broadcast = create_all_nodes(backends)
    orchestrate(chain_config(1), "chain", ["S0"], {}, backends, broadcast)
    return backends


def fresh(_size: int):
    return fresh_process(sys.executable, FRESH_CODE)


if __name__ == "__main__":
    main("ours", {"chain": chain, "loop": loop, "fanout": fanout, "field": field,
                  "field-store": field_store, "durable": durable, "fresh": fresh,
                  "memory": memory_scenario(chain)})
