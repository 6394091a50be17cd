"""Every Python and YAML example in README.md and docs/ runs (issue [G])."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from soe_core.validation import validate_config
from soe_core.yaml_parser import parse_yaml

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(path: Path) -> list[tuple[str, str]]:
    return [(lang, body) for lang, body in FENCE.findall(path.read_text())]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_examples_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    ran = 0
    for lang, body in blocks(path):
        if lang == "yaml":
            data = parse_yaml(body)
            first = body.splitlines()[0]
            if first.startswith("# file:"):
                (tmp_path / first.split(":", 1)[1].strip()).write_text(body)
            if "node_type" in body:
                validate_config(data)
            ran += 1
        elif lang == "python":
            exec(compile(body, f"{path.name}", "exec"), namespace)
            ran += 1
    assert ran or not any(lang in ("python", "yaml") for lang, _ in blocks(path))
