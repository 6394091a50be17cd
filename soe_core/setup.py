"""Assembling nodes and backends: ``create_all_nodes`` and ``setup_orchestration``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .backends import create_in_memory_backends, create_local_backends
from .dispatch import runs_on_stack
from .plugins import PluginRegistry, get_registry
from .settings import Settings
from .tools import tools_registry_from_packs
from .wiring import NodeMap, NodeWiring, default_orchestrate_caller


def create_all_nodes(
    backends: Any,
    call_llm: Callable[[str, dict], str] | None = None,
    tools_registry: dict | None = None,
    *,
    caller: str = "sync",
    caller_options: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    registry: PluginRegistry | None = None,
    orchestrate_caller: Callable[..., str] | None = None,
    tool_packs: Iterable[str] = (),
) -> tuple[NodeMap, Callable[[str, list], None]]:
    """Build every installed node type; return ``(nodes, broadcast_signals_caller)`` (CORE-94).

    ``llm``-needing types are wired only with ``call_llm``; ``tools``-needing
    types are listed only with a ``tools_registry`` but still built on first
    use without one. ``caller`` names the signal transport (``sync``,
    ``threads``, ...) and ``caller_options`` are passed to its builder.
    """
    registry = registry or get_registry()
    if tool_packs:  # pack tools first, so the user's own entries win
        tools_registry = {
            **tools_registry_from_packs(tool_packs, registry),
            **(tools_registry or {}),
        }
    nodes = NodeMap()
    nodes.settings = settings or Settings.from_env()
    broadcast = registry.caller(caller).build(nodes, backends, **dict(caller_options or {}))
    nodes.broadcast_caller = broadcast
    wiring = NodeWiring(
        backends=backends,
        broadcast=broadcast,
        nodes=nodes,
        registry=registry,
        settings=nodes.settings,
        call_llm=call_llm,
        tools_registry=tools_registry,
    )
    wiring.orchestrate_caller = orchestrate_caller or default_orchestrate_caller(nodes)
    nodes.wiring = wiring
    for name, spec in registry.node_types.items():
        if spec.needs == "llm" and call_llm is None:
            nodes.unwired[name] = "create_all_nodes() was called without call_llm"
            continue
        if spec.needs == "tools" and tools_registry is None:
            nodes.lazy[name] = spec
            continue
        nodes[name] = runs_on_stack(spec.build(wiring))
    return nodes, broadcast


def setup_orchestration(
    call_llm: Callable[[str, dict], str] | None = None,
    tools_registry: dict | None = None,
    use_local_storage: bool = False,
    storage_dir: str = "./orchestration_data",
) -> tuple[Any, Callable[[str, list], None]]:
    """Backends plus a broadcast caller in one call (CORE-97)."""
    if use_local_storage:
        backends = create_local_backends(
            context_storage_dir=os.path.join(storage_dir, "contexts"),
            workflow_storage_dir=os.path.join(storage_dir, "workflows"),
            telemetry_storage_dir=os.path.join(storage_dir, "telemetry"),
            conversation_history_storage_dir=os.path.join(storage_dir, "conversations"),
            context_schema_storage_dir=os.path.join(storage_dir, "schemas"),
            identity_storage_dir=os.path.join(storage_dir, "identities"),
        )
    else:
        backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends, call_llm=call_llm, tools_registry=tools_registry)
    return backends, broadcast
