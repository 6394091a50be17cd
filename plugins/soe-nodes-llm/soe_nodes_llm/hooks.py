"""Hook implementations of soe-nodes-llm."""

from soe_core import hookimpl

from .registrations import AGENT, FAKE_PROVIDER, LLM


@hookimpl
def soe_node_types():
    return [LLM, AGENT]


@hookimpl
def soe_llm_providers():
    return [FAKE_PROVIDER]
