"""The openai provider against a local chat-completions server: plain and rich calls,
node settings, structured output and its fallback, configuration errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from soe_contrib_openai.errors import OpenAiConfigurationError
from soe_contrib_openai.provider import OpenAiLlm
from soe_contrib_openai.structured import FORMAT_LABEL
from soe_nodes_llm import RichLlm

from soe_core import SoeError
from soe_core.llm import get_llm
from soe_core.plugins import get_registry

SCHEMA = {
    "title": "SummaryResponse",
    "type": "object",
    "properties": {"summary": {"title": "Summary", "type": "string"}},
    "required": ["summary"],
}


def test_registered_through_the_provider_hook():
    """CALL-8a: ``openai`` comes from soe-contrib-openai through ``soe_llm_providers``."""
    registry = get_registry()
    assert registry.llm_provider("openai").name == "openai"
    info = next(i for i in registry.plugins if i.name == "openai")
    assert info.distribution == "soe-contrib-openai"
    llm = get_llm("openai:gpt-4o-mini", api_key="k")
    assert isinstance(llm, OpenAiLlm) and isinstance(llm, RichLlm)
    assert llm.model == "gpt-4o-mini"
    assert llm.base_url.startswith("https://api.openai.com/v1")


def test_loading_the_plugin_does_not_import_the_sdk():
    code = "import sys, soe_contrib_openai.hooks; assert 'openai' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plain_call_sends_the_prompt_as_one_user_message(llm, server):
    """CALL-1, CALL-2, CALL-5: ``call_llm(prompt, config) -> str`` works unchanged."""
    assert llm("Say hi", {"name": "Ask"}) == '{"output": "ok"}'
    (body,) = server.requests
    assert body["model"] == "test-model"
    assert body["messages"] == [{"role": "user", "content": "Say hi"}]
    assert "response_format" not in body
    assert server.api_keys == ["test-key"]


def test_node_config_chooses_model_and_sampling(make_llm, server):
    """CALL-4: provider keys in the node config reach the request; engine keys do not."""
    llm = make_llm(temperature=0, seed=7)
    config = {
        "name": "Ask",
        "node_type": "llm",
        "prompt": "{{ context.x }}",
        "event_triggers": ["START"],
        "model": "bigger-model",
        "temperature": 0.2,
        "max_tokens": 50,
        "extra_body": {"top_k": 5},
    }
    llm.complete([{"role": "user", "content": "hi"}], None, config)
    (body,) = server.requests
    assert body["model"] == "bigger-model"
    assert (body["temperature"], body["seed"], body["max_tokens"], body["top_k"]) == (0.2, 7, 50, 5)
    assert not {"prompt", "event_triggers", "node_type", "name"} & set(body)


def test_rich_call_keeps_roles_and_asks_for_structured_output(llm, server):
    """CALL-8a: messages go out as given; an object schema becomes ``json_schema``."""
    server.push('{"summary": "short"}')
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Summarise the text."},
    ]
    assert llm.complete(messages, SCHEMA, {}) == '{"summary": "short"}'
    (body,) = server.requests
    assert body["messages"] == messages
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "SummaryResponse", "schema": SCHEMA, "strict": False},
    }


def test_plain_call_reads_the_schema_from_the_engine_request(llm, server):
    """RES-2: the schema line after the engine's label turns on structured output."""
    prompt = f'{{"prompt":"x"}}\n\n{FORMAT_LABEL}\n{json.dumps(SCHEMA)}\nDo not return the schema.'
    llm(prompt, {})
    assert server.requests[0]["response_format"]["json_schema"]["schema"] == SCHEMA


def test_a_bare_value_schema_is_asked_for_in_words(llm, server):
    """RES-8 rule 1: a scalar root cannot be a json_schema response; instructions are added."""
    schema = {"title": "CountRoot", "type": "integer"}
    llm.complete([{"role": "user", "content": "How many?"}], schema, {})
    (body,) = server.requests
    assert "response_format" not in body
    assert body["messages"][-1]["role"] == "user"
    assert body["messages"][-1]["content"].startswith(FORMAT_LABEL + "\n" + json.dumps(schema))


def test_server_refusing_response_format_falls_back_once_per_client(llm, server):
    """A 400 naming response_format: retry at once without it, and never send it again."""
    server.reject_response_format = True
    messages = [{"role": "user", "content": "Summarise"}]
    assert llm.complete(messages, SCHEMA, {}) == '{"output": "ok"}'
    assert ["response_format" in body for body in server.requests] == [True, False]
    assert server.requests[1]["messages"][-1]["content"].startswith(FORMAT_LABEL)
    assert llm.structured_output is False and llm.slept == []
    llm.complete(messages, SCHEMA, {})
    assert ["response_format" in body for body in server.requests] == [True, False, False]


def test_structured_output_can_be_switched_off(make_llm, server):
    llm = make_llm(structured_output="false")
    llm.complete([{"role": "user", "content": "x"}], SCHEMA, {})
    assert "response_format" not in server.requests[0]


def test_missing_api_key_names_the_environment_variable():
    """Checked when the provider is built, before any workflow starts."""
    with pytest.raises(OpenAiConfigurationError, match="OPENAI_API_KEY") as caught:
        get_llm("openai:gpt-4o-mini")
    assert isinstance(caught.value, SoeError) and isinstance(caught.value, ValueError)
    assert "api_key" in str(caught.value)


def test_environment_supplies_key_and_base_url(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    llm = get_llm("openai:test-model")
    llm("hi", {})
    assert server.api_keys == ["from-env"]
    llm.close()


def test_bad_options_are_named():
    with pytest.raises(OpenAiConfigurationError, match="temprature.*known: api_key"):
        get_llm("openai:m", api_key="k", temprature=0.5)
    with pytest.raises(OpenAiConfigurationError, match="'timeout' must be a positive number"):
        get_llm("openai:m", api_key="k", timeout="soon")
    with pytest.raises(OpenAiConfigurationError, match="'max_retries' must be a non-negative"):
        get_llm("openai:m", api_key="k", max_retries=-1)


def test_a_model_is_required_somewhere(server):
    llm = get_llm("openai", api_key="k", base_url=server.url)
    with pytest.raises(OpenAiConfigurationError, match="no model for node 'Ask'"):
        llm("hi", {"name": "Ask"})
    assert llm("hi", {"model": "from-node"}) == '{"output": "ok"}'
    assert server.requests[0]["model"] == "from-node"
    llm.close()


def test_a_local_server_is_reached_past_proxy_variables(server, monkeypatch):
    """Ollama or vLLM on this machine is never behind the proxy of HTTP_PROXY."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY")
    llm = get_llm("openai:test-model", base_url=server.url, api_key="k", max_retries=0)
    assert llm("hi", {}) == '{"output": "ok"}'
    llm.close()
