"""Hook implementations of soe-callers."""

from soe_core import CallerType, hookimpl

from .sync import build_sync_caller


@hookimpl
def soe_callers():
    return [
        CallerType(
            "sync",
            build_sync_caller,
            "in-process, synchronous, depth-first (the default)",
        )
    ]
