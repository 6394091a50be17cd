"""In-process signal transports for SOE."""

from .sync import build_sync_caller
from .threads import build_threads_caller

__all__ = ["build_sync_caller", "build_threads_caller"]
