"""The Celery application shared by clients and workers, and sending jobs.

One message is one journaled job: ``soe.run_job(tree, job_id)``, where
``tree`` is the main execution id and ``job_id`` the id the journal gave
the job. The message holds nothing else; the worker reads the job from
the store, so a message is small and a stale one is harmless.

Settings (see docs/callers.md for the trade-offs):

* ``task_acks_late``: a message is acknowledged after its job ran, so a
  worker that dies mid-job leaves it to be delivered again;
* ``worker_prefetch_multiplier=1``: a worker holds no more messages than
  it has threads, so a dead worker strands few jobs;
* Redis ``visibility_timeout`` (default 120 s, env
  ``SOE_VISIBILITY_TIMEOUT``): how long a message may stay unacknowledged
  before the broker hands it to another worker. It is how a killed
  worker's jobs come back; a job running longer than this is delivered a
  second time (harmless for node effects, but the LLM call is paid twice).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from celery import Celery

RUN_JOB = "soe.run_job"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_QUEUE = "soe"
DEFAULT_VISIBILITY_TIMEOUT = 120.0
RESULT_EXPIRES = 3600  # only root jobs keep a result: the client's failure check

_apps: dict[tuple, Celery] = {}
_apps_lock = threading.Lock()


def broker_url_of(broker_url: str | None) -> str:
    return broker_url or os.environ.get("SOE_BROKER_URL") or DEFAULT_BROKER


def visibility_timeout_of(value: float | None) -> float:
    if value is None:
        text = os.environ.get("SOE_VISIBILITY_TIMEOUT", "")
        value = float(text) if text else DEFAULT_VISIBILITY_TIMEOUT
    value = float(value)
    if value <= 0:
        raise ValueError(f"visibility_timeout must be positive, got {value}")
    return value


def make_app(
    broker_url: str | None = None,
    *,
    queue: str = DEFAULT_QUEUE,
    visibility_timeout: float | None = None,
) -> Celery:
    """The Celery app for a broker (one per process and settings, reused)."""
    url = broker_url_of(broker_url)
    timeout = visibility_timeout_of(visibility_timeout)
    key = (url, queue, timeout)
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = _apps[key] = _new_app(url, queue, timeout)
        return app


def _new_app(url: str, queue: str, visibility_timeout: float) -> Celery:
    app = Celery("soe", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_expires=RESULT_EXPIRES,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            # look for stranded messages every second (kombu's default sweep
            # is 10 s x 10 calls, far longer than a short visibility timeout)
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )
    return app


def send_jobs(app: Celery, tree: str, job_ids: list[int]) -> None:
    """Send one ``soe.run_job`` message per job, over one producer."""
    if not job_ids:
        return
    with app.producer_or_acquire() as producer:
        for job_id in job_ids:
            app.send_task(RUN_JOB, args=[tree, job_id], producer=producer)


def send_root(app: Celery, tree: str, job_id: int) -> Any:
    """Send the job of an external broadcast; its result tells the client about failures."""
    return app.send_task(RUN_JOB, args=[tree, job_id], ignore_result=False)
