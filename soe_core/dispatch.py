"""The work stack that replaces recursion in signal dispatch (CORE-35, CORE-68).

Work is a stack of tasks (zero-argument callables). While a task runs, the
tasks it submits are collected in order; when it returns they are pushed so
that the first submitted runs next. That reproduces exactly the depth-first
order of the original recursive engine -- a node's emissions and their whole
cascade finish before its next sibling runs -- with a stack depth of one,
whatever the length of the chain or loop.

User code (tool functions) runs ``isolated()``: a broadcast it makes runs to
completion before it returns, as the original promised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Task = Callable[[], None]


class _Loop:
    __slots__ = ("batch",)

    def __init__(self) -> None:
        self.batch: list[Task] = []


_state = threading.local()


def current_loop() -> _Loop | None:
    return getattr(_state, "loop", None)


def submit(task: Task) -> None:
    """Run ``task`` after the current task, or now if no loop runs in this thread."""
    loop = getattr(_state, "loop", None)
    if loop is not None:
        loop.batch.append(task)
    else:
        run(task)


def run(first: Task) -> None:
    """Run ``first`` and everything it submits, until no work is left."""
    loop = _Loop()
    previous = getattr(_state, "loop", None)
    _state.loop = loop
    # node-run counters outlive nested (isolated) loops, so a loop through
    # hand-made executors is still bounded by max_node_executions
    _state.depth = getattr(_state, "depth", 0) + 1
    if _state.depth == 1:
        _state.counters, _state.counters_lock = {}, None
    stack: list[Task] = [first]
    try:
        while stack:
            task = stack.pop()
            loop.batch = batch = []
            task()
            if batch:
                batch.reverse()
                stack.extend(batch)
    finally:
        _state.loop = previous
        _state.depth -= 1


def run_one(task: Task) -> list[Task]:
    """Run ``task`` alone and return, in order, the tasks it submitted.

    For callers that run the follow-ups elsewhere (another process or
    machine) instead of on this thread's stack.
    """
    loop = _Loop()
    previous = getattr(_state, "loop", None)
    _state.loop = loop
    _state.depth = getattr(_state, "depth", 0) + 1
    if _state.depth == 1:
        _state.counters, _state.counters_lock = {}, None
    try:
        task()
        return loop.batch
    finally:
        _state.loop = previous
        _state.depth -= 1


def count_step(execution_id: str) -> int:
    """Count one node run of an execution in the running loop; return the total."""
    state = _state
    try:
        counters, lock = state.counters, state.counters_lock
        if counters is None or not state.depth:
            return 0
    except AttributeError:  # this thread never ran a loop
        return 0
    if lock is None:
        total = counters.get(execution_id, 0) + 1
        counters[execution_id] = total
        return total
    with lock:  # shared by the worker threads of a concurrent run
        total = counters.get(execution_id, 0) + 1
        counters[execution_id] = total
        return total


def current_node() -> tuple[str, str] | None:
    """``(execution_id, node_name)`` of the node running in this thread, or None.

    Lets code called by a node (built-in tools recording who changed what)
    name the node without being passed it.
    """
    return getattr(_state, "node", None)


def run_executor(execution_id: str, node_name: str, executor, node_config: dict) -> None:
    """Call a node executor, marked as the node running in this thread.

    An executor not marked :func:`runs_on_stack` runs ``isolated()``: a
    hand-made one expects its broadcasts to finish inside it.
    """
    state = _state
    previous = getattr(state, "node", None)
    state.node = (execution_id, node_name)
    try:
        if getattr(executor, STACK_AWARE, False):
            executor(execution_id, node_config)
        else:
            with isolated():
                executor(execution_id, node_config)
    finally:
        state.node = previous


class isolated:  # noqa: N801 - used like the function it replaced: ``with isolated():``
    """Let broadcasts made inside the block run to completion synchronously."""

    __slots__ = ("previous",)

    def __enter__(self) -> None:
        self.previous = getattr(_state, "loop", None)
        _state.loop = None

    def __exit__(self, *exc_info) -> None:
        _state.loop = self.previous


STACK_AWARE = "soe_runs_on_stack"


def runs_on_stack(executor):
    """Mark a node executor whose emissions may be delivered after it returns.

    Executors built by node-type plugins are marked; an executor a user puts
    in the nodes map by hand is not, and runs ``isolated()`` so that its
    broadcasts complete before its call returns, as in the original SOE.
    """
    try:
        setattr(executor, STACK_AWARE, True)
        return executor
    except (AttributeError, TypeError):

        def marked(execution_id, node_config):
            return executor(execution_id, node_config)

        setattr(marked, STACK_AWARE, True)
        return marked
