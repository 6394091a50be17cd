"""A local chat-completions server for tests: OpenAI's wire format, stdlib only.

Point the provider at it to test workflows offline through the real SDK::

    with ChatServer(lambda body: '{"summary": "short"}') as server:
        engine = Engine("memory://", llm="openai:test-model",
                        llm_options={"base_url": server.url, "api_key": "test"})

``POST /v1/chat/completions`` checks the request the way a strict server
would (bearer key, ``model``, ``messages`` of ``{role, content}``, the shape
of ``response_format``) and answers ``400`` when it is wrong. Answers come
from a script of :class:`Reply` objects (``push``), then from ``responder``
(a function of the request body), else ``{"output": "ok"}``. Every request
body is kept in ``requests`` and its bearer key in ``api_keys``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROLES = {"system", "user", "assistant", "developer", "tool"}
SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class Reply:
    """One scripted answer: a text (``content``) or an error (``status`` + ``error``)."""

    content: str | None = None
    status: int = 200
    error: str = ""
    error_code: str | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    raw: str | None = None  # a body sent as is


def validate(body: Any) -> list[str]:
    """Problems a strict chat-completions server would report."""
    if not isinstance(body, dict):
        return ["body must be a JSON object"]
    problems = []
    if not isinstance(body.get("model"), str) or not body["model"]:
        problems.append("'model' is required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        problems.append("'messages' must be a non-empty list")
    else:
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ROLES:
                problems.append(f"messages[{index}].role is invalid")
            elif not isinstance(message.get("content"), str):
                problems.append(f"messages[{index}].content must be a string")
    fmt = body.get("response_format")
    if fmt is not None:
        problems.extend(_format_problems(fmt))
    return problems


def _format_problems(fmt: Any) -> list[str]:
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        return ["response_format.type must be text, json_object or json_schema"]
    if fmt["type"] != "json_schema":
        return []
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict):
        return ["response_format.json_schema is required"]
    problems = []
    if not isinstance(spec.get("name"), str) or not SCHEMA_NAME.match(spec["name"]):
        problems.append("response_format.json_schema.name is invalid")
    if not isinstance(spec.get("schema"), dict):
        problems.append("response_format.json_schema.schema must be an object")
    return problems


def _tokens(text: str) -> int:
    return len(text.split())


class ChatServer:
    """Start with ``with ChatServer() as server:``; ``server.url`` is the SDK's base URL."""

    def __init__(self, responder: Callable[[dict], str | Reply] | None = None):
        self.responder = responder
        self.script: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.api_keys: list[str] = []
        self.reject_response_format = False
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self._http.block_on_close = False
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def push(self, *replies: Reply | str) -> None:
        for reply in replies:
            self.script.append(Reply(content=reply) if isinstance(reply, str) else reply)

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._http.shutdown()
        self._http.server_close()

    # -- answering ------------------------------------------------------------

    def answer(self, body: dict, api_key: str = "") -> Reply:
        with self._lock:
            self.requests.append(body)
            self.api_keys.append(api_key)
            if self.reject_response_format and "response_format" in body:
                return Reply(
                    status=400,
                    error="response_format is not supported by this server",
                    error_code="unsupported_parameter",
                )
            if self.script:
                return self.script.popleft()
        if self.responder is not None:
            reply = self.responder(body)
            return Reply(content=reply) if isinstance(reply, str) else reply
        return Reply(content='{"output": "ok"}')

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path != "/v1/chat/completions":
                    return self._send(404, _error(f"no route {self.path}", "not_found"))
                authorization = self.headers.get("Authorization", "")
                if not authorization.startswith("Bearer "):
                    return self._send(401, _error("missing bearer key", "invalid_api_key"))
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    return self._send(400, _error("body is not JSON", "invalid_json"))
                problems = validate(body)
                if problems:
                    return self._send(400, _error("; ".join(problems), "invalid_request"))
                reply = server.answer(body, authorization.removeprefix("Bearer "))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    payload = _error(reply.error or "error", reply.error_code)
                    return self._send(reply.status, payload, reply.headers)
                if reply.raw is not None:
                    return self._send(200, reply.raw, reply.headers)
                return self._send(200, _completion(body, reply.content or ""), reply.headers)

            def _send(self, status: int, payload: Any, headers: dict | None = None) -> None:
                data = payload if isinstance(payload, str) else json.dumps(payload)
                raw = data.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, str(value))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    pass

        return Handler


def _error(message: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


def _completion(body: dict, content: str) -> dict:
    prompt = sum(_tokens(m["content"]) for m in body["messages"])
    completion = _tokens(content)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
