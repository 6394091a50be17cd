"""What the plugin registers: the ``llm`` and ``agent`` node types and the ``fake`` provider.

Built without importing the node implementations (pydantic, Jinja, the agent
loop): ``create_all_nodes`` wires the llm types only when given a
``call_llm``, so a process that never builds them never imports them
(issue #9). Validation (:mod:`.config`) is light and stays direct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soe_core import LlmProvider, NodeType

from .config import validate_agent, validate_llm


def _build_llm(wiring: Any) -> Callable[[str, dict], None]:
    from .llm_node import create_llm_node_caller

    return create_llm_node_caller(wiring.backends, wiring.call_llm, wiring.broadcast)


def _build_agent(wiring: Any) -> Callable[[str, dict], None]:
    from .agent_node import create_agent_node_caller

    return create_agent_node_caller(
        wiring.backends,
        wiring.tools_registry if wiring.tools_registry is not None else {},
        wiring.call_llm,
        wiring.broadcast,
        resolve_tool=wiring.resolve_tool,
    )


def _build_fake(model: str | None = None, **options: Any) -> Any:
    from .fake import FakeLlm

    return FakeLlm(model, **options)


LLM = NodeType(
    name="llm",
    validate=validate_llm,
    build=_build_llm,
    needs="llm",
    config_model="soe_nodes_llm.models:LlmConfig",
    description="asks the LLM once for a validated JSON answer; stores it and emits signals",
)

AGENT = NodeType(
    name="agent",
    validate=validate_agent,
    build=_build_agent,
    needs="llm",
    config_model="soe_nodes_llm.models:AgentConfig",
    description="an LLM that calls the tools listed in 'tools' until it can answer",
)

FAKE_PROVIDER = LlmProvider(
    name="fake",
    build=_build_fake,
    description="deterministic offline test/demo double: schema-valid JSON, first offered signal",
)
