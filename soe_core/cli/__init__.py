"""The ``soe`` command line."""

from __future__ import annotations

import click

from .inspect_cmds import graph_command, validate_command
from .plugins_cmd import plugins_command
from .run import run_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="soe-core", prog_name="soe")
def main() -> None:
    """SOE: run signal-driven AI workflows written in YAML."""


main.add_command(run_command)
main.add_command(plugins_command)
main.add_command(validate_command)
main.add_command(graph_command)
