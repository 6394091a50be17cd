"""The ``agent`` node: an LLM that may call tools before answering (AGENT-1..18).

Order of one run (AGENT-5): operational and config checks; history (with
the identity's system prompt); ``llm_call`` telemetry with
``{"stage": "router"}`` (once per run); tool loading and
``agent_tools_loaded``; the loop (:mod:`.agent_loop`). A ``tools`` entry that
names nothing raises ``AgentToolNotFoundError`` (a ``ValueError`` and a
``WorkflowValidationError``), as the reference did. Every other failure --
router or response stage exhausted, a provider exception, the error budget
or the iteration cap -- goes through ``llm_failure_signal`` when set, else
raises ``RuntimeError`` with the original message (AGENT-13, AGENT-14).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soe_core import EventTypes
from soe_core.dispatch import runs_on_stack
from soe_core.store import contexts
from soe_core.telemetry import execution_scope, register_event
from soe_core.validation import check_operational

from .agent_loop import AgentRun
from .agent_tools import load_tools, registry_from_list
from .config import validate_agent
from .identity import main_id_of, open_conversation
from .outcome import emit, handle_failure
from .registrations import AGENT  # the registered type; kept importable from here
from .resolution import Resolver
from .rich import LlmClient


def create_agent_node_caller(
    backends: Any,
    tools: Any,
    call_llm: Any,
    broadcast_signals_caller: Callable[[str, list], None],
    resolve_tool: Callable[[str, str], Any] | None = None,
) -> Callable[[str, dict], None]:
    """Build the executor of ``agent`` nodes (CORE-98 signature).

    ``tools`` is the reference's list of entries (``{"function": f, ...}`` or
    callables, keyed by function name) or a tools registry mapping.
    ``resolve_tool(name, execution_id)`` -- the wiring's lookup, which also
    finds built-in tools -- is used when given.
    """
    access = contexts(backends)
    client = LlmClient(call_llm)
    broadcast = broadcast_signals_caller
    if isinstance(tools, dict):
        registry: dict = tools
    else:
        registry = registry_from_list(tools or [])

    def lookup(name: str, execution_id: str) -> Any:
        if resolve_tool is not None:
            return resolve_tool(name, execution_id)
        return registry.get(name) or _builtin(name, execution_id, backends, registry)

    def execute_agent(execution_id: str, node_config: dict) -> None:
        context = check_operational(execution_id, access.read(execution_id))
        validate_agent(node_config)
        node_name = node_config.get("name")
        main_id = main_id_of(context, execution_id)
        try:
            conversation = open_conversation(
                backends, execution_id, main_id, node_config.get("identity"), node_name
            )
        except Exception as exc:
            handle_failure(backends, broadcast, execution_id, "agent", node_config, exc)
            return
        register_event(backends, execution_id, EventTypes.LLM_CALL, {"stage": "router"})
        names = list(node_config.get("tools") or [])
        toolset = load_tools(names, lambda name: lookup(name, execution_id), registry)
        register_event(
            backends,
            execution_id,
            EventTypes.AGENT_TOOLS_LOADED,
            {"node_name": node_name, "agent_tools": names, "registry_tools": list(registry)},
        )
        run = AgentRun(
            backends,
            Resolver(client, node_config),
            execution_id,
            main_id,
            node_config,
            toolset,
            conversation,
        )
        try:
            with execution_scope(backends, execution_id):  # providers may log llm_request
                signals = run.run()
        except Exception as exc:
            handle_failure(backends, broadcast, execution_id, "agent", node_config, exc)
            return
        emit(broadcast, execution_id, signals)

    return runs_on_stack(execute_agent)


def _builtin(name: str, execution_id: str, backends: Any, registry: dict) -> Any:
    """A built-in tool bound to this execution, for agents built without a wiring."""
    from soe_core.plugins import get_registry
    from soe_core.wiring import tool_entry

    tool = get_registry().builtin_tools().get(name)
    if tool is None:
        return None
    return tool_entry(tool, execution_id, backends, registry)

__all__ = ["AGENT", "create_agent_node_caller"]
