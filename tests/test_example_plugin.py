"""The example third-party plugin installs with pip and runs in workflows (issue #10).

It is installed into a temporary folder, never into the venv. Each check runs
in a subprocess whose ``PYTHONPATH`` holds that folder, so the kernel finds
the plugin through its ``soe`` entry point exactly as it would after a
``pip install``. The example only uses the kernel's public hooks and helpers,
which is what these tests prove: a ``template`` node type (CORE-98: node types
from plugins, validated statically), a tool pack enabled by name (TOOL-3) and
an event observer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "plugins" / "soe-example-plugin"

FLOW = """
main:
  Title:
    node_type: template
    event_triggers: [START]
    template: "{{ context.title | title }}"
    output_field: heading
    event_emissions:
      - signal_name: TITLED
  Slug:
    node_type: tool
    event_triggers: [TITLED]
    tool_name: slugify
    parameters: {text: "{{ context.heading }}"}
    output_field: slug
    event_emissions:
      - signal_name: SLUGGED
  Count:
    node_type: tool
    event_triggers: [SLUGGED]
    tool_name: word_count
    parameters: {text: "{{ context.title }}"}
    output_field: words
    event_emissions:
      - signal_name: COUNTED
  Card:
    node_type: template
    event_triggers: [COUNTED]
    parse: yaml
    template: |
      url: /posts/{{ context.slug }}
      words: {{ context.words }}
    output_field: card
    event_emissions:
      - signal_name: LONG_READ
        condition: "{{ result.words > 3 }}"
      - signal_name: SHORT_READ
        condition: "{{ result.words <= 3 }}"
"""


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    """``pip install`` the example into a fresh folder (from a copy: the build
    leaves ``build/`` and ``*.egg-info`` next to the sources)."""
    work = tmp_path_factory.mktemp("example-plugin")
    source = work / "src"
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    site = work / "site"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
        "--no-build-isolation", "--target", str(site), str(source),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"
    return site


def run_python(site: Path | None, *args: str, cwd: Path, env: dict | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOE_")}
    environment["SOE_STRICT_PLUGINS"] = "1"  # a broken plugin fails instead of being skipped
    environment.pop("PYTHONPATH", None)
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def plugin_listing(site: Path | None, cwd: Path) -> list[dict]:
    done = run_python(site, "-m", "soe_core.cli", "plugins", "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_pip_install_registers_the_entry_point(example_site, tmp_path):
    entry_points = next(example_site.glob("soe_example_plugin-*.dist-info")) / "entry_points.txt"
    assert "[soe]\nexample = soe_example_plugin.hooks" in entry_points.read_text()
    listed = {info["name"]: info for info in plugin_listing(example_site, tmp_path)}
    example = listed["example"]
    assert example["distribution"] == "soe-example-plugin"
    assert example["status"] == "loaded"
    assert example["hooks"] == ["soe_event_observers", "soe_node_types", "soe_tools"]
    assert example["provides"] == {"node type": ["template"], "tool pack": ["text-tools"]}
    # and it is not in the venv: without the folder on the path it is gone
    assert "example" not in {info["name"] for info in plugin_listing(None, tmp_path)}


def test_cli_runs_the_new_node_type_and_tool_pack(example_site, tmp_path):
    (tmp_path / "flow.yaml").write_text(FLOW)
    events = tmp_path / "events.jsonl"
    done = run_python(
        example_site,
        "-m", "soe_core.cli", "run", "flow.yaml", "-w", "main", "-s", "START",
        "--tools", "text-tools", "--store", "memory://", "--json", "--progress", "off",
        "-c", "title=signals all the way down",
        cwd=tmp_path,
        env={"SOE_EXAMPLE_EVENT_LOG": str(events)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "completed"
    assert report["signals"] == ["START", "TITLED", "SLUGGED", "COUNTED", "LONG_READ"]
    assert report["context"] == {
        "title": "signals all the way down",
        "heading": "Signals All The Way Down",
        "slug": "signals-all-the-way-down",
        "words": 5,
        "card": {"url": "/posts/signals-all-the-way-down", "words": 5},
    }
    # the observer hook saw the run: every node start, both tool calls
    records = [json.loads(line) for line in events.read_text().splitlines()]
    assert {r["execution_id"] for r in records} == {report["execution_id"]}
    started = [r["data"]["node_name"] for r in records if r["event_type"] == "node_execution"]
    assert started == ["Title", "Slug", "Count", "Card"]
    tools = [r["data"]["tool_name"] for r in records if r["event_type"] == "tool_call"]
    assert tools == ["slugify", "word_count"]


ENGINE_SCRIPT = """
import json, sys
from soe_core import (
    WorkflowValidationError, create_all_nodes, create_in_memory_backends, orchestrate,
)

flow = open("flow.yaml").read()
backends = create_in_memory_backends()
nodes, broadcast = create_all_nodes(backends, tool_packs=["text-tools"])
short = orchestrate(flow, "main", ["START"], {"title": "tiny post"}, backends, broadcast)
bad = flow.replace("output_field: heading", "output_fields: heading")
try:
    orchestrate(bad, "main", ["START"], {"title": "x"}, backends, broadcast)
    error = None
except WorkflowValidationError as exc:
    error = str(exc)
escape = (
    "main:\\n  Peek:\\n    node_type: template\\n    event_triggers: [GO]\\n"
    "    template: '{{ context.title.__class__.__mro__ }}'\\n    output_field: peek\\n"
)
try:
    orchestrate(escape, "main", ["GO"], {"title": "x"}, backends, broadcast)
    escaped = "rendered"
except Exception as exc:
    escaped = f"{type(exc).__name__}: {exc}"
json.dump({
    "context": backends.context.get_context(short),
    "error": error,
    "escaped": escaped,
}, sys.stdout)
"""


def test_engine_api_runs_validates_and_sandboxes_the_node_type(example_site, tmp_path):
    (tmp_path / "flow.yaml").write_text(FLOW)
    (tmp_path / "script.py").write_text(textwrap.dedent(ENGINE_SCRIPT))
    done = run_python(example_site, "script.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    context = result["context"]
    assert context["card"] == [{"url": "/posts/tiny-post", "words": 2}]
    assert context["__operational__"]["signals"][-1] == "SHORT_READ"
    assert context["__operational__"]["tool_calls"] == 2
    # static validation of the plugin's keys, with workflow and node named (CORE-11)
    assert result["error"] == "Workflow 'main', node 'Title': 'output_field' is required"
    # templates render in the kernel's sandbox (CORE-60)
    assert result["escaped"].startswith("TemplateRenderError: template node 'Peek'")
    assert "unsafe" in result["escaped"]
