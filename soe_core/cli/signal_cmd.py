"""``soe signal``: send external signals to an existing execution (CORE-69).

This is the human-in-the-loop step: a workflow stops when no node listens
any more, a person decides, and ``soe signal ID APPROVED`` carries it on.
"""

from __future__ import annotations

import click

from ..context import is_reserved
from ..store import contexts
from .loading import parse_context
from .options import Connection, EngineOptions, engine_options, json_option, progress_option
from .report import run_and_report


@click.command("signal")
@click.argument("execution_id", metavar="ID")
@click.argument("signals", nargs=-1, required=True, metavar="SIGNAL...")
@click.option(
    "-c",
    "--context",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Field to add to the context before the signals are sent (repeatable).",
)
@click.option("--context-json", metavar="JSON", help="Fields to add, as a JSON object.")
@engine_options
@progress_option
@json_option
def signal_command(
    execution_id: str,
    signals: tuple[str, ...],
    pairs: tuple[str, ...],
    context_json: str | None,
    engine: EngineOptions,
    progress: str,
    as_json: bool,
) -> None:
    """Send SIGNAL(s) to the execution ID and run the nodes that listen.

    Use the same --tools/--llm/--caller as for `soe run` so that the nodes
    that wake up can work. Prints like `soe run`.
    """
    updates = parse_context(pairs, context_json)
    reserved = [key for key in updates if is_reserved(key)]
    if reserved:
        raise click.BadParameter(f"reserved field(s) {reserved} cannot be set", param_hint="-c")

    def check(connection: Connection) -> None:
        if not connection.backends.context.get_context(execution_id):
            raise click.ClickException(f"no execution '{execution_id}' in {engine.store}")
        for message in unheard_signals(connection.backends, execution_id, signals):
            click.echo(f"warning: {message}", err=True)

    def send(connection: Connection) -> str:
        for key, value in updates.items():
            contexts(connection.backends).write_field(execution_id, key, value)
        connection.broadcast(execution_id, list(signals))
        return execution_id

    run_and_report(
        engine,
        send,
        as_json=as_json,
        progress=progress,
        execution_id=execution_id,
        before=check,
    )


def unheard_signals(backends, execution_id: str, signals: tuple[str, ...]) -> list[str]:
    """A warning for each signal no node of the current workflow listens to."""
    workflow = backends.workflow.get_current_workflow_name(execution_id)
    nodes = (backends.workflow.get_workflows_registry(execution_id) or {}).get(workflow) or {}
    heard = {
        trigger
        for node in nodes.values()
        if isinstance(node, dict)
        for trigger in node.get("event_triggers") or ()
    }
    return [
        f"no node of workflow '{workflow}' listens to '{signal}'"
        for signal in signals
        if signal not in heard
    ]
