"""``fake``: a deterministic offline LLM, a test and demo double (never a real model).

``get_llm("fake")`` (meant for ``soe run --llm fake`` too) returns a :class:`FakeLlm`.
It reads the JSON Schema the engine asks for and answers a schema-valid
JSON instance, so every ``llm`` and ``agent`` node runs offline. It is a
:class:`~soe_nodes_llm.rich.RichLlm` (plain ``call_llm`` and chat
``complete``); both forms answer the same.

Rules (all decided from the request and the node config, no randomness):

* values: ``string`` -> ``"fake"``, ``integer`` -> ``1``, ``number`` -> ``1.0``,
  ``boolean`` -> ``true``, arrays -> one generated item, objects -> their
  required properties, enums -> the first value, optional values -> the first
  non-null choice, no type -> ``"fake"``;
* the node's output is ``fake_output`` from the node config when set;
* signals: ``fake_signal`` from the node config (a name or a list of names)
  when set, else the FIRST offered signal. Naming a signal that is not offered
  makes the answer invalid, which exercises retries and ``llm_failure_signal``;
* agents: the router calls each tool of ``fake_tools`` (node config, default
  none) once, in order -- a tool counts as called once the history shows its
  result or error -- then finishes. Arguments are generated from the tool's
  schema, updated with ``fake_tool_args: {tool: {arg: value}}``.

Options: ``latency`` (seconds to sleep per call, default 0). The model name
(``fake:anything``) is kept as :attr:`FakeLlm.model` and otherwise ignored.
Every request is recorded in :attr:`FakeLlm.calls`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .envelope import FORMAT_LABEL
from .registrations import FAKE_PROVIDER  # noqa: F401  (the registered provider, kept importable here)

FAKE_STRING = "fake"


class FakeLlm:
    """A deterministic provider answering schema-valid JSON (see module docs)."""

    def __init__(self, model: str | None = None, latency: float = 0.0, **options: Any):
        self.model = model or "fake"
        self.latency = float(latency or 0.0)
        self.options = options
        self.calls: list[tuple[Any, dict]] = []

    def __call__(self, prompt: str, config: dict) -> str:
        return self.call_llm(prompt, config)

    def call_llm(self, prompt: str, config: dict) -> str:
        self._wait()
        self.calls.append((prompt, config))
        return json.dumps(self.answer(_envelope(prompt), _schema(prompt), prompt, config or {}))

    def complete(self, messages: list[dict], schema: dict | None, config: dict) -> str:
        self._wait()
        self.calls.append((messages, config))
        users = [m.get("content", "") for m in messages if m.get("role") == "user"]
        request = next((text for text in reversed(users) if FORMAT_LABEL in text), "")
        history = "\n\n".join(str(m.get("content", "")) for m in messages)
        schema = schema if schema is not None else _schema(request)
        return json.dumps(self.answer(_envelope(request), schema, history, config or {}))

    def _wait(self) -> None:
        if self.latency > 0:
            time.sleep(self.latency)

    # -- the rules ---------------------------------------------------------

    def answer(self, envelope: dict, schema: dict | None, history: str, config: dict) -> Any:
        if not schema:
            return config.get("fake_output", FAKE_STRING)
        if "available_tools" in envelope:
            return _route(config, history)
        if "tool_name" in envelope:
            args = instance(schema, schema.get("$defs", {}))
            extra = (config.get("fake_tool_args") or {}).get(envelope.get("tool_name"))
            if isinstance(args, dict) and isinstance(extra, dict):
                args.update(extra)
            return args
        return _response(schema, config)


def _route(config: dict, history: str) -> dict:
    for name in config.get("fake_tools") or ():
        if f"[Tool: {name}]" not in history and f"[Tool Error: {name}]" not in history:
            return {"action": "call_tool", "tool_name": name}
    return {"action": "finish"}


def _response(schema: dict, config: dict) -> Any:
    properties = schema.get("properties") or {}
    wrapper = str(schema.get("title", "")).endswith("Response") and bool(properties)
    if not wrapper:
        if "fake_output" in config:
            return config["fake_output"]
        return instance(schema, schema.get("$defs", {}))
    answer = instance(schema, schema.get("$defs", {}))
    output_keys = [key for key in properties if key != "selected_signals"]
    if "fake_output" in config and output_keys:
        answer[output_keys[0]] = config["fake_output"]
    if "selected_signals" in properties:
        wanted = config.get("fake_signal")
        if wanted is None:
            offered = properties["selected_signals"].get("items", {}).get("enum") or []
            answer["selected_signals"] = offered[:1]
        else:
            answer["selected_signals"] = [wanted] if isinstance(wanted, str) else list(wanted)
    return answer


def instance(schema: dict, defs: dict, depth: int = 0) -> Any:
    """A deterministic value valid for a JSON Schema (the subset pydantic emits)."""
    if depth > 20:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return instance(defs.get(ref.rsplit("/", 1)[-1], {}), defs, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        choices = schema.get(key)
        if choices:
            usable = [c for c in choices if c.get("type") != "null"] or choices
            return instance(usable[0], defs, depth + 1)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: instance(properties[name], defs, depth + 1)
            for name in schema.get("required", [])
            if name in properties
        }
    if kind == "array":
        items = schema.get("items")
        return [instance(items, defs, depth + 1)] if isinstance(items, dict) else []
    return {"string": FAKE_STRING, "integer": 1, "number": 1.0, "boolean": True,
            "null": None}.get(kind, FAKE_STRING)


def _envelope(prompt: str) -> dict:
    head = prompt.split("\n\n", 1)[0]
    try:
        value = json.loads(head)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _schema(prompt: str) -> dict | None:
    marker = FORMAT_LABEL + "\n"
    start = prompt.find(marker)
    if start < 0:
        return None
    line = prompt[start + len(marker):].split("\n", 1)[0]
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def build_fake(model: str | None = None, **options: Any) -> FakeLlm:
    return FakeLlm(model, **options)

