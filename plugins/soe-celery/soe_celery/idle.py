"""Coalescing the "is the tree quiescent now?" checks of one worker process."""

from __future__ import annotations

import logging
import threading
from typing import Any

from .jobs import settle_if_idle

logger = logging.getLogger(__name__)


class DeferredIdleCheck:
    """Runs one :func:`~soe_celery.jobs.settle_if_idle` per tree, ``delay`` seconds after asked.

    Every job that causes nothing (a delivery no node listens to, the
    end of a child) may be a tree's last, but reading all pending jobs
    after each one costs O(frontier) each time. Requests arriving while a
    check is scheduled join it: it reads after their commits, so the
    tree's last job is always followed by a check.
    """

    def __init__(self, delay: float = 0.05):
        self.delay = delay
        self._lock = threading.Lock()
        self._scheduled: set[str] = set()

    def __call__(self, journal: Any, tree: str) -> None:
        with self._lock:
            if tree in self._scheduled:
                return
            self._scheduled.add(tree)
        timer = threading.Timer(self.delay, self._check, (journal, tree))
        timer.daemon = True
        timer.start()

    def _check(self, journal: Any, tree: str) -> None:
        with self._lock:
            self._scheduled.discard(tree)
        try:
            settle_if_idle(journal, tree)
        except Exception:  # a status is advisory: never kill the timer thread loudly
            logger.exception("could not settle the status of execution %s", tree)
