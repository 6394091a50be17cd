"""The ``llm`` node: one prompt, one validated answer (LLM-1..14).

Order of one run (LLM-3): operational and config checks; state (history
with the identity's system prompt, referenced fields, schema, signal
options); ``llm_call`` telemetry; prompt rendering (warnings as
``context_warning``); resolution; output stored once; history turn; signals.
Resolution, output and history sit in the failure guard (LLM-14); signals
are emitted after it, so a failing downstream node is never blamed on this
one (WEAK-3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soe_core import EventTypes
from soe_core.dispatch import runs_on_stack
from soe_core.outputs import save_output_to_context
from soe_core.store import contexts
from soe_core.telemetry import execution_scope, register_event
from soe_core.templating import ContextView, render_prompt
from soe_core.validation import check_operational

from .config import retries_of, validate_llm
from .envelope import LlmInput, context_json
from .history import render_llm_history
from .identity import main_id_of, open_conversation
from .outcome import emit, handle_failure, signal_options, signals_to_emit
from .registrations import LLM  # the registered type; kept importable from here
from .resolution import Request, Resolver
from .responses import build_response_model, extract_output, extract_signals
from .rich import LlmClient
from .schema import schema_for_output


def create_llm_node_caller(
    backends: Any, call_llm: Any, broadcast_signals_caller: Callable[[str, list], None]
) -> Callable[[str, dict], None]:
    """Build the executor of ``llm`` nodes (CORE-98 signature)."""
    access = contexts(backends)
    client = LlmClient(call_llm)
    broadcast = broadcast_signals_caller

    def execute_llm(execution_id: str, node_config: dict) -> None:
        context = check_operational(execution_id, access.read(execution_id))
        validate_llm(node_config)
        node_name = node_config.get("name")
        output_field = node_config.get("output_field")
        emissions = node_config.get("event_emissions")
        identity = node_config.get("identity")
        main_id = main_id_of(context, execution_id)
        try:
            conversation = open_conversation(backends, execution_id, main_id, identity, node_name)
            view = ContextView.of(context)
            template = node_config["prompt"]
            referenced = context_json(template, view, empty="")
            history_text = render_llm_history(conversation.entries)
            root = schema_for_output(backends, execution_id, main_id, output_field)
            options = signal_options(emissions)
        except Exception as exc:
            handle_failure(backends, broadcast, execution_id, "llm", node_config, exc)
            return
        register_event(backends, execution_id, EventTypes.LLM_CALL, {"identity": identity or None})
        prompt, warnings = render_prompt(template, view)
        if warnings:
            register_event(
                backends, execution_id, EventTypes.CONTEXT_WARNING, {"warnings": warnings}
            )
        try:
            model = build_response_model(output_field, root, options)
            record = LlmInput(
                prompt=prompt, context=referenced, conversation_history=history_text
            )
            resolver = Resolver(client, node_config)
            request = Request(record, model, history=list(conversation.entries))
            with execution_scope(backends, execution_id):  # providers may log llm_request
                validated = resolver.resolve(request, retries_of(node_config))
            value = extract_output(validated, output_field)
            selected = extract_signals(validated)
            save_output_to_context(backends, execution_id, output_field, value)
            if conversation.enabled:
                conversation.add_turn(prompt, value)
            signals = signals_to_emit(
                backends, execution_id, emissions, options, selected, node_name
            )
        except Exception as exc:
            handle_failure(backends, broadcast, execution_id, "llm", node_config, exc)
            return
        emit(broadcast, execution_id, signals)

    return runs_on_stack(execute_llm)

__all__ = ["LLM", "create_llm_node_caller"]
