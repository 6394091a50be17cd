"""The ``soe`` command line.

One module per command (or pair of small offline commands); options shared
by several commands live in :mod:`.options`, the run-and-report flow of
``run`` and ``signal`` in :mod:`.report`.
"""

from __future__ import annotations

import click

from .inspect_cmd import inspect_command
from .offline_cmds import graph_command, validate_command
from .plugins_cmd import plugins_command
from .run import run_command
from .signal_cmd import signal_command
from .store_cmds import list_command, prune_command, resume_command
from .worker_cmd import worker_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="soe-core", prog_name="soe")
def main() -> None:
    """SOE: run signal-driven AI workflows written in YAML."""


main.add_command(run_command)
main.add_command(signal_command)
main.add_command(inspect_command)
main.add_command(resume_command)
main.add_command(list_command)
main.add_command(prune_command)
main.add_command(validate_command)
main.add_command(graph_command)
main.add_command(plugins_command)
main.add_command(worker_command)
