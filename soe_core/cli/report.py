"""Running something on an execution and reporting it, the same way for every command.

:func:`run_and_report` is the body of ``soe run`` and ``soe signal`` (and of
``soe resume``): wire the engine, show live progress while ``action`` runs,
then print the execution id first and the final context last (or one JSON
object), and exit with status 1 when ``action`` failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import click

from ..inspection import broadcast_signals_of, latest_fields
from ..telemetry import observing
from .options import Connection, EngineOptions
from .progress import ProgressObserver
from .screens import Screen, choose_screens


def execution_result(backends: Any, execution_id: str | None, error: BaseException | None) -> dict:
    """``{"execution_id", "status", "signals", "context", "error"}`` from the store."""
    context = backends.context.get_context(execution_id) if execution_id else {}
    return {
        "execution_id": execution_id,
        "status": "failed" if error is not None else "completed",
        "signals": broadcast_signals_of(context),
        "context": latest_fields(context),
        "error": str(error) if error is not None else None,
    }


def run_and_report(
    engine: EngineOptions,
    action: Callable[[Connection], str | None],
    *,
    as_json: bool,
    progress: str,
    execution_id: str | None = None,
    before: Callable[[Connection], None] | None = None,
) -> None:
    """Run ``action(connection)``, which returns the execution id, and report it.

    Pass ``execution_id`` when the execution exists already (its id is then
    printed first and the store must exist); otherwise the first event's
    execution id is printed first. ``before(connection)`` runs once the store
    is open, before anything is shown: the place for checks that raise
    ``click.ClickException``.
    """
    progress_screen, result_screen = choose_screens(progress, as_json)
    with engine.connect(must_exist=execution_id is not None) as connection:
        if before is not None:
            before(connection)
        error: BaseException | None = None
        watcher = ProgressObserver(progress_screen, execution_id) if progress_screen else None
        if watcher is not None and execution_id:
            progress_screen.header(execution_id)
        try:
            with _observed(watcher), _busy(progress_screen):
                execution_id = action(connection) or execution_id
        except click.ClickException:
            raise
        except KeyboardInterrupt as exc:
            stopped = execution_id or getattr(exc, "execution_id", None)
            click.echo(f"\ninterrupted: finish it with `soe resume {stopped}`", err=True)
            sys.exit(130)
        except Exception as exc:  # reported below, not a traceback
            error = exc
            execution_id = execution_id or getattr(exc, "execution_id", None)
            if execution_id is None and watcher is not None:
                execution_id = watcher.root
        result = execution_result(connection.backends, execution_id, error)
    if as_json:
        click.echo(json.dumps(result, default=str, indent=2))
    else:
        result_screen.header(result["execution_id"])
        if error is not None:
            result_screen.error(str(error))
        result_screen.result(result)
    if error is not None:
        sys.exit(1)


def _observed(watcher: ProgressObserver | None) -> AbstractContextManager:
    return observing(watcher) if watcher is not None else nullcontext()


def _busy(screen: Screen | None) -> AbstractContextManager:
    return screen.busy("running…") if screen is not None else nullcontext()
