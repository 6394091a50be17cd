"""Reading a model's answer (RES-7, WEAK-8).

Steps: drop ``<think>…</think>`` blocks, strip, then try candidates in turn
and keep the first that validates against the response model (pydantic
``model_validate_json``, lax mode):

1. the whole text (so a bare ``"Hello {name}"`` or ``42`` is read as is);
2. each fenced block (three backticks, optional ``json`` tag) whose body
   starts with ``{``/``[`` and ends with ``}``/``]``;
3. each JSON value that starts at a ``{`` or ``[`` of the text, decoded by a
   real JSON decoder (so brackets inside strings never confuse it), scanning
   left to right and skipping what an earlier candidate covered.

The reference used only the first of these (a fence, else the first bracket
anywhere, else the text), so prose such as ``See [1].`` before the answer
made it fail; the first JSON value still wins whenever it is valid. When no
candidate validates, the error reported is the most useful one: the first
that is about content rather than JSON syntax, else the reference
candidate's syntax error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


def clean(text: str) -> str:
    return _THINK.sub("", text).strip()


def _fenced(text: str) -> list[str]:
    bodies = []
    for body in _FENCE.findall(text):
        body = body.strip()
        if body[:1] in "{[" and body[-1:] in "}]" and body:
            bodies.append(body)
    return bodies


def _embedded(text: str) -> list[str]:
    """Each JSON object or array in the text, left to right, not nested in another."""
    values, position = [], 0
    while True:
        starts = [i for i in (text.find("{", position), text.find("[", position)) if i >= 0]
        if not starts:
            return values
        start = min(starts)
        try:
            _value, end = _DECODER.raw_decode(text, start)
        except ValueError:
            position = start + 1
            continue
        values.append(text[start:end])
        position = end


def reference_candidate(text: str) -> str:
    """What the reference would validate (RES-7 steps 3-5): fence, first balanced value, text."""
    fenced = _fenced(text)
    if fenced:
        return fenced[0]
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        return text
    start = min(starts)
    opening = text[start]
    closing = "}" if opening == "{" else "]"
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return text[start:]


def candidates(text: str) -> list[str]:
    """Texts to try, in order, without repeats."""
    ordered = [text, *_fenced(text), *_embedded(text)]
    return list(dict.fromkeys(ordered))


def _is_syntax_error(error: ValidationError) -> bool:
    return all(item.get("type") == "json_invalid" for item in error.errors())


def parse_response(raw: Any, model: type[BaseModel]) -> BaseModel:
    """Validate an answer; raises ``ValidationError`` when nothing in it fits.

    A ``dict``, ``list`` or pydantic object answer is accepted by serialising
    it to JSON first (CALL-5 extension); any other non-string raises
    ``TypeError``, which is not retried.
    """
    text = clean(as_text(raw))
    first_content_error: ValidationError | None = None
    for candidate in candidates(text):
        try:
            return model.model_validate_json(candidate)
        except ValidationError as error:
            if first_content_error is None and not _is_syntax_error(error):
                first_content_error = error
    if first_content_error is not None:
        raise first_content_error
    return model.model_validate_json(reference_candidate(text))  # raises its syntax error


def as_text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, BaseModel):
        return raw.model_dump_json()
    if isinstance(raw, (dict, list)):
        return json.dumps(raw)
    raise TypeError(f"call_llm must return a str, got {type(raw).__name__}")
