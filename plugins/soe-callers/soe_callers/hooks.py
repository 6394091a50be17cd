"""Hook implementations of soe-callers."""

from soe_core import CallerType, hookimpl

from .sync import build_sync_caller
from .threads import build_threads_caller


@hookimpl
def soe_callers():
    return [
        CallerType(
            "sync",
            build_sync_caller,
            "in-process, synchronous, depth-first (the default)",
        ),
        CallerType(
            "threads",
            build_threads_caller,
            "in-process, concurrent: the nodes of a broadcast run on a thread pool "
            "(max_workers, env SOE_MAX_WORKERS, default 64)",
        ),
    ]
