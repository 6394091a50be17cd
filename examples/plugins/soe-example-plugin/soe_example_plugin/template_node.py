"""The ``template`` node: render a Jinja template into a context field, then emit.

It is built only from the kernel's public helpers, the way the built-in
``router`` and ``tool`` nodes are: ``checks`` for static validation,
``ContextView`` and ``compile_template`` for sandboxed rendering,
``save_output_to_context`` for the output, ``passing_signals`` for the
emissions and ``runs_on_stack`` so dispatch stays flat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from soe_core import NodeType, SoeError
from soe_core.dispatch import runs_on_stack
from soe_core.emissions import condition_warning, passing_signals
from soe_core.outputs import save_output_to_context
from soe_core.store import contexts
from soe_core.templating import ContextView, compile_template, validate_jinja_syntax
from soe_core.validation import check_operational, checks
from soe_core.yaml_parser import parse_yaml


class TemplateConfig(BaseModel):
    """Keys of a ``template`` node (for documentation; ``validate_template`` checks them)."""

    model_config = ConfigDict(extra="allow")
    node_type: str = "template"
    event_triggers: list[str]
    template: str
    output_field: str
    parse: Literal["text", "yaml"] = "text"
    event_emissions: list[dict] = []


def validate_template(config: dict) -> None:
    """Static checks, run by ``orchestrate()`` before anything is stored."""
    checks.event_triggers(config)
    template = checks.require(config, "template")
    if not isinstance(template, str):
        checks.fail(f"'template' must be a string, got {type(template).__name__}")
    validate_jinja_syntax(template, "'template'")
    output_field = checks.require(config, "output_field")
    checks.output_field(config)
    if output_field.startswith("__"):
        checks.fail(f"'output_field' cannot be '{output_field}' (reserved field)")
    if config.get("parse", "text") not in ("text", "yaml"):
        checks.fail("'parse' must be 'text' or 'yaml'")
    emissions = checks.optional_list(config, "event_emissions")
    checks.emission_items(emissions or [], jinja_check=True)


class TemplateRenderError(SoeError):
    """The template (or the YAML it rendered) could not be turned into a value."""


def build_template_node(wiring) -> Callable[[str, dict], None]:
    """The executor, built once per ``create_all_nodes`` call."""
    access = contexts(wiring.backends)

    def execute_template(execution_id: str, node_config: dict) -> None:
        context = check_operational(execution_id, access.read(execution_id))
        value = _render(node_config, ContextView.of(context))
        save_output_to_context(wiring.backends, execution_id, node_config["output_field"], value)
        # conditions see the stored context (with the new value) and `result`
        view = ContextView.of(access.read(execution_id))
        report = condition_warning(wiring.backends, execution_id, node_config.get("name"))
        signals = passing_signals(node_config.get("event_emissions"), view, report, result=value)
        if signals:
            wiring.broadcast(execution_id, signals)

    return runs_on_stack(execute_template)


def _render(node_config: dict, view: ContextView):
    where = f"template node '{node_config.get('name')}'"
    try:
        text = compile_template(node_config["template"]).render(context=view)
    except Exception as exc:
        raise TemplateRenderError(f"{where}: cannot render 'template': {exc}") from exc
    if node_config.get("parse", "text") == "text":
        return text
    try:
        return parse_yaml(text)
    except ValueError as exc:
        raise TemplateRenderError(f"{where}: rendered text is not YAML: {exc}") from exc


TEMPLATE = NodeType(
    name="template",
    validate=validate_template,
    build=build_template_node,
    config_model=TemplateConfig,
    description="renders a Jinja template into a context field and emits signals",
)
