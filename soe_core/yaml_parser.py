"""YAML parsing with the safe loader (CORE-9).

PyYAML is imported on first use: a workflow given as a mapping never needs it.
"""

from __future__ import annotations

import functools
from typing import Any

from .errors import YamlSyntaxError


@functools.cache
def _yaml() -> tuple[Any, Any]:
    import yaml

    # the C loader is several times faster when libyaml is present
    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(data: Any) -> Any:
    """Parse a YAML string; return any other value unchanged.

    A syntax error raises a ``ValueError`` whose message starts with
    ``Invalid YAML configuration:``.
    """
    if not isinstance(data, str):
        return data
    yaml, loader = _yaml()
    try:
        return yaml.load(data, Loader=loader)
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"Invalid YAML configuration: {exc}") from exc


def dump_yaml(data: Any) -> str:
    """Block-style YAML, keys in insertion order."""
    yaml, _loader = _yaml()
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True)
