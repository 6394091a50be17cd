"""The scenarios on LangGraph (run with benchmarks/.venvs/langgraph/bin/python).

StateGraph, no checkpointer. Graphs are compiled before the clock starts
(compile time is reported as ``compile_s``); every node returns a one-key
state update, the nearest thing to our routers recording their run.
"""

from __future__ import annotations

import asyncio
import operator
import sys
import time
from functools import cache
from typing import Annotated, TypedDict

from harness import fresh_process, main, memory_scenario
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send


class Count(TypedDict):
    steps: int
    limit: int


class Answers(TypedDict):
    n: int
    answers: Annotated[list, operator.add]


def step(state: Count) -> dict:
    return {"steps": state["steps"] + 1}


def chain_graph(n: int):
    started = time.perf_counter()
    graph = StateGraph(Count)
    for i in range(n):
        graph.add_node(f"N{i}", step)
    graph.add_edge(START, "N0")
    for i in range(n - 1):
        graph.add_edge(f"N{i}", f"N{i + 1}")
    graph.add_edge(f"N{n - 1}", END)
    return graph.compile(), time.perf_counter() - started


cached_chain_graph = cache(chain_graph)  # the repeats of one size reuse the graph


def chain(n: int, build=cached_chain_graph):
    app, compile_s = build(n)
    out: dict = {}

    def run() -> None:
        out.update(app.invoke({"steps": 0, "limit": n}, {"recursion_limit": n + 10}))

    return run, lambda: {"units": out["steps"], "compile_s": round(compile_s, 3)}


def loop(k: int):
    graph = StateGraph(Count)
    graph.add_node("step", step)
    graph.add_edge(START, "step")
    graph.add_conditional_edges(
        "step", lambda s: "step" if s["steps"] < s["limit"] else END, ["step", END]
    )
    app = graph.compile()
    out: dict = {}

    def run() -> None:
        out.update(app.invoke({"steps": 0, "limit": k}, {"recursion_limit": k + 10}))

    return run, lambda: out["steps"]


async def ask(_payload: dict) -> dict:
    await asyncio.sleep(0.1)  # a 100 ms model
    return {"answers": ["fake"]}


def fanout(n: int):
    graph = StateGraph(Answers)
    graph.add_node("ask", ask)
    graph.add_conditional_edges(
        START, lambda s: [Send("ask", {"i": i}) for i in range(s["n"])], ["ask"]
    )
    graph.add_edge("ask", END)
    app = graph.compile()
    out: dict = {}

    def run() -> None:
        out.update(asyncio.run(app.ainvoke({"n": n, "answers": []})))

    return run, lambda: {"units": len(out["answers"]), "caller": "asyncio (Send)"}


FRESH_CODE = """
from typing import TypedDict
from langgraph.graph import END, START, StateGraph

class State(TypedDict):
    done: bool

graph = StateGraph(State)
graph.add_node("only", lambda state: {"done": True})
graph.add_edge(START, "only")
graph.add_edge("only", END)
assert graph.compile().invoke({"done": False}) == {"done": True}
"""


def fresh(_size: int):
    return fresh_process(sys.executable, FRESH_CODE)


if __name__ == "__main__":
    main("langgraph", {"chain": chain, "loop": loop, "fanout": fanout, "fresh": fresh,
                       "memory": memory_scenario(lambda n: chain(n, chain_graph))})
