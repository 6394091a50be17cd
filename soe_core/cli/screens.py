"""Where human-readable output goes: plain lines, or ``rich`` on a terminal.

A :class:`Screen` prints the execution id (once), progress lines, the final
result and errors. :func:`choose_screens` picks the screens of a command from
``--progress`` and ``--json``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import click

PROGRESS_CHOICES = ("auto", "rich", "plain", "off")


def as_text(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


class Screen:
    """Plain text, one line per call; ``err`` sends it to stderr."""

    def __init__(self, err: bool = False):
        self.err = err
        self.header_shown = False

    def header(self, execution_id: str | None) -> None:
        """The execution id; printed once, before anything else."""
        if not self.header_shown:
            self.header_shown = True
            self._header(execution_id or "-")

    def _header(self, execution_id: str) -> None:
        click.echo(f"execution {execution_id}", err=self.err)

    def progress(self, elapsed: float, tag: str, kind: str, detail: str) -> None:
        where = f"[{tag}] " if tag else ""
        click.echo(f"  {elapsed:7.3f}s  {kind:<8} {where}{detail}", err=self.err)

    def warning(self, message: str) -> None:
        click.echo(f"warning: {message}", err=True)

    def error(self, message: str) -> None:
        click.echo(f"error: {message}", err=True)

    def result(self, result: dict) -> None:
        """Signals, then the latest value of each field (the context comes last)."""
        self.header(result["execution_id"])
        click.echo("signals: " + " -> ".join(result["signals"]), err=self.err)
        click.echo("context:", err=self.err)
        for key, value in result["context"].items():
            click.echo(f"  {key}: {as_text(value)}", err=self.err)

    def busy(self, message: str) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()


class RichScreen(Screen):
    """The same content with colours, a table for the context and a spinner."""

    STYLES = {"signals": "cyan", "node": "green", "llm": "magenta", "error": "bold red"}

    def __init__(self, err: bool = False):
        super().__init__(err)
        from rich.console import Console

        self.console = Console(stderr=err, highlight=False)
        self.errors = Console(stderr=True, highlight=False)
        self.status = None  # the spinner, while busy() runs on a terminal

    def _header(self, execution_id: str) -> None:
        from rich.text import Text

        self.console.print(Text.assemble(("execution ", "bold"), (execution_id, "bold cyan")))

    def progress(self, elapsed: float, tag: str, kind: str, detail: str) -> None:
        from rich.text import Text

        self.console.print(
            Text.assemble(
                (f"{elapsed:7.3f}s ", "dim"),
                (f"{kind:<8} ", self.STYLES.get(kind, "yellow")),
                (f"[{tag}] " if tag else "", "blue"),
                detail,
            )
        )
        if self.status is not None and kind == "node":
            self.status.update(f"running {detail}…")

    def warning(self, message: str) -> None:
        from rich.text import Text

        self.errors.print(Text(f"warning: {message}", style="yellow"))

    def error(self, message: str) -> None:
        from rich.text import Text

        self.errors.print(Text(f"error: {message}", style="bold red"))

    def result(self, result: dict) -> None:
        from rich.table import Table
        from rich.text import Text

        self.header(result["execution_id"])
        self.console.print(Text.assemble(("signals ", "bold"), " → ".join(result["signals"])))
        table = Table("field", "value", title="context", title_justify="left")
        for key, value in result["context"].items():
            table.add_row(Text(key, style="bold"), Text(as_text(value)))
        self.console.print(table)

    @contextlib.contextmanager
    def busy(self, message: str) -> Iterator[None]:
        if not self.console.is_terminal:
            yield
            return
        with self.console.status(message) as self.status:
            try:
                yield
            finally:
                self.status = None


def rich_available() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def _screen(kind: str, err: bool) -> Screen:
    if kind == "rich" and rich_available():
        return RichScreen(err)
    return Screen(err)


def is_terminal(err: bool = False) -> bool:
    stream = sys.stderr if err else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def choose_screens(progress: str, as_json: bool) -> tuple[Screen | None, Screen | None]:
    """``(progress screen, result screen)``; ``None`` means nothing is shown there.

    Text mode: progress and result on stdout, rich on a terminal and plain
    otherwise (``--progress rich|plain`` forces one, ``off`` hides progress).
    ``--json``: stdout holds only the JSON (no result screen); progress goes to
    stderr, shown by default only when stderr is a terminal.
    """
    if as_json:
        if progress == "off" or (progress == "auto" and not is_terminal(err=True)):
            return None, None
        kind = "rich" if progress == "auto" else progress
        return _screen(kind, err=True), None
    kind = progress if progress in ("rich", "plain") else None
    kind = kind or ("rich" if is_terminal(err=False) else "plain")
    screen = _screen(kind, err=False)
    return (None if progress == "off" else screen), screen
