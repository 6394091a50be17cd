"""Helpers for testing workflows with llm and agent nodes offline.

:class:`ScriptedLlm` is a ``call_llm`` that answers from a script and keeps
every request; :func:`request_record` and :func:`request_schema` read the
two parts of a request text (RES-2).
"""

from __future__ import annotations

import json
from typing import Any

from .envelope import FORMAT_LABEL


class ScriptedLlm:
    """A ``call_llm`` answering from a script.

    Each answer is a string (returned), an exception (raised), a dict or list
    (returned as JSON) or a callable ``(prompt, config) -> answer``. The last
    answer repeats once the script is used up.
    """

    def __init__(self, *answers: Any):
        self.answers = list(answers) or ['{"output": "ok"}']
        self.prompts: list[str] = []
        self.configs: list[dict] = []

    def __call__(self, prompt: str, config: dict) -> str:
        self.prompts.append(prompt)
        self.configs.append(config)
        answer = self.answers[min(len(self.prompts), len(self.answers)) - 1]
        if callable(answer) and not isinstance(answer, type):
            answer = answer(prompt, config)
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, (dict, list)):
            return json.dumps(answer)
        return answer

    @property
    def calls(self) -> int:
        return len(self.prompts)


def request_record(prompt: str) -> dict:
    """The JSON record at the head of a request text."""
    return json.loads(prompt.split("\n\n", 1)[0])


def request_schema(prompt: str) -> dict:
    """The JSON Schema a request asks the answer to match."""
    marker = FORMAT_LABEL + "\n"
    return json.loads(prompt[prompt.index(marker) + len(marker):].split("\n", 1)[0])
