"""Native structured output (``response_format``) and the plain-JSON fallback.

The engine already puts JSON instructions with the schema in the request
text (RES-2), so the fallback for a server that refuses ``response_format``
is to send the same messages without it. Only an object schema is sent as
``json_schema``: OpenAI requires an object at the root, and the engine asks
for bare scalars or lists when a context schema says so (RES-8).
"""

from __future__ import annotations

import json
import re

FORMAT_LABEL = "Respond ONLY with a valid JSON object matching this schema:"
"""The engine's label before the schema in every request (RES-2)."""

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def response_format(schema: dict | None) -> dict | None:
    """``{"type": "json_schema", ...}`` for an object schema, else ``None``."""
    schema = object_root(schema)
    if schema is None:
        return None
    name = _NAME_CHARS.sub("_", str(schema.get("title") or "response"))[:64] or "response"
    # strict mode would demand additionalProperties: false and every key required,
    # which the engine's schemas (open objects, optional fields) do not promise
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}


def object_root(schema: dict | None) -> dict | None:
    """The schema with an object at its root, or ``None`` when the answer is not an object.

    A context-schema root model is a ``$ref`` to its object in ``$defs``
    (pydantic's shape); the object is moved to the root, keeping ``$defs``
    for the references inside it.
    """
    if not isinstance(schema, dict):
        return None
    ref = schema.get("$ref")
    defs = schema.get("$defs") or {}
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"))
        if not isinstance(target, dict):
            return None
        schema = {**target, "title": schema.get("title", target.get("title")), "$defs": defs}
    return schema if schema.get("type") == "object" else None


def schema_from_prompt(prompt: str) -> dict | None:
    """The JSON Schema in an engine request text, so plain calls get structured output too."""
    marker = FORMAT_LABEL + "\n"
    start = prompt.rfind(marker)
    if start < 0:
        return None
    line = prompt[start + len(marker) :].split("\n", 1)[0]
    try:
        schema = json.loads(line)
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None


def with_json_instructions(messages: list[dict], schema: dict | None) -> list[dict]:
    """Messages that ask for JSON in words, for servers without ``response_format``.

    Engine requests carry the instructions already and are returned as they
    are; other callers of ``complete`` get them appended as a user turn.
    """
    if schema is None or any(FORMAT_LABEL in str(m.get("content", "")) for m in messages):
        return messages
    text = (
        f"{FORMAT_LABEL}\n{json.dumps(schema)}\n"
        "Do not return the schema itself. Return a JSON instance that conforms to it."
    )
    return [*messages, {"role": "user", "content": text}]
