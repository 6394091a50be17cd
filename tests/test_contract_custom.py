"""The backend contract on a custom context backend with only the two seed methods.

Its writes go through the kernel's get-modify-save fallback, which is atomic
between the threads of one process (soe_core.store).
"""

from __future__ import annotations

import threading

from soe_core import LocalBackends, create_in_memory_backends
from soe_core.backend_contract import BackendContract


class TwoMethodContextBackend:
    """``save_context`` and ``get_context`` as the original SOE's in-memory store (CORE-90).

    ``save`` keeps a shallow copy and ``get`` returns the stored dict itself,
    so the kernel's get-modify-save appends in place. A store that deep-copies
    a whole context on both calls is quadratic over a run (8,000 appends took
    about 165 s); the engine must not rely on copies either way (CORE-89).
    """

    def __init__(self) -> None:
        self._contexts: dict[str, dict] = {}
        self._lock = threading.Lock()

    def save_context(self, id: str, context: dict) -> None:
        with self._lock:
            self._contexts[id] = dict(context)

    def get_context(self, id: str) -> dict:
        with self._lock:
            return self._contexts.get(id, {})

    def cleanup_all(self) -> None:
        with self._lock:
            self._contexts.clear()


class TestTwoMethodContract(BackendContract):
    copies_are_private = False  # seed semantics: get returns the stored dict

    def make_backends(self, tmp_path):
        memory = create_in_memory_backends()
        return LocalBackends(
            TwoMethodContextBackend(),
            memory.workflow,
            telemetry_backend=memory.telemetry,
            conversation_history_backend=memory.conversation_history,
            context_schema_backend=memory.context_schema,
            identity_backend=memory.identity,
        )


def test_two_method_backend_has_no_capabilities():
    backend = TwoMethodContextBackend()
    for capability in (
        "read_context",
        "update_context",
        "append_context_field",
        "extend_operational_signals",
        "increment_operational",
        "list_context_ids",
    ):
        assert not hasattr(backend, capability)
