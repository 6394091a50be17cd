from soe_core import create_in_memory_backends, create_local_backends
from soe_core.backends import LocalBackends

__all__ = ["LocalBackends", "create_in_memory_backends", "create_local_backends"]
