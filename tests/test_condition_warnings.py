"""A condition that fails to render is recorded, without changing emissions (CORE-61 SHOULD)."""

FLOW = """
main:
  Route:
    node_type: router
    event_triggers: [START]
    event_emissions:
      - signal_name: BROKEN
        condition: "{{ context.missing.deeper > 1 }}"
      - signal_name: FINE
        condition: "{{ 1 < 2 }}"
"""


def test_router_condition_error_is_a_context_warning(run_workflow):
    run = run_workflow(FLOW, "main", ["START"])
    assert run.signals == ["START", "FINE"]
    warnings = run.events("context_warning")
    assert len(warnings) == 1
    data = warnings[0]["context"]
    assert data["node_name"] == "Route" and data["signal_name"] == "BROKEN"
    assert "failed to render" in data["message"] and "missing" in data["message"]
    assert run.context["__operational__"]["errors"] == 0
