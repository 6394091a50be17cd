"""In-process signal transports for SOE."""

from .sync import build_sync_caller

__all__ = ["build_sync_caller"]
