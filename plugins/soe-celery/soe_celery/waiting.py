"""Waiting for an execution tree to finish, by reading the store.

The journal is the completion record: a tree whose pending jobs are all
done is quiescent, whichever worker did them. A failed job stays pending
and its worker marks the tree ``failed`` with the error text, which is
what the client raises. The root message's Celery result covers the one
failure the store cannot show: a worker whose store does not hold the
execution at all.
"""

from __future__ import annotations

import time
from typing import Any

from soe_core.journal import FAILED

from .errors import ExecutionFailed, WaitTimeout

FIRST_DELAY = 0.005


def wait_until_done(
    journal: Any,
    tree: str,
    *,
    root: Any = None,
    since: int = 0,
    timeout: float | None = None,
    poll_interval: float = 0.1,
) -> None:
    """Return when ``tree`` has no pending job numbered ``since`` or above.

    Raises if the tree failed or ``timeout`` passed. ``since`` (the root
    job's id) leaves out jobs pending from before, e.g. the job a past
    failure left for ``soe resume``: no message will ever run it. Polls
    with a backoff from 5 ms up to ``poll_interval`` seconds.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = FIRST_DELAY
    try:
        while any(job.id >= since for job in journal.pending(tree)):
            record = journal.execution(tree) or {}
            if record.get("status") == FAILED:
                raise ExecutionFailed(
                    f"execution '{tree}' failed on a worker: {record.get('error')}"
                )
            if root is not None:
                root = _check_root(root, tree)
            if deadline is not None and time.monotonic() > deadline:
                raise WaitTimeout(
                    f"execution '{tree}' still has work pending after {timeout} s; "
                    "it goes on running on the workers (are any running?)"
                )
            time.sleep(delay)
            delay = min(delay * 2, poll_interval)
    finally:
        if root is not None:
            root.forget()  # results are kept for root jobs only, and only this long


def _check_root(root: Any, tree: str) -> Any:
    """Raise the root job's worker error; None once it succeeded (no need to ask again)."""
    state = root.state
    if state == "FAILURE":
        error = root.result
        raise ExecutionFailed(
            f"execution '{tree}' failed on a worker: {type(error).__name__}: {error}"
        )
    if state == "SUCCESS":
        root.forget()
        return None
    return root
