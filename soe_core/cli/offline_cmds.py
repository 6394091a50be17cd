"""Commands that read a workflow file and run nothing: ``soe validate`` and ``soe graph``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import WorkflowValidationError
from ..lint import lint
from ..signal_graph import as_dot, as_mermaid, build_graphs, registry_of
from ..validation.config import validate_config
from .loading import load_tools
from .options import tools_option


@click.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@tools_option
@click.option("-w", "--workflow", help="Workflow started with --signal (for reachability).")
@click.option("-s", "--signal", "signals", multiple=True, help="Entry signal of --workflow.")
def validate_command(file, tool_specs, workflow, signals):
    """Validate FILE and report likely mistakes; exit 1 on errors."""
    if signals and not workflow:
        raise click.UsageError("-s/--signal needs -w/--workflow (the workflow it starts)")
    entries = {workflow: set(signals) or None} if workflow else None
    findings = lint(file.read_text(), tools=load_tools(tool_specs), entry_signals=entries)
    for finding in findings:
        click.echo(str(finding), err=finding.level == "error")
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    click.echo(f"{file}: {errors} error(s), {warnings} warning(s)")
    if errors:
        sys.exit(1)


@click.command("graph")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-w", "--workflow", help="Only this workflow.")
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True
)
def graph_command(file, workflow, fmt):
    """Print the signal graph of FILE (nodes, signals as edges, child workflows)."""
    try:
        registry = registry_of(validate_config(file.read_text()))
    except (WorkflowValidationError, ValueError) as exc:
        raise click.ClickException(str(exc))
    if workflow and workflow not in registry:
        raise click.ClickException(
            f"Workflow '{workflow}' not found. Available workflows: {list(registry)}"
        )
    graphs = build_graphs(registry)
    click.echo(
        as_mermaid(graphs, workflow) if fmt == "mermaid" else as_dot(graphs, workflow), nl=False
    )
