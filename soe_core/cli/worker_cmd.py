"""``soe worker``: serve the jobs a distributed caller (e.g. ``celery``) sends.

The worker wires its nodes from the same options as ``soe run`` (store,
tools, LLM); the caller plugin's ``serve`` checks them, opens the store
(``connect``) and runs the worker loop.
"""

from __future__ import annotations

import click

from ..errors import PluginError
from ..plugins import get_registry
from .loading import parse_pairs
from .options import EngineOptions, llm_option, llm_options_option, store_option, tools_option


@click.command("worker")
@click.option(
    "--caller",
    default="celery",
    show_default=True,
    metavar="NAME",
    help="The distributed caller whose jobs to serve.",
)
@store_option
@tools_option
@llm_option
@llm_options_option
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Jobs run at once by this worker (threads); the caller's default if not given.",
)
@click.option("--broker", "broker_url", metavar="URL", help="Broker URL (caller's default env).")
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Caller-specific worker option (repeatable), e.g. visibility_timeout=60.",
)
def worker_command(
    caller: str,
    store: str,
    tool_specs: tuple[str, ...],
    llm_spec: str | None,
    llm_options: tuple[str, ...],
    concurrency: int | None,
    broker_url: str | None,
    options: tuple[str, ...],
) -> None:
    """Run a worker that executes the jobs of a distributed caller until stopped.

    Start it with the same --store, --tools and --llm on every worker; the
    client that runs the workflow (`soe run --caller celery`, or
    `create_all_nodes(caller="celery")`) must use the same store.
    """
    try:
        serve = get_registry().caller(caller).serve
    except PluginError as exc:
        raise click.BadParameter(str(exc), param_hint="--caller")
    if serve is None:
        raise click.BadParameter(
            f"caller {caller!r} runs in process and has no worker; "
            "use a distributed caller such as celery (from soe-celery)",
            param_hint="--caller",
        )
    extra = parse_pairs(options, "--option")
    # nodes run inside the worker synchronously: the caller moves whole jobs
    engine = EngineOptions(store, tool_specs, llm_spec, llm_options, caller="sync")
    serve(engine.connect, concurrency=concurrency, broker_url=broker_url, **extra)
