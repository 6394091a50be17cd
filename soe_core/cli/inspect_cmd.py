"""``soe inspect``: what a stored execution holds (context histories, events, children)."""

from __future__ import annotations

import json

import click

from ..inspection import describe_execution
from .options import json_option, open_store, store_option
from .screens import as_text, is_terminal, rich_available


@click.command("inspect")
@click.argument("execution_id", metavar="ID")
@store_option
@json_option
def inspect_command(execution_id: str, store: str, as_json: bool) -> None:
    """Show the execution ID: every field with its history, the event timeline
    and the child executions it started."""
    with open_store(store, must_exist=True) as backends:
        description = describe_execution(backends, execution_id)
    if description is None:
        raise click.ClickException(f"no execution '{execution_id}' in {store}")
    if as_json:
        click.echo(json.dumps(description, default=str, indent=2))
    elif is_terminal() and rich_available():
        render_rich(description)
    else:
        render_plain(description)


def render_plain(d: dict) -> None:
    click.echo(f"execution {d['execution_id']}")
    click.echo(f"workflow: {d['workflow'] or '-'}")
    if d["parent_execution_id"]:
        click.echo(f"parent: {d['parent_execution_id']}")
    click.echo("signals: " + " -> ".join(d["signals"]))
    click.echo("counters: " + " ".join(f"{k}={as_text(v)}" for k, v in d["counters"].items()))
    click.echo("context:")
    for key, value in d["context"].items():
        click.echo(f"  {key}: {as_text(value)}")
        history = d["history"][key]
        if len(history) > 1:
            click.echo(f"    history: {as_text(history)}")
    click.echo(f"events: {len(d['events'])}")
    for event in d["events"]:
        click.echo(
            f"  {event.get('timestamp')}  {event['event_type']}  {as_text(event.get('context'))}"
        )
    click.echo(f"children: {len(d['children'])}")
    for child in d["children"]:
        click.echo(f"  {child['execution_id']}  workflow {child['workflow']}  node {child['node']}")


def render_rich(d: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text.assemble(("execution ", "bold"), (d["execution_id"], "bold cyan")))
    console.print(Text.assemble(("workflow ", "bold"), d["workflow"] or "-"))
    if d["parent_execution_id"]:
        console.print(Text.assemble(("parent ", "bold"), d["parent_execution_id"]))
    console.print(Text.assemble(("signals ", "bold"), " → ".join(d["signals"])))
    console.print(Text.assemble(("counters ", "bold"), as_text(d["counters"])))
    fields = Table("field", "latest", "history", title="context", title_justify="left")
    for key, value in d["context"].items():
        history = d["history"][key]
        shown = as_text(history) if len(history) > 1 else ""
        fields.add_row(Text(key, style="bold"), Text(as_text(value)), Text(shown, style="dim"))
    console.print(fields)
    events = Table("time", "event", "data", title="events", title_justify="left")
    for event in d["events"]:
        events.add_row(
            Text(str(event.get("timestamp")), style="dim"),
            Text(event["event_type"], style="cyan"),
            Text(as_text(event.get("context"))),
        )
    console.print(events)
    children = Table("execution", "workflow", "node", title="children", title_justify="left")
    for child in d["children"]:
        children.add_row(child["execution_id"], str(child["workflow"]), str(child["node"]))
    console.print(children)
