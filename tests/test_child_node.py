"""The child node: sub-executions, fan-out, propagation, nesting; multi-workflow patterns.

Spec: 03-tools-child-builtins.md CHILD-1..15, PATTERN-3, PATTERN-6, PATTERN-9, PATTERN-12,
WP-3/WP-10/WP-12/WP-14; 01-core.md CORE-38, CORE-47, CORE-57.
"""

from __future__ import annotations

import time

import pytest

from soe_core import (
    LimitExceededError,
    Settings,
    WorkflowValidationError,
    broadcast_signals,
    create_all_nodes,
    create_in_memory_backends,
    orchestrate,
)
from soe_core.engine import ChildSpawnContext
from soe_core.wiring import default_orchestrate_caller


def child_ids(run, execution_id=None):
    return [e["context"]["child_execution_id"]
            for e in run.events("child_started", execution_id=execution_id)]


def ctx_of(run, execution_id):
    return run.backends.context.get_context(execution_id)


def child_node(**keys) -> str:
    base = {"event_triggers": "[START]", "child_workflow_name": "kid",
            "child_initial_signals": "[GO]"}
    base.update(keys)
    lines = ["main:", "  Spawn:", "    node_type: child"]
    lines += [f"    {key}: {value}" for key, value in base.items() if value is not None]
    return "\n".join(lines) + "\n" + KID


KID = """kid:
  Echo:
    node_type: tool
    event_triggers: [GO]
    tool_name: echo
    output_field: echoed
    event_emissions: [{signal_name: KID_DONE}]
"""


def echo_tools(store=None):
    def echo(**kwargs):
        if store is not None:
            store.append(kwargs)
        return "echo"

    return {"echo": echo}


# --- CHILD-1: validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "keys, fragment",
    [
        ({"child_workflow_name": None}, "'child_workflow_name' is required"),
        ({"child_workflow_name": "[a]"}, "'child_workflow_name' must be a string"),
        ({"child_initial_signals": None}, "'child_initial_signals' is required"),
        ({"child_initial_signals": "[]"}, "'child_initial_signals' is required"),
        ({"child_initial_signals": "GO"}, "'child_initial_signals' must be a list"),
        ({"event_triggers": None}, "'event_triggers' is required"),
        ({"event_triggers": "START"}, "'event_triggers' must be a list"),
        ({"signals_to_parent": "DONE"}, "'signals_to_parent' must be a list"),
        ({"signals_to_parent": "[1]"}, "must be strings.*int"),
        ({"context_updates_to_parent": "x"}, "'context_updates_to_parent' must be a list"),
        ({"context_updates_to_parent": "[true]"}, "must be strings"),
        ({"input_fields": "x"}, "'input_fields' must be a list"),
        ({"fan_out_field": "[x]", "child_input_field": "i"}, "'fan_out_field' must be a string"),
        ({"fan_out_field": "items"},
         "'child_input_field' is required when 'fan_out_field' is set"),
        ({"fan_out_field": "items", "child_input_field": "[i]"},
         "'child_input_field' must be a string"),
        ({"spawn_interval": "soon"}, "'spawn_interval' must be a number"),
        ({"spawn_interval": "-1"}, "'spawn_interval' must be non-negative"),
        ({"event_emissions": "X"}, "'event_emissions' must be a list"),
        ({"event_emissions": "[{condition: x}]"}, "missing 'signal_name'"),
    ],
)
def test_child1_validation_messages(run_workflow, keys, fragment):
    with pytest.raises(WorkflowValidationError, match=fragment) as info:
        run_workflow(child_node(**keys), "main", ["OTHER"], tools=echo_tools())
    assert "Workflow 'main', node 'Spawn'" in str(info.value)


def test_child1_unknown_child_workflow_not_checked_statically(run_workflow):
    run = run_workflow(child_node(child_workflow_name="ghost"), "main", ["OTHER"],
                       tools=echo_tools())
    assert run.signals == ["OTHER"]


def test_child13_unknown_child_workflow_fails_at_spawn(run_workflow):
    with pytest.raises(WorkflowValidationError,
                       match=r"Workflow 'ghost' not found in config\. Available workflows: "
                             r"\['main', 'kid'\]"):
        run_workflow(child_node(child_workflow_name="ghost"), "main", ["START"],
                     tools=echo_tools())


# --- CHILD-2..5: context construction and creation -----------------------------------------


def test_child4_context_construction(run_workflow):
    seen: list = []
    config = child_node(input_fields="[name, cfg, missing, __operational__, __meta]",
                        signals_to_parent="[KID_DONE]", context_updates_to_parent="[echoed]")
    run = run_workflow(config, "main", ["START"],
                       context={"name": "Ada", "cfg": {"deep": [1]}, "__meta": {"m": 1}},
                       tools=echo_tools(seen))
    # the parent's name has a history; only the latest value is copied
    (kid_id,) = child_ids(run)
    kid = ctx_of(run, kid_id)
    assert kid["name"] == ["Ada"]
    assert kid["cfg"] == [{"deep": [1]}]
    assert "missing" not in kid
    assert "__meta" not in kid  # reserved input fields are ignored (WP-14)
    assert kid["__parent__"] == {
        "parent_execution_id": run.execution_id,
        "signals_to_parent": ["KID_DONE"],
        "context_updates_to_parent": ["echoed"],
        "main_execution_id": run.execution_id,
    }
    op = kid["__operational__"]
    assert op["main_execution_id"] == run.execution_id
    assert op["signals"] == ["GO", "KID_DONE"]  # fresh, not the parent's (CHILD-4, WP-14)
    assert op["nodes"] == {"Echo": 1}


def test_child4_latest_value_only_and_deep_copy(run_workflow):
    config = """
main:
  Grow:
    node_type: tool
    event_triggers: [START]
    tool_name: grow
    output_field: data
    event_emissions: [{signal_name: SPAWN}]
  Spawn:
    node_type: child
    event_triggers: [SPAWN]
    child_workflow_name: kid
    child_initial_signals: [GO]
    input_fields: [data]
kid:
  Mutate:
    node_type: tool
    event_triggers: [GO]
    tool_name: mutate
    context_parameter_field: data
"""
    holder: dict = {}

    def mutate(items):
        items.append("mutated")  # mutating the kwargs value must not reach the parent
        holder["items"] = items

    run = run_workflow(config, "main", ["START"], context={"data": {"items": ["v1"]}},
                       tools={"grow": lambda: {"items": ["v2"]}, "mutate": mutate})
    (kid_id,) = child_ids(run)
    assert ctx_of(run, kid_id)["data"] == [{"items": ["v2"]}]
    assert run.context["data"] == [{"items": ["v1"]}, {"items": ["v2"]}]


def test_child2_snapshot_includes_runtime_injected_workflows(run_workflow):
    config = """
main:
  Inject:
    node_type: tool
    event_triggers: [START]
    tool_name: inject
    event_emissions: [{signal_name: SPAWN}]
  Spawn:
    node_type: child
    event_triggers: [SPAWN]
    child_workflow_name: injected
    child_initial_signals: [GO]
    signals_to_parent: [INJECTED_RAN]
"""
    holder: dict = {}

    def inject():
        backends, execution_id = holder["backends"], holder["id"]
        registry = backends.workflow.get_workflows_registry(execution_id)
        registry["injected"] = {"R": {"node_type": "router", "event_triggers": ["GO"],
                                      "event_emissions": [{"signal_name": "INJECTED_RAN"}]}}
        backends.workflow.save_workflows_registry(execution_id, registry)
        return "ok"

    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends, tools_registry={"inject": inject})

    def capture_id(execution_id, signals):
        holder.update(backends=backends, id=execution_id)
        broadcast(execution_id, signals)

    root = orchestrate(config, "main", ["START"], {}, backends, capture_id)
    assert "INJECTED_RAN" in backends.context.get_context(root)["__operational__"]["signals"]


def test_child5_identities_and_schema_not_copied_to_child(run_workflow):
    config = """
workflows:
  main:
    Spawn:
      node_type: child
      event_triggers: [START]
      child_workflow_name: kid
      child_initial_signals: [GO]
  kid:
    R:
      node_type: router
      event_triggers: [GO]
      event_emissions: [{signal_name: DONE}]
identities:
  helper: Helpful.
context_schema:
  out: string
"""
    run = run_workflow(config, "main", ["START"])
    (kid_id,) = child_ids(run)
    assert run.backends.identity.get_identities(run.execution_id) == {"helper": "Helpful."}
    assert not run.backends.identity.get_identities(kid_id)
    assert not run.backends.context_schema.get_context_schema(kid_id)
    assert run.backends.workflow.get_current_workflow_name(kid_id) == "kid"
    kid_events = run.events(execution_id=kid_id)
    assert kid_events[0]["event_type"] == "orchestration_start"
    assert kid_events[1]["context"] == {"signals": ["GO"]}


def test_child2_node_execution_event_and_counter(run_workflow):
    config = child_node(fan_out_field="items", child_input_field="item")
    run = run_workflow(config, "main", ["START"], context={"items": [1, 2, 3]},
                       tools=echo_tools())
    events = [e["context"] for e in run.events("node_execution")]
    assert events == [
        {"node_name": "Spawn", "node_type": "child"},
        {"node_type": "child", "child_workflow": "kid", "parent_id": run.execution_id},
    ]
    assert run.context["__operational__"]["nodes"] == {"Spawn": 1}  # CHILD-14
    assert len(child_ids(run)) == 3


def test_child3_child_emissions_never_emitted(run_workflow):
    config = child_node(event_emissions="[{signal_name: CHILD_STARTED_SIGNAL}]")
    run = run_workflow(config, "main", ["START"], tools=echo_tools())
    assert run.signals == ["START"]


# --- CHILD-6 / CHILD-12: ids and nesting ----------------------------------------------------


def nested_config(levels: int) -> str:
    parts = []
    for level in range(levels):
        parts.append(f"""
level{level}:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: level{level + 1}
    child_initial_signals: [START]
    signals_to_parent: [BOTTOM]
    context_updates_to_parent: [found]
""")
    parts.append(f"""
level{levels}:
  Bottom:
    node_type: tool
    event_triggers: [START]
    tool_name: found
    output_field: found
    event_emissions: [{{signal_name: BOTTOM}}]
""")
    return "".join(parts)


def chain_of_children(run):
    chain = [run.execution_id]
    while True:
        kids = child_ids(run, chain[-1])
        if not kids:
            return chain
        chain.append(kids[0])


def test_child6_main_execution_id_at_depth_three(run_workflow):
    run = run_workflow(nested_config(3), "level0", ["START"], tools={"found": lambda: "x"})
    root, child, grandchild, great = chain_of_children(run)
    for execution_id in (child, grandchild, great):
        ctx = ctx_of(run, execution_id)
        assert ctx["__operational__"]["main_execution_id"] == root
        assert ctx["__parent__"]["main_execution_id"] == root
    assert ctx_of(run, grandchild)["__parent__"]["parent_execution_id"] == child
    assert ctx_of(run, great)["__parent__"]["parent_execution_id"] == grandchild
    assert "__parent__" not in run.context


def test_child12_five_levels_signal_and_value_climb(run_workflow):
    run = run_workflow(nested_config(5), "level0", ["START"], tools={"found": lambda: "deep"})
    chain = chain_of_children(run)
    assert len(chain) == 6
    assert run.context["found"] == ["deep"]
    assert run.signals == ["START", "BOTTOM"]
    for execution_id in chain[1:-1]:
        assert ctx_of(run, execution_id)["found"] == ["deep"]


def test_child12_self_recursive_workflow_stopped_by_depth_limit(run_workflow):
    config = """
main:
  Recurse:
    node_type: child
    event_triggers: [START]
    child_workflow_name: main
    child_initial_signals: [START]
"""
    backends = create_in_memory_backends()
    nodes, broadcast = create_all_nodes(backends, settings=Settings(max_child_depth=3))
    with pytest.raises(LimitExceededError, match="max_child_depth=3"):
        orchestrate(config, "main", ["START"], {}, backends, broadcast)
    # the root plus three nested children ran; the fourth spawn was refused
    assert len(backends.context.list_context_ids()) == 4


def test_child12_self_recursion_within_limit_works(run_workflow):
    config = """
main:
  Count:
    node_type: tool
    event_triggers: [START]
    tool_name: count
    output_field: n
    event_emissions:
      - signal_name: DEEPER
        condition: "{{ context.__parent__ is not defined or result < 4 }}"
  Recurse:
    node_type: child
    event_triggers: [DEEPER]
    child_workflow_name: main
    child_initial_signals: [START]
"""
    counter = iter(range(1, 100))
    run = run_workflow(config, "main", ["START"], tools={"count": lambda: next(counter)},
                       settings=Settings(max_child_depth=10))
    assert len(chain_of_children(run)) == 4


# --- CHILD-7 / CHILD-8 / CHILD-9: timing and propagation -------------------------------------


def test_child7_child_finishes_before_parents_next_node(run_workflow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    context_updates_to_parent: [echoed]
  Later:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: SAW_CHILD_RESULT
        condition: "{{ context.echoed == 'echo' }}"
""" + KID
    run = run_workflow(config, "main", ["START"], tools=echo_tools())
    assert run.signals == ["START", "SAW_CHILD_RESULT"]


def test_child8_signals_to_parent_including_initial(run_workflow):
    config = child_node(signals_to_parent="[GO, KID_DONE]")
    config += """
  Unlisted:
    node_type: router
    event_triggers: [KID_DONE]
    event_emissions: [{signal_name: LOCAL_ONLY}]
"""
    config = config.replace("main:\n", "main:\n  OnDone:\n    node_type: router\n"
                            "    event_triggers: [KID_DONE]\n"
                            "    event_emissions: [{signal_name: PARENT_SAW_DONE}]\n", 1)
    run = run_workflow(config, "main", ["START"], tools=echo_tools())
    assert sorted(run.signals) == sorted(["START", "GO", "KID_DONE", "PARENT_SAW_DONE"])
    assert "LOCAL_ONLY" not in run.signals
    (kid_id,) = child_ids(run)
    kid_signals = ctx_of(run, kid_id)["__operational__"]["signals"]
    assert kid_signals == ["GO", "KID_DONE", "LOCAL_ONLY"]  # child keeps running
    forwarded = [e["context"]["signals"]
                 for e in run.events("signals_to_parent", execution_id=kid_id)]
    assert sorted(forwarded) == [["GO"], ["KID_DONE"]]


def test_child8_external_signal_to_child_propagates(run_workflow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [WAIT]
    signals_to_parent: [RESUMED]
  OnResume:
    node_type: router
    event_triggers: [RESUMED]
    event_emissions: [{signal_name: PARENT_RESUMED}]
kid:
  Resume:
    node_type: router
    event_triggers: [EXTERNAL]
    event_emissions: [{signal_name: RESUMED}]
"""
    run = run_workflow(config, "main", ["START"])
    assert run.signals == ["START"]
    (kid_id,) = child_ids(run)
    broadcast_signals(kid_id, ["EXTERNAL"], run.nodes, run.backends)
    assert run.signals == ["START", "RESUMED", "PARENT_RESUMED"]


def test_child9_update_precedes_signal_and_failure_text_syncs(run_workflow):
    config = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: kid
    child_initial_signals: [GO]
    signals_to_parent: [KID_FAILED]
    context_updates_to_parent: [err]
  Handler:
    node_type: router
    event_triggers: [KID_FAILED]
    event_emissions:
      - signal_name: SAW_ERROR
        condition: "{{ 'kaput' in context.err }}"
kid:
  Fail:
    node_type: tool
    event_triggers: [GO]
    tool_name: broken
    output_field: err
"""

    def broken():
        raise RuntimeError("kaput")

    run = run_workflow(config, "main", ["START"],
                       tools={"broken": {"function": broken, "failure_signal": "KID_FAILED"}})
    assert run.context["err"] == ["kaput"]
    assert "SAW_ERROR" in run.signals


# --- CHILD-10: fan-out items ------------------------------------------------------------------


def fan_out_run(run_workflow, context, **settings):
    seen: list = []
    config = child_node(fan_out_field="items", child_input_field="item",
                        input_fields="[item, other]")
    config = config.replace("tool_name: echo\n", "tool_name: echo\n    context_parameter_field: "
                            "wrap\n", 1)
    kwargs = {"settings": Settings(**settings)} if settings else {}
    run = run_workflow(config, "main", ["START"], context=context, tools=echo_tools(seen),
                       **kwargs)
    items = []
    for kid_id in child_ids(run):
        kid = ctx_of(run, kid_id)
        items.append(kid["item"] if "item" in kid else "<none>")
    return run, items


def test_child10_single_list_entry_fans_out_elements(run_workflow):
    _, items = fan_out_run(run_workflow, {"items": [1, {"a": 2}, [3]]})
    assert items == [[1], [{"a": 2}], [[3]]]


def test_child10_several_entries_each_entry_is_one_item(run_workflow):
    config = """
main:
  Add:
    node_type: tool
    event_triggers: [START]
    tool_name: add
    output_field: items
    event_emissions: [{signal_name: SPAWN}]
  Spawn:
    node_type: child
    event_triggers: [SPAWN]
    child_workflow_name: kid
    child_initial_signals: [GO]
    fan_out_field: items
    child_input_field: item
kid:
  R:
    node_type: router
    event_triggers: [GO]
    event_emissions: [{signal_name: DONE}]
"""
    run = run_workflow(config, "main", ["START"], context={"items": [1, 2]},
                       tools={"add": lambda: [3, 4]})
    assert run.context["items"] == [[1, 2], [3, 4]]
    items = [ctx_of(run, kid)["item"] for kid in child_ids(run)]
    assert items == [[[1, 2]], [[3, 4]]]  # each list entry stays one item


def test_child10_single_scalar_entry_is_one_item(run_workflow):
    _, items = fan_out_run(run_workflow, {"items": "solo"})
    assert items == [["solo"]]


def test_child10_fan_out_item_overrides_input_field(run_workflow):
    _, items = fan_out_run(run_workflow, {"items": ["x", "y"], "item": "parent-value"})
    assert items == [["x"], ["y"]]


@pytest.mark.parametrize("context", [{}, {"items": []}], ids=["missing", "empty"])
def test_child10_wp10_empty_fan_out_spawns_none_and_warns(run_workflow, context):
    run, items = fan_out_run(run_workflow, context)
    assert items == []
    (warning,) = run.events("context_warning")
    assert "items" in warning["context"]["message"]
    assert run.context["__operational__"]["nodes"] == {"Spawn": 1}


def test_child10_empty_fan_out_compat_switch_spawns_one(run_workflow):
    _, items = fan_out_run(run_workflow, {"items": []}, empty_fan_out_spawns_one=True)
    assert items == ["<none>"]


def test_child10_siblings_share_parent(run_workflow):
    run, _ = fan_out_run(run_workflow, {"items": [1, 2]})
    parents = [ctx_of(run, kid)["__parent__"] for kid in child_ids(run)]
    assert parents[0] == parents[1]
    assert parents[0]["parent_execution_id"] == run.execution_id


def test_child10_spawn_interval(run_workflow):
    config = child_node(fan_out_field="items", child_input_field="item", spawn_interval="0.15")
    started = time.monotonic()
    run_workflow(config, "main", ["START"], context={"items": [1, 2, 3]}, tools=echo_tools())
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 3.0  # two waits, none before the first spawn
    started = time.monotonic()
    config = child_node(fan_out_field="items", child_input_field="item", spawn_interval="1.0")
    run_workflow(config, "main", ["START"], context={"items": [1]}, tools=echo_tools())
    assert time.monotonic() - started < 0.9


# --- CHILD-13 / CHILD-14: errors and counters -----------------------------------------------


def test_child13_error_in_child_propagates(run_workflow):
    config = child_node().replace("tool_name: echo", "tool_name: missing_tool")
    with pytest.raises(WorkflowValidationError, match="Tool 'missing_tool' not found"):
        run_workflow(config, "main", ["START"], tools=echo_tools())


def test_child13_counters_per_execution(run_workflow):
    config = child_node(fan_out_field="items", child_input_field="item",
                        signals_to_parent="[KID_DONE]")
    run = run_workflow(config, "main", ["START"], context={"items": [1, 2]},
                       tools=echo_tools())
    op = run.context["__operational__"]
    assert op["tool_calls"] == 0
    assert op["nodes"] == {"Spawn": 1}
    assert op["signals"] == ["START", "KID_DONE", "KID_DONE"]
    for kid_id in child_ids(run):
        kid_op = ctx_of(run, kid_id)["__operational__"]
        assert kid_op["tool_calls"] == 1
        assert kid_op["nodes"] == {"Echo": 1}


# --- CHILD-15: pluggable spawning --------------------------------------------------------------


def test_child15_custom_orchestrate_caller_gets_named_arguments():
    backends = create_in_memory_backends()
    calls: list = []
    holder: dict = {}

    def caller(**kwargs):
        calls.append(kwargs)
        return holder["default"](**kwargs)

    nodes, broadcast = create_all_nodes(backends, tools_registry=echo_tools(),
                                        orchestrate_caller=caller)
    holder["default"] = default_orchestrate_caller(nodes)
    root = orchestrate(child_node(input_fields="[x]"), "main", ["START"], {"x": 1}, backends,
                       broadcast)
    (call,) = calls
    assert set(call) == {"config", "initial_workflow_name", "initial_signals",
                         "initial_context", "backends"}
    assert call["initial_workflow_name"] == "kid"
    assert call["initial_signals"] == ["GO"]
    assert call["backends"] is backends
    assert set(call["config"]) == {"main", "kid"}
    assert isinstance(call["initial_context"], ChildSpawnContext)
    assert call["initial_context"]["x"] == 1
    assert call["initial_context"]["__parent__"]["parent_execution_id"] == root


def test_child15_default_caller_accepts_yaml_text():
    backends = create_in_memory_backends()
    nodes, _ = create_all_nodes(backends)
    caller = default_orchestrate_caller(nodes)
    execution_id = caller(
        config="w:\n  R: {node_type: router, event_triggers: [GO], "
               "event_emissions: [{signal_name: DONE}]}\n",
        initial_workflow_name="w", initial_signals=["GO"], initial_context={"a": 1},
        backends=backends,
    )
    ctx = backends.context.get_context(execution_id)
    assert ctx["a"] == [1]
    assert ctx["__operational__"]["signals"] == ["GO", "DONE"]


# --- PATTERN-6: map-reduce ---------------------------------------------------------------------

MAP_REDUCE = """
main:
  Spawn: {node_type: child, event_triggers: [START], child_workflow_name: worker,
          child_initial_signals: [START], fan_out_field: jobs, child_input_field: job,
          signals_to_parent: [JOB_DONE], context_updates_to_parent: [job_result]}
  Join:
    node_type: router
    event_triggers: [JOB_DONE]
    event_emissions:
      - signal_name: ALL_DONE
        condition: "{{ context.job_result | accumulated | length == context.jobs | accumulated | length }}"
  Reduce: {node_type: tool, event_triggers: [ALL_DONE], tool_name: reduce_all,
           context_parameter_field: job_result, output_field: summary}
worker:
  Work: {node_type: tool, event_triggers: [START], tool_name: work,
         context_parameter_field: job, output_field: job_result,
         event_emissions: [{signal_name: JOB_DONE}]}
"""  # noqa: E501 (the condition is quoted verbatim from PATTERN-6)


def map_reduce_tools(reduce_calls):
    def work(n, label):
        return {"label": label, "square": n * n}

    def reduce_all(results):
        reduce_calls.append(results)
        return sum(r["square"] for r in results)

    return {"work": work,
            "reduce_all": {"function": reduce_all, "process_accumulated": True}}


def test_pattern6_map_reduce(run_workflow):
    reduce_calls: list = []
    jobs = [{"n": 1, "label": "a"}, {"n": 2, "label": "b"}, {"n": 3, "label": "c"}]
    run = run_workflow(MAP_REDUCE, "main", ["START"], context={"jobs": jobs},
                       tools=map_reduce_tools(reduce_calls))
    assert run.signals.count("ALL_DONE") == 1
    assert run.signals == ["START", "JOB_DONE", "JOB_DONE", "JOB_DONE", "ALL_DONE"]
    assert reduce_calls == [[{"label": "a", "square": 1}, {"label": "b", "square": 4},
                             {"label": "c", "square": 9}]]
    assert run.context["summary"] == [14]
    assert len(run.context["job_result"]) == 3
    assert run.context["__operational__"]["nodes"] == {"Spawn": 1, "Join": 3, "Reduce": 1}


# --- PATTERN-3: voting ----------------------------------------------------------------------

VOTING = """
main:
  Fan:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: V1}, {signal_name: V2}, {signal_name: V3}]
  Voter1: {node_type: tool, event_triggers: [V1], tool_name: v1, output_field: vote_a,
           event_emissions: [{signal_name: VOTED}]}
  Voter2: {node_type: tool, event_triggers: [V2], tool_name: v2, output_field: vote_b,
           event_emissions: [{signal_name: VOTED}]}
  Voter3: {node_type: tool, event_triggers: [V3], tool_name: v3, output_field: vote_c,
           event_emissions: [{signal_name: VOTED}]}
  Tally:
    node_type: router
    event_triggers: [VOTED]
    event_emissions:
      - signal_name: APPROVED
        condition: |
          {{ context.vote_a is defined and context.vote_b is defined
             and context.vote_c is defined
             and ((context.vote_a == 'approve') | int + (context.vote_b == 'approve') | int
                  + (context.vote_c == 'approve') | int) >= 2 }}
      - signal_name: REJECTED
        condition: |
          {{ context.vote_a is defined and context.vote_b is defined
             and context.vote_c is defined
             and ((context.vote_a == 'approve') | int + (context.vote_b == 'approve') | int
                  + (context.vote_c == 'approve') | int) < 2 }}
"""


@pytest.mark.parametrize(
    "votes, outcome",
    [(("approve", "reject", "approve"), "APPROVED"),
     (("reject", "reject", "approve"), "REJECTED")],
)
def test_pattern3_voting_tally_multiline(run_workflow, votes, outcome):
    tools = {f"v{i + 1}": (lambda v=v: v) for i, v in enumerate(votes)}
    run = run_workflow(VOTING, "main", ["START"], tools=tools)
    other = "REJECTED" if outcome == "APPROVED" else "APPROVED"
    assert run.signals.count(outcome) == 1
    assert other not in run.signals
    assert run.context["__operational__"]["nodes"]["Tally"] == 3


def test_pattern3_selectattr_over_list_field(run_workflow):
    config = """
main:
  Fan:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: V1}, {signal_name: V2}]
  Voter1:
    node_type: tool
    event_triggers: [V1]
    tool_name: ballot
    output_field: ballots
    event_emissions: [{signal_name: VOTED}]
  Voter2:
    node_type: tool
    event_triggers: [V2]
    tool_name: ballot
    output_field: ballots
    event_emissions: [{signal_name: VOTED}]
  Tally:
    node_type: router
    event_triggers: [VOTED]
    event_emissions:
      - signal_name: TWO_APPROVALS
        condition: "{{ context.ballots | accumulated | selectattr('vote', 'equalto', 'approve')
                       | list | length == 2 }}"
"""
    ballots = iter([{"vote": "approve"}, {"vote": "approve"}])
    run = run_workflow(config, "main", ["START"], tools={"ballot": lambda: next(ballots)})
    assert run.signals.count("TWO_APPROVALS") == 1


# --- PATTERN-9: failure routing --------------------------------------------------------------


def test_pattern9_failure_signal_routing(run_workflow):
    config = """
main:
  Guard:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: FETCH
        condition: "{{ context.url is defined and context.url | length > 0 }}"
      - signal_name: INVALID_INPUT
        condition: "{{ context.url is not defined }}"
  Fetch:
    node_type: tool
    event_triggers: [FETCH]
    tool_name: fetch
    context_parameter_field: request
    output_field: page
    event_emissions: [{signal_name: FETCHED}]
  Parse:
    node_type: tool
    event_triggers: [FETCHED]
    tool_name: parse
    output_field: parsed
  Handler:
    node_type: tool
    event_triggers: [FETCH_FAILED, PARSE_FAILED]
    tool_name: handle
    output_field: handled
"""

    def fetch(url):
        raise ConnectionError(f"cannot reach {url}")

    parse_calls: list = []
    run = run_workflow(
        config, "main", ["START"],
        context={"url": "http://x", "request": {"url": "http://x"}},
        tools={
            "fetch": {"function": fetch, "max_retries": 1, "failure_signal": "FETCH_FAILED"},
            "parse": {"function": lambda: parse_calls.append(1),
                      "failure_signal": "PARSE_FAILED"},
            "handle": lambda: "handled",
        },
    )
    assert run.signals == ["START", "FETCH", "FETCH_FAILED"]
    assert "FETCHED" not in run.signals
    assert parse_calls == []
    assert run.context["page"] == ["cannot reach http://x"]
    assert run.context["handled"] == ["handled"]
    assert run.context["__operational__"]["errors"] == 2


# --- PATTERN-12: fire-and-forget and external continuation ------------------------------------


def test_pattern12_fire_and_forget_and_external_continuation(run_workflow):
    config = """
main:
  Fire:
    node_type: child
    event_triggers: [START]
    child_workflow_name: background
    child_initial_signals: [GO]
  Continue:
    node_type: tool
    event_triggers: [START]
    tool_name: note
    output_field: notes
    event_emissions: [{signal_name: WAITING}]
  OnApproval:
    node_type: tool
    event_triggers: [APPROVAL]
    tool_name: note
    output_field: notes
    event_emissions: [{signal_name: FINISHED}]
background:
  Work:
    node_type: tool
    event_triggers: [GO]
    tool_name: note
    output_field: notes
    event_emissions: [{signal_name: DONE}]
"""
    run = run_workflow(config, "main", ["START"], tools={"note": lambda: "noted"})
    assert run.signals == ["START", "WAITING"]  # the child's DONE never reaches the parent
    (kid_id,) = child_ids(run)
    assert ctx_of(run, kid_id)["__operational__"]["signals"] == ["GO", "DONE"]
    assert run.context["notes"] == ["noted"]
    time.sleep(0.01)
    broadcast_signals(run.execution_id, ["APPROVAL"], run.nodes, run.backends)
    assert run.signals == ["START", "WAITING", "APPROVAL", "FINISHED"]
    assert run.context["notes"] == ["noted", "noted"]
    run.broadcast(run.execution_id, ["APPROVAL"])  # the returned caller works as well
    assert run.signals.count("FINISHED") == 2
