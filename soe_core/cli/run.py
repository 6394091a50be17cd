"""``soe run``: run a workflow file and print what happened."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..backends import open_backends
from ..context import template_view
from ..engine import orchestrate
from ..llm import get_llm
from ..setup import create_all_nodes
from ..store import contexts
from .loading import load_tools, parse_context


@click.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-w", "--workflow", required=True, help="Workflow to start.")
@click.option(
    "-s", "--signal", "signals", multiple=True, required=True, help="Initial signal (repeatable)."
)
@click.option(
    "-c", "--context", "pairs", multiple=True, metavar="KEY=VALUE", help="Initial context field."
)
@click.option("--context-json", help="Initial context as a JSON object.")
@click.option(
    "--store",
    default="sqlite:///soe.db",
    envvar="SOE_STORE",
    show_default=True,
    help="Storage URL (memory://, file://DIR, sqlite:///PATH); env SOE_STORE.",
)
@click.option(
    "--tools",
    "tool_specs",
    multiple=True,
    metavar="PACK|FILE.py|MODULE:ATTR",
    help="Tools registry source (repeatable).",
)
@click.option(
    "--llm",
    "llm_spec",
    metavar="NAME[:MODEL]",
    help="LLM provider for llm and agent nodes, e.g. fake or openai:gpt-4o-mini.",
)
@click.option(
    "--llm-option",
    "llm_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Provider option (repeatable), e.g. latency=0.1.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def run_command(
    file,
    workflow,
    signals,
    pairs,
    context_json,
    store,
    tool_specs,
    llm_spec,
    llm_options,
    as_json,
):
    """Run WORKFLOW from FILE, starting with the given signals."""
    initial_context = parse_context(pairs, context_json)
    tools = load_tools(tool_specs)
    call_llm = get_llm(llm_spec, **parse_context(llm_options, None)) if llm_spec else None
    backends = open_backends(store)
    try:
        _run(file, workflow, signals, initial_context, tools, call_llm, backends, as_json)
    finally:
        close = getattr(backends, "close", None)
        if close is not None:
            close()


def _run(file, workflow, signals, initial_context, tools, call_llm, backends, as_json):
    nodes, broadcast = create_all_nodes(backends, call_llm=call_llm, tools_registry=tools)
    status, error, execution_id = "completed", None, None
    try:
        execution_id = orchestrate(
            file.read_text(), workflow, list(signals), initial_context, backends, broadcast
        )
    except Exception as exc:  # reported, not a traceback
        status, error = "failed", exc
        execution_id = getattr(exc, "execution_id", None)
    context = dict(contexts(backends).read(execution_id)) if execution_id else {}
    fired = list((context.get("__operational__") or {}).get("signals", []))
    latest = {k: v for k, v in template_view(context).items() if not k.startswith("__")}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "execution_id": execution_id,
                    "status": status,
                    "signals": fired,
                    "context": latest,
                    "error": str(error) if error else None,
                },
                default=str,
                indent=2,
            )
        )
    else:
        click.echo(f"execution {execution_id or '-'}")
        if error is not None:
            click.echo(f"error: {error}", err=True)
        click.echo("signals: " + " -> ".join(fired))
        click.echo("context:")
        for key, value in latest.items():
            click.echo(f"  {key}: {json.dumps(value, default=str)}")
    if error is not None:
        sys.exit(1)
