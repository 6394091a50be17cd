"""``soe resume``, ``soe list`` and ``soe prune``: executions kept in a store."""

from __future__ import annotations

import datetime as dt
import json

import click

from ..errors import PruneError, ResumeError
from ..journal import journal_of
from ..resume import resume
from ..retention import prune
from .options import (
    Connection,
    EngineOptions,
    engine_options,
    json_option,
    open_store,
    progress_option,
    store_option,
)
from .report import run_and_report


@click.command("resume")
@click.argument("execution_id", metavar="ID")
@engine_options
@progress_option
@json_option
def resume_command(execution_id: str, engine: EngineOptions, progress: str, as_json: bool) -> None:
    """Finish the execution ID after a crash or a failure.

    The work that was pending when it stopped runs again, in the same
    order; work that had finished is not repeated. Use the same
    --tools/--llm as for the original `soe run`. Prints like `soe run`.
    """

    def check(connection: Connection) -> None:
        if journal_of(connection.backends) is None:
            raise click.ClickException(f"{engine.store} keeps no journal: nothing to resume")

    def finish(connection: Connection) -> str:
        try:
            resume(execution_id, connection.nodes, connection.backends)
        except ResumeError as exc:
            raise click.ClickException(str(exc)) from None
        return execution_id

    run_and_report(
        engine, finish, as_json=as_json, progress=progress, execution_id=execution_id, before=check
    )


@click.command("list")
@store_option
@click.option("--all", "show_all", is_flag=True, help="Child executions too.")
@json_option
def list_command(store: str, show_all: bool, as_json: bool) -> None:
    """List the executions of a store, oldest first."""
    with open_store(store, must_exist=True) as backends:
        journal = journal_of(backends)
        if journal is None:
            raise click.ClickException(f"{store} keeps no journal: executions are not listed")
        records = [
            record
            for record in journal.executions()
            if show_all or not record.get("parent_execution_id")
        ]
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    if not records:
        click.echo("no executions")
        return
    for record in records:
        parent = record.get("parent_execution_id")
        child = f"  child of {parent}" if parent else ""
        click.echo(
            f"{record['execution_id']}  {record.get('status') or '-':8}  "
            f"{record.get('workflow') or '-'}  {record.get('created') or '-'}{child}"
        )


@click.command("prune")
@click.argument("execution_ids", nargs=-1, metavar="[ID...]")
@click.option(
    "--older-than",
    metavar="WHEN",
    help="Also every execution created before WHEN: an ISO date/time or a duration "
    "like 30d, 12h, 45m.",
)
@store_option
@json_option
def prune_command(
    execution_ids: tuple[str, ...], older_than: str | None, store: str, as_json: bool
) -> None:
    """Delete executions (with their children) from a store."""
    if not execution_ids and not older_than:
        raise click.UsageError("name execution ids or give --older-than")
    cutoff = parse_cutoff(older_than) if older_than else None
    with open_store(store, must_exist=True) as backends:
        try:
            deleted = prune(backends, list(execution_ids), older_than=cutoff)
        except PruneError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"deleted": deleted}))
    else:
        click.echo(f"deleted {len(deleted)} execution(s)")
        for execution_id in deleted:
            click.echo(f"  {execution_id}")


_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_cutoff(text: str) -> dt.datetime:
    """``30d``/``12h``/``45m``/``10s`` ago, or an ISO 8601 date or time (UTC if naive)."""
    unit = _UNITS.get(text[-1:])
    if unit and text[:-1].isdigit():
        return dt.datetime.now(dt.UTC) - dt.timedelta(**{unit: int(text[:-1])})
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a duration (30d, 12h, 45m) nor an ISO date",
            param_hint="--older-than",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
