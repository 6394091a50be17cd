"""The worker side: the ``soe.run_job`` task and ``serve`` (what ``soe worker`` runs).

A worker is one process running Celery's ``threads`` pool: jobs mostly
wait on LLMs and tools, so threads are cheap, and they share the one open
store (one database connection per thread). The store and the nodes are
opened once per process, before the first message is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from celery import Celery
from celery.utils.nodenames import default_nodename, host_format

from soe_core.journal import journal_of

from .app import DEFAULT_QUEUE, RUN_JOB, make_app, send_jobs
from .errors import CeleryCallerError
from .idle import DeferredIdleCheck
from .jobs import run_chain

DEFAULT_CONCURRENCY = 16
DEFAULT_CHAIN_BUDGET = 1.0  # seconds a message may go on with the jobs its job causes


class _Runtime:
    """The store and nodes of this worker process (set by :func:`serve`)."""

    connection: Any = None
    idle_check = DeferredIdleCheck()


def register_tasks(app: Celery, chain_budget: float = DEFAULT_CHAIN_BUDGET) -> Any:
    """Add ``soe.run_job`` to ``app``; return the task."""

    @app.task(name=RUN_JOB, bind=True)
    def run_job(self, tree: str, job_id: int) -> None:
        connection = _Runtime.connection
        if connection is None:
            raise CeleryCallerError("this worker was not started by `soe worker`: no store")
        info = self.request.delivery_info or {}
        run_chain(
            connection.nodes,
            connection.backends,
            tree,
            job_id,
            lambda job_ids: send_jobs(self.app, tree, job_ids),
            budget=chain_budget,
            redelivered=bool(info.get("redelivered")),
            check_idle=_Runtime.idle_check,
        )

    return run_job


def serve(
    connect: Callable[[], AbstractContextManager],
    *,
    concurrency: int | None = None,
    broker_url: str | None = None,
    queue: str = DEFAULT_QUEUE,
    visibility_timeout: float | None = None,
    chain_budget: float = DEFAULT_CHAIN_BUDGET,
    loglevel: str = "INFO",
    hostname: str | None = None,
) -> None:
    """Run a Celery worker serving SOE jobs until it is stopped (SIGTERM, Ctrl-C).

    ``connect()`` opens the store and wires the nodes (``soe worker`` builds
    it from --store, --tools, --llm); the store must keep a journal and be
    the one the clients use. A message goes on with the first job its job
    causes for up to ``chain_budget`` seconds (0: one job per message).
    """
    app = make_app(broker_url, queue=queue, visibility_timeout=visibility_timeout)
    register_tasks(app, float(chain_budget))
    with connect() as connection:
        if journal_of(connection.backends) is None:
            raise CeleryCallerError(
                "the celery worker needs a store with a journal shared with the clients "
                "(sqlite:///PATH on one host, postgresql://...)"
            )
        _Runtime.connection = connection
        try:
            worker = app.Worker(
                pool="threads",
                concurrency=concurrency or DEFAULT_CONCURRENCY,
                loglevel=loglevel,
                hostname=host_format(default_nodename(hostname)),
                queues=[queue],
                without_gossip=True,
                without_mingle=True,
            )
            worker.start()
        finally:
            _Runtime.connection = None
    if worker.exitcode:
        raise SystemExit(worker.exitcode)
