"""``soe plugins``: what is installed and what each plugin provides."""

from __future__ import annotations

import json

import click

from ..plugins import get_registry


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_command(as_json: bool) -> None:
    """List installed SOE plugins."""
    infos = get_registry().plugins
    if as_json:
        click.echo(json.dumps([info.as_dict() for info in infos], indent=2))
        return
    for info in infos:
        click.echo(f"{info.name}  ({info.distribution} {info.version})  [{info.status}]")
        if info.error:
            click.echo(f"    error: {info.error}")
        for kind, names in info.provides.items():
            click.echo(f"    {kind}: {', '.join(names)}")
        if info.hooks:
            click.echo(f"    hooks: {', '.join(info.hooks)}")
