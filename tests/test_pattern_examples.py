"""The pattern examples run end to end, through the API and the CLI.

examples/swarm_voting.yaml  -- PATTERN-3 (voting, multi-line tally) + PATTERN-4 (threshold)
examples/safety_rails.yaml  -- PATTERN-9 (routers around a tool, failure_signal, one handler)
examples/multi_phase.yaml   -- ECO-3 (phase 2 inherits config and context of phase 1)
Spec: 03-tools-child-builtins.md sections 17 and 18.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from soe import create_all_nodes, orchestrate
from soe.local_backends import create_in_memory_backends

from soe_core.cli import main
from soe_core.llm import get_llm

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SWARM = EXAMPLES / "swarm_voting.yaml"
SAFETY = EXAMPLES / "safety_rails.yaml"
SAFETY_TOOLS = EXAMPLES / "safety_tools.py"
PHASES = EXAMPLES / "multi_phase.yaml"
PHASE_TOOLS = EXAMPLES / "phase_tools.py"


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Run:
    """One set of backends and nodes; ``start`` runs an execution and returns its id."""

    def __init__(self, call_llm=None, tools=None):
        self.backends = create_in_memory_backends()
        self.nodes, self.broadcast = create_all_nodes(
            self.backends, call_llm=call_llm, tools_registry=tools
        )

    def start(self, config, workflow, context=None, signals=("START",), **inherit) -> str:
        return orchestrate(
            config,
            workflow,
            list(signals),
            context or {},
            self.backends,
            self.broadcast,
            **inherit,
        )

    def context(self, execution_id: str) -> dict:
        return self.backends.context.get_context(execution_id)

    def signals(self, execution_id: str) -> list[str]:
        return self.context(execution_id)["__operational__"]["signals"]

    def latest(self, execution_id: str, field: str):
        return self.context(execution_id)[field][-1]


def cli(*args: str) -> dict:
    result = CliRunner().invoke(
        main, ["run", *args, "--store", "memory://", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["status"] == "completed" and payload["error"] is None
    return payload


# --- swarm voting (PATTERN-3, PATTERN-4) ----------------------------------------------

VOTES = {"security_vote": "approve", "cost_vote": "reject", "ux_vote": "approve"}


@pytest.mark.parametrize(
    ("threshold", "decision"),
    [(None, "APPROVED"), (1, "APPROVED"), (2, "APPROVED"), (3, "REJECTED")],
)
def test_swarm_voting_decides_once_after_every_vote(threshold, decision):
    llm = get_llm("fake")
    run = Run(call_llm=llm)
    context = {"proposal": "Ship v2"}
    if threshold is not None:
        context["threshold"] = threshold
    execution_id = run.start(SWARM.read_text(), "swarm", context)

    assert run.signals(execution_id) == ["START", "REVIEW", "VOTED", "VOTED", "VOTED", decision]
    ctx = run.context(execution_id)
    assert {field: ctx[field] for field in VOTES} == {k: [v] for k, v in VOTES.items()}
    # the tally ran once per vote (no implicit join) but only the last run emitted
    assert ctx["__operational__"]["nodes"]["Tally"] == 3
    assert ctx["__operational__"]["llm_calls"] == 3
    assert len(llm.calls) == 3
    assert all("Ship v2" in str(prompt) for prompt, _config in llm.calls)


def test_swarm_tally_waits_for_missing_votes():
    run = Run(call_llm=get_llm("fake"))
    partial = {"security_vote": "approve", "cost_vote": "approve", "threshold": 1}
    execution_id = run.start(SWARM.read_text(), "swarm", partial, signals=("VOTED",))
    assert run.signals(execution_id) == ["VOTED"]  # ux_vote missing: neither branch

    execution_id = run.start(SWARM.read_text(), "swarm", {}, signals=("START",))
    assert run.signals(execution_id) == ["START"]  # no proposal: no review at all


@pytest.mark.parametrize(("threshold", "decision"), [(2, "APPROVED"), (3, "REJECTED")])
def test_swarm_voting_from_the_command_line(threshold, decision):
    payload = cli(
        str(SWARM),
        "-w",
        "swarm",
        "-s",
        "START",
        "--llm",
        "fake",
        "-c",
        "proposal=Ship v2",
        "-c",
        f"threshold={threshold}",
    )
    assert payload["signals"] == ["START", "REVIEW", "VOTED", "VOTED", "VOTED", decision]
    assert payload["context"] == {"proposal": "Ship v2", "threshold": threshold, **VOTES}


# --- safety rails (PATTERN-9) ---------------------------------------------------------

GOOD = {"items": [{"name": "pen", "price": 3.5}, {"name": "ink", "price": 4}], "budget": 10}


def safety_run(tools=None) -> Run:
    return Run(tools=tools if tools is not None else load_module(SAFETY_TOOLS).TOOLS)


def test_safety_rails_accept_a_valid_order():
    run = safety_run()
    execution_id = run.start(SAFETY.read_text(), "guarded", {"order": GOOD})
    assert run.signals(execution_id) == ["START", "INPUT_OK", "SCORED", "ACCEPTED"]
    assert run.latest(execution_id, "score") == {"total": 7.5, "budget": 10, "share": 0.75}
    assert "problem" not in run.context(execution_id)


@pytest.mark.parametrize(
    "context",
    [
        {},  # is defined
        {"order": "two pens"},  # is mapping
        {"order": {"budget": 10}},  # no items
        {"order": {"items": [], "budget": 10}},  # | length lower bound
        {"order": {"items": [{"name": "x", "price": 1}] * 21, "budget": 10}},  # upper bound
        {"order": {"items": GOOD["items"], "budget": 0}},  # numeric bound
        {"order": {"items": GOOD["items"], "budget": "ten"}},  # is number
    ],
)
def test_safety_input_rail_stops_bad_input_before_the_tool(context):
    calls = []
    tools = load_module(SAFETY_TOOLS).TOOLS
    score = tools["score_order"]["function"]
    tools["score_order"]["function"] = lambda **kw: calls.append(kw) or score(**kw)
    run = safety_run(tools)
    execution_id = run.start(SAFETY.read_text(), "guarded", context)
    assert run.signals(execution_id) == ["START", "INPUT_INVALID", "HANDLED"]
    assert run.latest(execution_id, "problem") == {"signal": "INPUT_INVALID", "detail": ""}
    assert calls == []
    assert "score" not in run.context(execution_id)


def test_safety_output_rail_catches_an_out_of_bounds_result():
    run = safety_run()
    order = {"items": [{"name": "desk", "price": 250}], "budget": 100}
    execution_id = run.start(SAFETY.read_text(), "guarded", {"order": order})
    assert run.signals(execution_id) == ["START", "INPUT_OK", "SCORED", "OVER_BUDGET", "HANDLED"]
    problem = run.latest(execution_id, "problem")
    assert problem["signal"] == "OVER_BUDGET" and "'total': 250" in problem["detail"]


def test_safety_tool_failure_is_retried_then_routed_to_the_handler():
    attempts = []
    tools = load_module(SAFETY_TOOLS).TOOLS
    score = tools["score_order"]["function"]
    tools["score_order"]["function"] = lambda **kw: attempts.append(1) or score(**kw)
    run = safety_run(tools)
    order = {"items": [{"name": "refund", "price": -5}], "budget": 10}
    execution_id = run.start(SAFETY.read_text(), "guarded", {"order": order})

    # max_retries: 2 -> three attempts; SCORED (event_emissions) never fires (TOOL-15)
    assert len(attempts) == 3
    assert run.signals(execution_id) == ["START", "INPUT_OK", "SCORE_FAILED", "HANDLED"]
    ctx = run.context(execution_id)
    assert ctx["score"] == ["negative price for 'refund'"]
    assert ctx["problem"] == [{"signal": "SCORE_FAILED", "detail": "negative price for 'refund'"}]
    assert ctx["__operational__"]["errors"] == 3


def test_safety_retry_recovers_from_a_transient_failure():
    attempts = []
    tools = load_module(SAFETY_TOOLS).TOOLS
    score = tools["score_order"]["function"]

    def flaky(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("transient")
        return score(**kwargs)

    tools["score_order"]["function"] = flaky
    run = safety_run(tools)
    execution_id = run.start(SAFETY.read_text(), "guarded", {"order": GOOD})
    assert len(attempts) == 2
    assert run.signals(execution_id) == ["START", "INPUT_OK", "SCORED", "ACCEPTED"]
    assert run.context(execution_id)["score"] == [{"total": 7.5, "budget": 10, "share": 0.75}]


@pytest.mark.parametrize(
    ("order", "signals", "problem"),
    [
        (GOOD, ["START", "INPUT_OK", "SCORED", "ACCEPTED"], None),
        (
            {"items": [{"name": "refund", "price": -5}], "budget": 10},
            ["START", "INPUT_OK", "SCORE_FAILED", "HANDLED"],
            {"signal": "SCORE_FAILED", "detail": "negative price for 'refund'"},
        ),
    ],
)
def test_safety_rails_from_the_command_line(order, signals, problem):
    payload = cli(
        str(SAFETY),
        "-w",
        "guarded",
        "-s",
        "START",
        "--tools",
        str(SAFETY_TOOLS),
        "--context-json",
        json.dumps({"order": order}),
    )
    assert payload["signals"] == signals
    assert payload["context"].get("problem") == problem


# --- multi-phase inheritance (ECO-3) --------------------------------------------------

PHASE1_NOTES = ["survey of caching", "benchmark of caching"]


def test_multi_phase_inherits_histories_and_resets_counters():
    run = Run(tools=load_module(PHASE_TOOLS).TOOLS)
    phase1 = run.start(PHASES.read_text(), "research", {"topic": "caching"})
    assert run.signals(phase1) == ["START", "SURVEYED", "BENCHMARKED", "PHASE1_DONE"]
    assert run.context(phase1)["notes"] == PHASE1_NOTES

    phase2 = run.start(
        None,
        "report",
        {"notes": "review: ship it"},
        inherit_config_from_id=phase1,
        inherit_context_from_id=phase1,
    )
    assert phase2 != phase1
    ctx = run.context(phase2)
    # histories carried over, the new initial value appended to them
    assert ctx["topic"] == ["caching"]
    assert ctx["notes"] == [*PHASE1_NOTES, "review: ship it"]
    assert ctx["report"] == [{"count": 3, "notes": [*PHASE1_NOTES, "review: ship it"]}]
    # operational state starts afresh
    operational = ctx["__operational__"]
    assert operational["signals"] == ["START", "PHASE2_DONE"]
    assert operational["nodes"] == {"Compile": 1}
    assert (operational["tool_calls"], operational["errors"]) == (1, 0)
    assert operational["main_execution_id"] == phase2
    # the registry came from phase 1; phase 1 itself is untouched
    assert run.backends.workflow.get_workflows_registry(phase2) == (
        run.backends.workflow.get_workflows_registry(phase1)
    )
    assert run.context(phase1)["notes"] == PHASE1_NOTES
    assert run.context(phase1)["__operational__"]["nodes"] == {
        "Survey": 1,
        "Benchmark": 1,
        "Gate": 1,
    }


def test_multi_phase_without_inherited_context_is_incomplete():
    run = Run(tools=load_module(PHASE_TOOLS).TOOLS)
    execution_id = run.start(PHASES.read_text(), "report", {"notes": "review: ship it"})
    assert run.signals(execution_id) == ["START", "INCOMPLETE"]
    assert run.latest(execution_id, "report") == {"count": 1, "notes": ["review: ship it"]}


def test_multi_phase_readme_snippet_runs(monkeypatch):
    monkeypatch.chdir(EXAMPLES.parent)
    readme = (EXAMPLES / "README.md").read_text()
    snippet = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(snippet, "examples/README.md", "exec"), {"__name__": "readme"})


def test_multi_phase_first_phase_from_the_command_line():
    payload = cli(
        str(PHASES),
        "-w",
        "research",
        "-s",
        "START",
        "--tools",
        str(PHASE_TOOLS),
        "-c",
        "topic=caching",
    )
    assert payload["signals"] == ["START", "SURVEYED", "BENCHMARKED", "PHASE1_DONE"]
    assert payload["context"] == {"topic": "caching", "notes": "benchmark of caching"}
