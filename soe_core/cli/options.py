"""Options shared by the commands, defined once.

Commands that run nodes (``soe run``, ``soe signal``, ``soe resume``) take
:func:`engine_options` and receive one ``engine: EngineOptions``; commands that
only read or tidy a store (``soe inspect``, ``soe list``, ``soe prune``) take
:func:`store_option` and open it with :func:`open_store`. Every command that
prints a result takes :func:`json_option`; those that run nodes also take
:func:`progress_option`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..backends import open_backends
from ..errors import PluginError
from ..llm import get_llm
from ..plugins import get_registry
from ..setup import create_all_nodes
from .loading import load_tools, parse_pairs
from .screens import PROGRESS_CHOICES

DEFAULT_STORE = "sqlite:///soe.db"

store_option = click.option(
    "--store",
    default=DEFAULT_STORE,
    envvar="SOE_STORE",
    show_default=True,
    metavar="URL",
    help="Storage URL (memory://, file://DIR, sqlite:///PATH, ...); env SOE_STORE.",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object instead of text."
)
progress_option = click.option(
    "--progress",
    type=click.Choice(PROGRESS_CHOICES),
    default="auto",
    show_default=True,
    help="Live progress: rich on a terminal, plain lines otherwise (to stderr with --json, "
    "where auto shows it only on a terminal); off hides it.",
)
tools_option = click.option(
    "--tools",
    "tool_specs",
    multiple=True,
    metavar="PACK|FILE.py|MODULE:ATTR",
    help="Tools registry: an installed pack name, a Python file defining TOOLS, "
    "or module:attr (repeatable).",
)
llm_option = click.option(
    "--llm",
    "llm_spec",
    metavar="NAME[:MODEL]",
    help="LLM provider for llm and agent nodes, e.g. fake or openai:gpt-4o-mini.",
)
llm_options_option = click.option(
    "--llm-option",
    "llm_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Provider option (repeatable), e.g. latency=0.1.",
)
_caller_option = click.option(
    "--caller",
    default="sync",
    show_default=True,
    metavar="NAME",
    help="Signal transport, as registered by plugins (see `soe plugins`): sync, ...",
)


@dataclass(frozen=True)
class Connection:
    """Open backends and the nodes wired on them."""

    backends: Any
    nodes: Any
    broadcast: Callable[[str, list], None]


@dataclass(frozen=True)
class EngineOptions:
    """What ``--store --tools --llm --llm-option --caller`` ask for."""

    store: str = DEFAULT_STORE
    tool_specs: tuple[str, ...] = ()
    llm_spec: str | None = None
    llm_options: tuple[str, ...] = ()
    caller: str = "sync"

    @contextmanager
    def connect(self, *, must_exist: bool = False) -> Iterator[Connection]:
        """Check every option, then open the store and wire the nodes; close on exit.

        Options are checked before the store is opened, so a typo creates no
        ``soe.db``; ``must_exist`` is for commands on an existing execution
        (see :func:`open_store`).
        """
        _check_caller(self.caller)
        tools = load_tools(self.tool_specs)
        call_llm = self._llm()
        with open_store(self.store, must_exist=must_exist) as backends:
            nodes, broadcast = create_all_nodes(
                backends, call_llm=call_llm, tools_registry=tools, caller=self.caller
            )
            yield Connection(backends, nodes, broadcast)

    def _llm(self) -> Callable[[str, dict], str] | None:
        if not self.llm_spec:
            if self.llm_options:
                raise click.BadParameter("needs --llm", param_hint="--llm-option")
            return None
        options = parse_pairs(self.llm_options, "--llm-option")
        try:
            return get_llm(self.llm_spec, **options)
        except PluginError as exc:
            raise click.BadParameter(str(exc), param_hint="--llm")
        except TypeError as exc:  # an option the provider does not take
            raise click.BadParameter(str(exc), param_hint="--llm-option")


def engine_options(command: Callable) -> Callable:
    """Add ``--store --tools --llm --llm-option --caller``; pass them as ``engine``."""

    @functools.wraps(command)
    def with_engine(*args, store, tool_specs, llm_spec, llm_options, caller, **kwargs):
        engine = EngineOptions(store, tool_specs, llm_spec, llm_options, caller)
        return command(*args, engine=engine, **kwargs)

    for option in reversed(
        (store_option, tools_option, llm_option, llm_options_option, _caller_option)
    ):
        with_engine = option(with_engine)
    return with_engine


def _check_caller(name: str) -> None:
    try:
        get_registry().caller(name)
    except PluginError as exc:  # names the registered callers
        raise click.BadParameter(str(exc), param_hint="--caller")


@contextmanager
def open_store(url: str, *, must_exist: bool = False) -> Iterator[Any]:
    """Open the backends of a storage URL and close them on exit.

    ``must_exist`` refuses a missing SQLite file instead of creating an
    empty one (for commands that only read).
    """
    if must_exist and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///").partition("?")[0])
        if str(path) != ":memory:" and not path.is_file():
            raise click.BadParameter(f"no store at {path} ({url})", param_hint="--store")
    try:
        backends = open_backends(url)
    except Exception as exc:  # unknown scheme, bad path, unreachable server
        raise click.BadParameter(str(exc), param_hint="--store")
    try:
        yield backends
    finally:
        close = getattr(backends, "close", None)
        if close is not None:
            close()
