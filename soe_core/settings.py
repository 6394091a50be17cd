"""Engine settings: limits and compatibility switches.

Defaults leave existing workflows unaffected (CORE-68). Each setting can be
overridden by an environment variable ``SOE_<NAME>`` (upper case).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Settings:
    max_node_executions: int = 1_000_000
    """Node runs allowed per execution within one delivery run."""
    max_child_depth: int = 100
    """Nesting of child executions below the root."""
    empty_fan_out_spawns_one: bool = False
    """The original spawned one child for an empty fan-out; we spawn none."""

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values = {}
        for spec in fields(cls):
            raw = os.environ.get(f"SOE_{spec.name.upper()}")
            if raw is None:
                continue
            if spec.type in ("bool", bool):
                values[spec.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            else:
                values[spec.name] = int(raw)
        return replace(cls(**values), **overrides)


DEFAULT_SETTINGS = Settings()


def settings_of(nodes) -> Settings:
    """Settings attached to a node map by ``create_all_nodes``, else defaults."""
    return getattr(nodes, "settings", None) or DEFAULT_SETTINGS
