"""``soe worker``: hands the worker options to the caller plugin's ``serve``."""

from __future__ import annotations

from click.testing import CliRunner

from soe_core import CallerType, hookimpl
from soe_core.cli import main
from soe_core.journal import journal_of


def soe(*args: str):
    return CliRunner().invoke(main, list(args))


class ServingCaller:
    """A caller plugin with a worker that records how it was served, then returns."""

    def __init__(self):
        self.served: list = []

    @hookimpl
    def soe_callers(self):
        def build(nodes, backends, **_options):
            return lambda execution_id, signals: None

        def serve(connect, **options):
            with connect() as connection:
                self.served.append((options, connection))

        return [CallerType("remote", build, "test double", serve=serve)]


def test_worker_serves_with_the_options_and_a_wired_connection(soe_plugins):
    plugin = ServingCaller()
    soe_plugins(plugin)
    result = soe(
        "worker", "--caller", "remote", "--store", "memory://?journal=1", "--llm", "fake",
        "--concurrency", "3", "--broker", "redis://x", "-o", "visibility_timeout=60",
    )
    assert result.exit_code == 0, result.output
    ((options, connection),) = plugin.served
    assert options == {"concurrency": 3, "broker_url": "redis://x", "visibility_timeout": 60}
    assert journal_of(connection.backends) is not None
    assert "llm" in connection.nodes  # wired with --llm


def test_worker_option_errors_come_before_serving(soe_plugins):
    plugin = ServingCaller()
    soe_plugins(plugin)
    result = soe("worker", "--caller", "remote", "--store", "memory://", "--llm", "nope")
    assert result.exit_code == 2
    assert "Invalid value for --llm: unknown LLM provider 'nope'" in result.output
    assert plugin.served == []


def test_an_in_process_caller_has_no_worker():
    result = soe("worker", "--caller", "sync")
    assert result.exit_code == 2
    assert "caller 'sync' runs in process and has no worker" in result.output


def test_an_unknown_caller_lists_the_installed_ones():
    result = soe("worker", "--caller", "telepathy")
    assert result.exit_code == 2
    assert "unknown caller 'telepathy'; installed:" in result.output
