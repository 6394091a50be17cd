"""``soe run``: start a workflow from a file and report what happened."""

from __future__ import annotations

from pathlib import Path

import click

from ..engine import orchestrate
from .loading import parse_context
from .options import EngineOptions, engine_options, json_option, progress_option
from .report import run_and_report


@click.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-w", "--workflow", required=True, help="Workflow to start.")
@click.option(
    "-s", "--signal", "signals", multiple=True, required=True, help="Initial signal (repeatable)."
)
@click.option(
    "-c", "--context", "pairs", multiple=True, metavar="KEY=VALUE", help="Initial context field."
)
@click.option("--context-json", metavar="JSON", help="Initial context as a JSON object.")
@engine_options
@progress_option
@json_option
def run_command(
    file: Path,
    workflow: str,
    signals: tuple[str, ...],
    pairs: tuple[str, ...],
    context_json: str | None,
    engine: EngineOptions,
    progress: str,
    as_json: bool,
) -> None:
    """Run WORKFLOW from FILE, starting with the given signals.

    Prints the execution id first, progress while it runs and the final
    context last; exits with status 1 when the run fails.
    """
    initial_context = parse_context(pairs, context_json)
    config = file.read_text()

    def start(connection):
        return orchestrate(
            config,
            workflow,
            list(signals),
            initial_context,
            connection.backends,
            connection.broadcast,
        )

    run_and_report(engine, start, as_json=as_json, progress=progress)
