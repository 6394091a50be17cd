"""YAML parsing with the safe loader (CORE-9)."""

from __future__ import annotations

from typing import Any

import yaml

from .errors import YamlSyntaxError

try:  # the C loader is several times faster when libyaml is present
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


def parse_yaml(data: Any) -> Any:
    """Parse a YAML string; return any other value unchanged.

    A syntax error raises a ``ValueError`` whose message starts with
    ``Invalid YAML configuration:``.
    """
    if not isinstance(data, str):
        return data
    try:
        return yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"Invalid YAML configuration: {exc}") from exc


def dump_yaml(data: Any) -> str:
    """Block-style YAML, keys in insertion order."""
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True)
