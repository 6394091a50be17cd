"""The engine gives identical results on in-memory and file backends (CORE-89).

Runs the PATTERN-6 map-reduce workflow (03-tools-child-builtins.md section 18) on both
backend families and compares every execution's context, registry, workflow name and
telemetry, with execution ids normalised.
"""

from __future__ import annotations

import json

import pytest

from soe_core import (
    broadcast_signals,
    create_all_nodes,
    create_in_memory_backends,
    create_local_backends,
    orchestrate,
)

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
           context_parameter_field: job_result, output_field: summary,
           event_emissions: [{signal_name: REDUCED, condition: "{{ result > 0 }}"},
                             {signal_name: SNAPSHOT_OK,
                              condition: "{{ context.summary | accumulated | length == 0 }}"}]}
worker:
  Work: {node_type: tool, event_triggers: [START], tool_name: work,
         context_parameter_field: job, output_field: job_result,
         event_emissions: [{signal_name: JOB_DONE,
                            condition: "{{ result.square >= 0 and context.job is defined }}"},
                           {signal_name: FIRST_RUN,
                            condition: "{{ context.__operational__.tool_calls == 0 }}"}]}
"""  # noqa: E501 (the condition is quoted verbatim from PATTERN-6)

JOBS = [{"n": 1, "label": "a"}, {"n": 2, "label": "b"}, {"n": 3, "label": "c"}]


def tools():
    def work(n, label):
        return {"label": label, "square": n * n}

    def reduce_all(results):
        return sum(item["square"] for item in results)

    return {"work": work, "reduce_all": {"function": reduce_all, "process_accumulated": True}}


def file_backends(tmp_path):
    return create_local_backends(
        context_storage_dir=str(tmp_path / "contexts"),
        workflow_storage_dir=str(tmp_path / "workflows"),
        telemetry_storage_dir=str(tmp_path / "telemetry"),
        conversation_history_storage_dir=str(tmp_path / "conversations"),
        context_schema_storage_dir=str(tmp_path / "schemas"),
        identity_storage_dir=str(tmp_path / "identities"),
    )


def execution_tree(backends, root_id):
    """Root first, then children depth-first, in spawn order."""
    order = [root_id]
    for event in backends.telemetry.get_events(root_id):
        if event["event_type"] == "child_started":
            order += execution_tree(backends, event["context"]["child_execution_id"])
    return order


def normalise(value, names):
    """Replace execution ids by stable names; JSON round trip like the file backends."""
    text = json.dumps(value, sort_keys=True, default=str)
    for execution_id, name in names.items():
        text = text.replace(execution_id, name)
    return json.loads(text)


def snapshot(backends, root_id, extra_signal=False):
    tree = execution_tree(backends, root_id)
    names = {execution_id: f"exec{index}" for index, execution_id in enumerate(tree)}
    result = []
    for execution_id in tree:
        events = [
            {key: value for key, value in event.items() if key != "timestamp"}
            for event in backends.telemetry.get_events(execution_id)
        ]
        result.append({
            "context": backends.context.get_context(execution_id),
            "registry": backends.workflow.get_workflows_registry(execution_id),
            "current": backends.workflow.get_current_workflow_name(execution_id),
            "events": events,
        })
    return normalise(result, names)


def run_map_reduce(backends):
    nodes, broadcast = create_all_nodes(backends, tools_registry=tools())
    root_id = orchestrate(MAP_REDUCE, "main", ["START"], {"jobs": JOBS}, backends, broadcast)
    # external continuation: re-send a worker's start signal to the first child
    first_child = execution_tree(backends, root_id)[1]
    broadcast_signals(first_child, ["START"], nodes, backends)
    return root_id


@pytest.fixture
def both(tmp_path):
    memory = create_in_memory_backends()
    files = file_backends(tmp_path)
    return snapshot(memory, run_map_reduce(memory)), snapshot(files, run_map_reduce(files))


def test_core89_pattern6_identical_on_memory_and_files(both):
    memory, files = both
    assert len(memory) == 4  # root + one child per job
    assert memory == files


def test_core89_pattern6_expected_results(both):
    memory, _ = both
    root = memory[0]["context"]
    # three results, then the re-run worker's fourth result synced once (CORE-55)
    assert [r["square"] for r in root["job_result"]] == [1, 4, 9, 1]
    assert root["summary"] == [14]  # ALL_DONE fired once; the fourth JOB_DONE does not match
    assert root["__operational__"]["signals"] == [
        "START", "JOB_DONE", "JOB_DONE", "JOB_DONE", "ALL_DONE", "REDUCED", "SNAPSHOT_OK",
        "JOB_DONE",
    ]
    assert root["__operational__"]["nodes"] == {"Spawn": 1, "Join": 4, "Reduce": 1}
    assert root["__operational__"]["main_execution_id"] == "exec0"
    first_child = memory[1]["context"]
    assert first_child["job"] == [{"n": 1, "label": "a"}]
    assert first_child["__parent__"]["parent_execution_id"] == "exec0"
    assert first_child["__operational__"]["signals"] == [
        "START", "JOB_DONE", "FIRST_RUN", "START", "JOB_DONE"
    ]
    assert len(first_child["job_result"]) == 2


def test_core89_file_backend_files_are_json(tmp_path):
    backends = file_backends(tmp_path)
    root_id = run_map_reduce(backends)
    stored = json.loads((tmp_path / "contexts" / f"{root_id}.json").read_text())
    assert stored["summary"] == [14]
    assert (tmp_path / "workflows" / f"{root_id}_current.txt").read_text().strip() == "main"
    lines = (tmp_path / "telemetry" / f"{root_id}.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["event_type"] == "orchestration_start"
