"""The benchmark harness times what it says (issue #9): enough runs, medians, silent stops."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "scenarios"))

import harness  # noqa: E402


def _prepare(seconds: float, done: int | None = None):
    prepared = []

    def prepare(size):
        prepared.append(size)
        return (lambda: time.sleep(seconds)), (lambda: size if done is None else done)

    return prepare, prepared


def test_issue9_short_cells_get_runs_until_the_minimum_time():
    prepare, prepared = _prepare(0.01)
    result = harness.measure(prepare, 3, repeat=2, min_time=0.1)
    assert result["batch"] == 1  # long enough to be timed alone
    assert 8 <= len(result["runs"]) <= 12  # about 0.1 s of 10 ms runs, not just 2
    # each run on a freshly prepared engine, plus the three untimed sizing runs
    assert len(prepared) == len(result["runs"]) + 3
    assert result["median_s"] == pytest.approx(0.01, abs=0.01)


def test_issue9_very_short_runs_are_timed_in_batches_and_divided():
    prepare, prepared = _prepare(0.001)
    result = harness.measure(prepare, 3, repeat=3, min_time=0.05)
    batch = result["batch"]
    assert 2 <= batch <= 10  # about 10 ms per timing
    assert len(prepared) == 3 + batch * len(result["runs"])  # three untimed sizing runs
    assert result["median_s"] == pytest.approx(0.001, abs=0.001)  # per run, not per batch
    assert sum(result["runs"]) * batch >= 0.05 or len(result["runs"]) == 60


def test_issue9_the_batch_is_sized_by_warm_runs_not_the_first():
    # a first run that pays one-time costs (imports, validation) must not
    # shrink the batch: 10 ms then 1 ms runs give a batch of about ten
    calls = []

    def prepare(size):
        def run():
            calls.append(size)
            time.sleep(0.01 if len(calls) == 1 else 0.001)

        return run, (lambda: size)

    result = harness.measure(prepare, 3, repeat=3, min_time=0.05)
    assert 3 <= result["batch"] <= 10  # sized by a 1 ms run: 1 without the warm runs
    assert result["median_s"] == pytest.approx(0.001, abs=0.001)


def test_issue9_a_fixed_count_is_never_batched():
    prepare, prepared = _prepare(0.0)
    result = harness.measure(prepare, 3, repeat=4)
    assert result["batch"] == 1 and len(prepared) == 4 == len(result["runs"])


def test_issue9_long_cells_keep_the_requested_count_and_the_cap_holds():
    prepare, _ = _prepare(0.02)
    assert len(harness.measure(prepare, 1, repeat=3, min_time=0.01)["runs"]) == 3
    assert len(harness.measure(prepare, 1, repeat=1, min_time=10, max_runs=4)["runs"]) == 4


def test_issue9_a_silent_stop_is_reported_not_timed():
    prepare, _ = _prepare(0.0, done=2)
    with pytest.raises(harness.Incomplete, match="stopped after 2 of 5"):
        harness.measure(prepare, 5, repeat=3)


def test_issue9_the_durable_cell_times_a_warm_store_and_counts_only_the_timed_run(tmp_path):
    # a fresh SQLite store's first use (statements prepared, writer thread
    # started) made N=100 read 15% above N=10,000; the untimed warm-up
    # execution takes it out of the per-node figure, and check() still
    # counts the nodes of the timed run only
    import engine_ours

    from soe_core import open_backends

    backends = engine_ours.warmed(open_backends(f"sqlite:///{tmp_path}/warm.db"))
    try:
        (before,) = backends.journal.executions()
        assert before["status"] == "idle"
        run, check = engine_ours.chain(4, backends)
        run()
        assert check() == 4
        assert len(backends.journal.executions()) == 2
    finally:
        backends.close()
