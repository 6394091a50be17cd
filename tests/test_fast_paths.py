"""The hot path's shortcuts give the same answers as the long way round.

Each shortcut here exists for speed (issue [P]); these tests pin that it
changes nothing a user can see.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from soe_backends_local import create_in_memory_backends

from soe_core import OperationalValidationError
from soe_core.emissions import passing_signals
from soe_core.telemetry import register_event, utc_timestamp
from soe_core.templating import ContextView, compile_template
from soe_core.validation.operational import check_operational


def _isoformat(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).replace(tzinfo=None).isoformat() + "Z"


@pytest.mark.parametrize(
    "when",
    [1_700_000_000.0, 1_700_000_000.5, 1_700_000_000.000001, 1_700_000_000.9999996],
)
def test_core80_timestamp_matches_isoformat_at_edges(when):
    assert utc_timestamp(when) == _isoformat(when)


def test_core80_timestamp_matches_isoformat_for_many_times():
    rng = random.Random(7)
    times = [rng.uniform(1.5e9, 1.9e9) for _ in range(20_000)]
    assert [utc_timestamp(t) for t in times] == [_isoformat(t) for t in times]


def test_core80_timestamp_without_argument_is_now():
    before = datetime.now(UTC).replace(tzinfo=None)
    stamp = datetime.fromisoformat(utc_timestamp().rstrip("Z"))
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before <= stamp <= after


def test_core80_memory_events_read_back_as_the_original_shape():
    backends = create_in_memory_backends()
    data = {"signals": ["A", "B"]}
    register_event(backends, "x", "signals_broadcast", data)
    data["signals"].append("C")  # the caller's dict may change afterwards (CORE-89)
    (event,) = backends.telemetry.get_events("x")
    assert set(event) == {"event_type", "timestamp", "context"}
    assert event["event_type"] == "signals_broadcast"
    assert event["context"] == {"signals": ["A", "B"]}
    assert event["timestamp"].endswith("Z")
    datetime.fromisoformat(event["timestamp"].rstrip("Z"))
    event["context"]["signals"].clear()  # a reader's copy is its own
    assert backends.telemetry.get_events("x")[0]["context"] == {"signals": ["A", "B"]}


def test_core80_memory_events_keep_order_across_both_log_methods():
    backends = create_in_memory_backends()
    backends.telemetry.log_event("x", "first", timestamp="t", context={})
    register_event(backends, "x", "second", {})
    assert [e["event_type"] for e in backends.telemetry.get_events("x")] == ["first", "second"]


def _render(template: str, **context) -> str:
    return compile_template(template).render(context=ContextView(context))


def test_core52_dotted_lookup_reads_keys_and_keeps_dict_methods():
    assert _render("{{ context.limit }}", limit=3) == "3"
    # a key named like a dict method still gives the method, as in Jinja
    assert _render("{{ context.items is callable }}", items=[1]) == "True"
    assert _render("{{ context['items'] }}", items=[1]) == "[1]"
    assert (
        _render("{{ context.__operational__.nodes.Step }}", __operational__={"nodes": {"Step": 4}})
        == "4"
    )
    assert _render("{{ context.missing is defined }}") == "False"


def test_core44_unconditional_emissions_need_no_view():
    emissions = [{"signal_name": "A"}, {"signal_name": "B", "condition": "plain text"}]
    assert passing_signals(emissions, None) == ["A", "B"]


@pytest.mark.parametrize("condition", [False, 0, ["x"]])
def test_tool16_non_string_condition_still_raises(condition):
    with pytest.raises(TypeError, match="must be a string"):
        passing_signals([{"signal_name": "A", "condition": condition}], None)


def _operational(**changes) -> dict:
    operational = {
        "signals": [],
        "nodes": {},
        "llm_calls": 0,
        "tool_calls": 0,
        "errors": 0,
        "main_execution_id": "x",
    }
    operational.update(changes)
    return {"__operational__": operational}


@pytest.mark.parametrize(
    "changes", [{}, {"signals": ("A",)}, {"errors": True}], ids=["plain", "tuple", "bool"]
)
def test_core66_accepted_states_pass_either_path(changes):
    context = _operational(**changes)
    assert check_operational("x", context) is context


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"signals": "A"}, "signals"),
        ({"nodes": []}, "nodes"),
        ({"errors": 1.5}, "errors"),
    ],
)
def test_core66_rejected_states_still_raise(changes, message):
    with pytest.raises(OperationalValidationError, match=message):
        check_operational("x", _operational(**changes))


def test_core89_backends_are_released_after_a_run():
    import gc
    import weakref

    from soe_core import create_all_nodes, orchestrate

    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    config = {
        "wf": {
            "A": {
                "node_type": "router",
                "event_triggers": ["GO"],
                "event_emissions": [{"signal_name": "X"}],
            }
        }
    }
    orchestrate(config, "wf", ["GO"], {}, backends, broadcast)
    context_backend = weakref.ref(backends.context)
    workflow_backend = weakref.ref(backends.workflow)
    del backends, _nodes, broadcast
    gc.collect()
    assert context_backend() is None
    assert workflow_backend() is None


class _SlottedStore:
    """A context backend that refuses new attributes: helpers are rebuilt, not cached."""

    __slots__ = ("data",)

    def __init__(self):
        self.data = {}

    def get_context(self, id):
        return self.data.get(id, {})

    def save_context(self, id, context):
        self.data[id] = context


def test_core89_a_backend_refusing_attributes_still_works():
    from types import SimpleNamespace

    from soe_core.store import contexts

    backends = SimpleNamespace(context=_SlottedStore())
    access = contexts(backends)
    access.write_field("x", "f", 1)
    contexts(backends).write_field("x", "f", 2)
    assert backends.context.data["x"] == {"f": [1, 2]}
    assert contexts(backends) is not access  # nowhere to keep it


def test_core1_compat_import_is_light_and_still_offers_the_pydantic_types():
    """A fresh ``import soe`` leaves PyYAML, pydantic and plugin metadata for later (issue [P])."""
    import subprocess
    import sys

    code = (
        "import sys, soe\n"
        "heavy = [m for m in ('yaml', 'pydantic', 'email.parser') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from soe import AgentRequest\n"
        "assert AgentRequest(agent_id='a', prompt='p', agent_config={}).agent_id == 'a'\n"
        "assert 'pydantic' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_core9_yaml_still_parses_and_reports_errors_after_lazy_import():
    from soe_core.errors import YamlSyntaxError
    from soe_core.yaml_parser import dump_yaml, parse_yaml

    assert parse_yaml("a: [1, 2]") == {"a": [1, 2]}
    assert parse_yaml(dump_yaml({"b": {"c": 1}})) == {"b": {"c": 1}}
    with pytest.raises(YamlSyntaxError, match="Invalid YAML configuration"):
        parse_yaml("a: [1, 2")


def test_plugin_metadata_is_read_when_asked_for():
    from soe_core.plugins import get_registry

    infos = {info.name: info for info in get_registry().plugins}
    core = next(info for info in infos.values() if info.distribution == "soe-nodes-core")
    assert core.version  # read from the installed metadata on demand
    assert core.as_dict()["distribution"] == "soe-nodes-core"


def test_core66_a_store_view_promising_well_formed_state_skips_the_check():
    from collections.abc import Mapping

    class Promised(Mapping):
        soe_well_formed = True

        def __getitem__(self, key):
            raise AssertionError("a promised view is not inspected")

        def __iter__(self):
            return iter(())

        def __len__(self):
            return 0

    context = {"__operational__": Promised()}
    assert check_operational("x", context) is context
    with pytest.raises(OperationalValidationError, match="Missing fields"):
        check_operational("x", {"__operational__": {"signals": []}})
