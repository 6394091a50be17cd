"""The keys of router, tool and child nodes as pydantic models, for docs and tooling.

Kept apart from the node modules so that loading the plugin imports no
pydantic; ``NodeType.config_model`` names these models and they are imported
when first read (issue #9). Validation stays in each type's ``validate``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Emission(BaseModel):
    model_config = ConfigDict(extra="allow")
    signal_name: str
    condition: str | None = None


class RouterConfig(BaseModel):
    """Keys of a router node."""

    model_config = ConfigDict(extra="allow")
    node_type: str = "router"
    event_triggers: list[str]
    event_emissions: list[Emission]


class ToolConfig(BaseModel):
    """Keys of a tool node."""

    model_config = ConfigDict(extra="allow")
    node_type: str = "tool"
    event_triggers: list[str]
    tool_name: str
    parameters: dict | None = None
    context_parameter_field: str | None = None
    output_field: str | None = None
    event_emissions: list[dict] | None = None


class ChildConfig(BaseModel):
    """Keys of a child node."""

    model_config = ConfigDict(extra="allow")
    node_type: str = "child"
    event_triggers: list[str]
    child_workflow_name: str
    child_initial_signals: list[str]
    input_fields: list[str] = []
    signals_to_parent: list[str] = []
    context_updates_to_parent: list[str] = []
    fan_out_field: str | None = None
    child_input_field: str | None = None
    spawn_interval: float = 0.0
    event_emissions: list[dict] | None = None  # validated, never emitted (CHILD-3)
