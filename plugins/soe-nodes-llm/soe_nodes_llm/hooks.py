"""Hook implementations of soe-nodes-llm."""

from soe_core import hookimpl

from .agent_node import AGENT
from .fake import FAKE_PROVIDER
from .llm_node import LLM


@hookimpl
def soe_node_types():
    return [LLM, AGENT]


@hookimpl
def soe_llm_providers():
    return [FAKE_PROVIDER]
