"""Running an execution on threads (the ``threads`` caller): waits overlap, work does not.

A run keeps the work stack of the synchronous loop (:func:`dispatch.run`):
one task at a time, depth first, in the same order. What changes is that a
task may say it is about to wait on the outside world -- an LLM request, a
tool call, a spawn interval -- with :func:`waiting`. It then lets go of the
run, another thread carries on with the stack, and the waiting task takes
the run back when its wait is over to finish (write its output, emit its
signals).

So every stretch of engine work between two waits is atomic: a join that
counts arrivals sees each arrival alone and fires once, as with the
synchronous caller, while fan-out children, swarm voters and the nodes of
one broadcast all wait on their LLMs at the same time. The engine's own
work would be serialised by Python's global interpreter lock anyway; what
threads buy is overlapping waits, and this keeps exactly that.

:meth:`ThreadPool.run` returns when the stack is empty and no task is out
waiting (the execution is quiescent), and re-raises the first error; once
an error happened, nothing new starts.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import weakref

from . import dispatch

_local = threading.local()


class _Run:
    """One top-level call: its work stack, the lock of whoever runs it, its first error."""

    def __init__(self, pool: ThreadPool, first: dispatch.Task):
        self.pool = pool
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.stack: list[dispatch.Task] = [first]
        self.running = 0  # tasks started and not finished, waiting ones included
        self.error: BaseException | None = None
        self.counters: dict[str, int] = {}
        self.counters_lock = threading.Lock()

    def work(self) -> None:
        """Run tasks from the stack until it is empty; the calling thread holds ``lock``."""
        while self.stack and self.error is None:
            task = self.stack.pop()
            self.running += 1
            follow_ups: list[dispatch.Task] = []
            try:
                follow_ups = self._run_task(task)
            except BaseException as exc:  # handed to the waiting caller
                if self.error is None:
                    self.error = exc
            finally:
                self.running -= 1
            if follow_ups and self.error is None:
                follow_ups.reverse()
                self.stack.extend(follow_ups)
        if self.error is not None:
            self.stack.clear()
        if not self.running:
            self.changed.notify_all()

    def _run_task(self, task: dispatch.Task) -> list[dispatch.Task]:
        state = dispatch._state
        loop = dispatch._Loop()
        state.loop, state.depth = loop, 1
        state.counters, state.counters_lock = self.counters, self.counters_lock
        _local.run = self
        try:
            task()
            return loop.batch
        finally:
            _local.run = None
            state.loop, state.depth = None, 0
            state.counters = state.counters_lock = None

    def take_part(self) -> None:
        """Hold the run and work its stack (a pool thread answering a call for help)."""
        with self.lock:
            _local.held = self
            try:
                self.work()
            finally:
                _local.held = None


def waiting() -> contextlib.AbstractContextManager:
    """Mark a wait on the outside world: other work of the run may go on meanwhile.

    Node types wrap their LLM requests, tool calls and sleeps in it. Outside
    a ``threads`` run (synchronous caller, Celery worker) it does nothing.
    Code inside must not rely on the context staying as it was: other nodes
    may write meanwhile.
    """
    run = getattr(_local, "run", None)
    if run is None or getattr(_local, "held", None) is not run:
        return _NOTHING
    return _Waiting(run)


_NOTHING = contextlib.nullcontext()


class _Waiting:
    __slots__ = ("run",)

    def __init__(self, run: _Run):
        self.run = run

    def __enter__(self) -> None:
        run = self.run
        if run.stack:
            run.pool.call_for_help(run)
            run.changed.notify_all()  # the caller may be idle: it can help too
        _local.held = None
        run.lock.release()

    def __exit__(self, *exc_info) -> None:
        self.run.lock.acquire()
        _local.held = self.run


class ThreadPool:
    """Up to ``max_workers`` threads working on runs: the caller's own and ``max_workers - 1`` more.

    The pool threads start with the pool, like the connections of a
    connection pool: starting them during a run would delay the very
    siblings meant to wait at the same time. Idle, they block on a queue and
    cost nothing; they stop with :meth:`shutdown` or when the pool is
    collected.
    """

    def __init__(self, max_workers: int = 64):
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None
        self._start_threads()

    def run(self, first: dispatch.Task) -> None:
        """Run ``first`` and everything it causes; return when all of it is done."""
        if getattr(_local, "run", None) is not None:
            # a hand-made executor's broadcast inside a task: it finishes
            # inside that task, as with the synchronous caller
            dispatch.run(first)
            return
        if not self._threads and self.max_workers > 1:  # shut down earlier
            self._start_threads()
        run = _Run(self, first)
        with run.lock:
            _local.held = run
            try:
                while True:
                    run.work()
                    if not run.running:
                        break
                    _local.held = None
                    run.changed.wait()  # for waiting tasks to finish, or to help
                    _local.held = run
            finally:
                _local.held = None
        if run.error is not None:
            raise run.error

    def call_for_help(self, run: _Run) -> None:
        if self._threads:
            self._calls.put(run)

    def _start_threads(self) -> None:
        with self._lock:
            if self._finalizer is None or not self._finalizer.alive:
                self._finalizer = weakref.finalize(self, _stop, self._calls, self._threads)
            while len(self._threads) < self.max_workers - 1:
                thread = threading.Thread(
                    target=_answer_calls,
                    args=(self._calls,),
                    name=f"soe-{len(self._threads)}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def shutdown(self) -> None:
        """Stop the pool threads (a later run starts them again)."""
        with self._lock:
            finalizer = self._finalizer
        if finalizer is not None:
            finalizer()


def _answer_calls(calls: queue.SimpleQueue) -> None:
    while True:
        run = calls.get()
        if run is None:
            return
        run.take_part()
        del run  # let a finished run be collected while this thread idles


def _stop(calls: queue.SimpleQueue, threads: list[threading.Thread]) -> None:
    for _thread in threads:
        calls.put(None)
    current = threading.current_thread()
    for thread in threads:
        if thread is not current:
            thread.join()
    threads.clear()
