"""SOE node types ``llm`` and ``agent``, identities, conversation history, context schema.

Also the ``fake`` LLM provider (a deterministic test/demo double) and the
:class:`RichLlm` protocol for providers offering chat messages and native
structured output.
"""

from .agent_loop import AgentLimitError
from .agent_node import AGENT, create_agent_node_caller
from .agent_tools import AgentToolNotFoundError
from .config import AgentConfig, LlmConfig, validate_agent, validate_llm
from .fake import FAKE_PROVIDER, FakeLlm
from .llm_node import LLM, create_llm_node_caller
from .resolution import MaxRetriesExceeded, TransientLlmError, is_transient
from .rich import LlmClient, RichLlm

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
