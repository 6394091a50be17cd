"""Reusable checks for node-type validators.

"Required" uses truthiness (missing, null, "" and [] all count as missing);
"list" means a Python list. Messages carry the fragments of spec §3.2.
"""

from __future__ import annotations

from typing import Any

from ..context import OPERATIONAL, PARENT
from ..errors import WorkflowValidationError
from ..templating import validate_jinja_syntax


def fail(message: str) -> None:
    raise WorkflowValidationError(message)


def require(config: dict, key: str) -> Any:
    value = config.get(key)
    if not value:
        fail(f"'{key}' is required")
    return value


def require_list(config: dict, key: str) -> list:
    value = require(config, key)
    if not isinstance(value, list):
        fail(f"'{key}' must be a list, got {type(value).__name__}")
    return value


def optional_list(config: dict, key: str) -> list | None:
    value = config.get(key)
    if value is not None and not isinstance(value, list):
        fail(f"'{key}' must be a list, got {type(value).__name__}")
    return value


def optional_string(config: dict, key: str) -> str | None:
    value = config.get(key)
    if value is not None and not isinstance(value, str):
        fail(f"'{key}' must be a string, got {type(value).__name__}")
    return value


def event_triggers(config: dict) -> list:
    return require_list(config, "event_triggers")


def output_field(config: dict) -> None:
    value = optional_string(config, "output_field")
    if value == OPERATIONAL:
        fail("'output_field' cannot be '__operational__' (reserved system field)")
    if value == PARENT:
        fail("'output_field' cannot be '__parent__' (reserved system field)")


def string_list(config: dict, key: str) -> None:
    values = optional_list(config, key)
    for index, item in enumerate(values or ()):
        if not isinstance(item, str):
            fail(f"'{key}' items must be strings, item {index} is {type(item).__name__}")


def emission_items(emissions: list, *, jinja_check: bool) -> None:
    """Router-style emission checks: mapping, truthy name, string condition."""
    for position, item in enumerate(emissions, start=1):
        if not isinstance(item, dict):
            fail(f"Event emission must be an object with 'signal_name' (position {position})")
        signal = item.get("signal_name")
        if not signal:
            fail(f"Event emission at position {position} is missing 'signal_name'")
        condition = item.get("condition")
        if condition is not None and not isinstance(condition, str):
            fail(
                f"Event emission at position {position} has invalid 'condition': "
                f"must be a string, got {type(condition).__name__}"
            )
        if jinja_check and condition:
            validate_jinja_syntax(condition, f"Event emission '{signal}' condition")
