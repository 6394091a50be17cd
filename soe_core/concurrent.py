"""Running the work of an execution on a thread pool (the ``threads`` caller).

The synchronous loop (:func:`soe_core.dispatch.run`) runs one task at a time,
depth first. Here every task runs on a pool thread; the tasks it submits --
the node runs of a broadcast, the children of a fan-out -- are handed to the
pool when it returns, so siblings run side by side. :meth:`ThreadPool.run`
returns when no task of its run is queued or running (the execution is
quiescent) and re-raises the first error; once an error happened, queued
tasks of that run are dropped and nothing new starts.

Nodes see the context as it is when they run: effects of siblings may be
visible, and the order of histories follows completion, not the registry.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from . import dispatch

_worker = threading.local()


class _Run:
    """One top-level call: its outstanding tasks, first error and step counters."""

    def __init__(self, executor: ThreadPoolExecutor):
        self.executor = executor
        self.outstanding = 0
        self.error: BaseException | None = None
        self.idle = threading.Condition()
        self.counters: dict[str, int] = {}
        self.counters_lock = threading.Lock()

    def start(self, task: dispatch.Task) -> None:
        with self.idle:
            if self.error is not None:
                return
            self.outstanding += 1
        self.executor.submit(self._work, task)

    def _work(self, task: dispatch.Task) -> None:
        follow_ups: list[dispatch.Task] = []
        try:
            if self.error is None:
                follow_ups = self._run_task(task)
        except BaseException as exc:  # handed to the waiting caller
            with self.idle:
                if self.error is None:
                    self.error = exc
        finally:
            for follow_up in follow_ups:
                self.start(follow_up)
            with self.idle:
                self.outstanding -= 1
                if not self.outstanding:
                    self.idle.notify_all()

    def _run_task(self, task: dispatch.Task) -> list[dispatch.Task]:
        state = dispatch._state
        loop = dispatch._Loop()
        state.loop, state.depth = loop, 1
        state.counters, state.counters_lock = self.counters, self.counters_lock
        _worker.active = True
        try:
            task()
            return loop.batch
        finally:
            state.loop, state.depth = None, 0
            state.counters = state.counters_lock = None
            _worker.active = False

    def wait(self) -> None:
        with self.idle:
            while self.outstanding:
                self.idle.wait()
        if self.error is not None:
            raise self.error


class ThreadPool:
    """A bounded pool of worker threads shared by the runs of one caller."""

    def __init__(self, max_workers: int = 64):
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(self, first: dispatch.Task) -> None:
        """Run ``first`` and everything it causes; return when all of it is done."""
        if getattr(_worker, "active", False):
            # a hand-made executor's broadcast inside a worker: waiting on the
            # pool from one of its own threads could deadlock, so run it here
            dispatch.run(first)
            return
        run = _Run(self._pool())
        run.start(first)
        run.wait()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_workers, thread_name_prefix="soe")
            return self._executor

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
