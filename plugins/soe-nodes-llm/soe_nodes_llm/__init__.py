"""SOE node types ``llm`` and ``agent``, identities, conversation history, context schema.

Also the ``fake`` LLM provider (a deterministic test/demo double) and the
:class:`RichLlm` protocol for providers offering chat messages and native
structured output.
"""

from soe_core.lazy import lazy_attributes

from .registrations import AGENT, FAKE_PROVIDER, LLM

# The rest is imported on first access (PEP 562): the plugin hook imports
# this package, and a process that builds no llm/agent node should not pay
# for pydantic, Jinja and the agent loop (issue #9).
_LAZY = {
    "AgentLimitError": ".agent_loop",
    "create_agent_node_caller": ".agent_node",
    "AgentToolNotFoundError": ".agent_tools",
    "validate_agent": ".config",
    "validate_llm": ".config",
    "AgentConfig": ".models",
    "LlmConfig": ".models",
    "FakeLlm": ".fake",
    "create_llm_node_caller": ".llm_node",
    "MaxRetriesExceeded": ".resolution",
    "TransientLlmError": ".resolution",
    "is_transient": ".resolution",
    "LlmClient": ".rich",
    "RichLlm": ".rich",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "AGENT",
    "FAKE_PROVIDER",
    "LLM",
    "AgentConfig",
    "AgentLimitError",
    "AgentToolNotFoundError",
    "FakeLlm",
    "LlmClient",
    "LlmConfig",
    "MaxRetriesExceeded",
    "RichLlm",
    "TransientLlmError",
    "create_agent_node_caller",
    "create_llm_node_caller",
    "is_transient",
    "validate_agent",
    "validate_llm",
]
