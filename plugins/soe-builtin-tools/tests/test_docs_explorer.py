"""``soe_explore_docs`` over this project's own docs and over a synthetic tree.

Spec 03: BUILTIN-25 (every action and error string), BUILTIN-3 (unbound factory).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from soe_builtin_tools import docs_explorer
from soe_builtin_tools.docs_explorer import docs_dir, soe_explore_docs

REPO = Path(__file__).resolve().parents[3]

GUIDE = """# Guide

<!-- tags: intro, Start -->

Intro text about signals.

## Install

Run pip.

```bash
# not a heading
pip install soe
```

### Details

Fine print.

## Usage

Use it.
"""


@pytest.fixture
def docs(tmp_path, monkeypatch):
    root = tmp_path / "mydocs"
    (root / "deep").mkdir(parents=True)
    (root / "guide.md").write_text(GUIDE)
    (root / "deep" / "notes.md").write_text("# Notes\n\nNothing about installing.\n")
    monkeypatch.setenv("SOE_DOCS_DIR", str(root))
    return root


def test_builtin25_docs_of_this_repository_are_found_from_the_checkout(monkeypatch):
    """Without SOE_DOCS_DIR or a packaged copy, the editable checkout's docs/ is used."""
    monkeypatch.delenv("SOE_DOCS_DIR", raising=False)
    monkeypatch.setattr(docs_explorer, "_packaged_docs", lambda: None)
    assert docs_dir() == REPO / "docs"
    listing = soe_explore_docs("/", "list")
    assert "[FILE] index.md" in listing.splitlines()
    assert "[FILE] builtin-tools.md" in listing.splitlines()
    text = soe_explore_docs("docs/index.md", "read")
    assert text == (REPO / "docs" / "index.md").read_text()
    found = soe_explore_docs("", "search", query="built-in tools")
    lines = [line for line in found.splitlines() if "more results" not in line]
    assert lines and all(line.startswith("docs/") for line in lines)
    assert "docs/builtin-tools.md" in found


def test_builtin25_packaged_docs_are_preferred_over_the_checkout(monkeypatch, tmp_path):
    package = tmp_path / "pkg"
    (package / "docs").mkdir(parents=True)
    (package / "docs" / "only.md").write_text("# Only\n")
    monkeypatch.delenv("SOE_DOCS_DIR", raising=False)
    monkeypatch.setattr(docs_explorer.resources, "files", lambda name: package)
    assert docs_dir() == package / "docs"
    assert soe_explore_docs("/", "list") == "[FILE] only.md"


def test_builtin25_list(docs):
    assert soe_explore_docs("/", "list") == "[DIR] deep/\n[FILE] guide.md"
    assert soe_explore_docs("", "list") == soe_explore_docs("docs", "list")
    assert soe_explore_docs("docs/deep", "list") == "[FILE] notes.md"
    assert soe_explore_docs("docs/guide.md", "list") == "[SEC] Guide"
    assert soe_explore_docs("/docs/guide.md/Guide/", "list") == "[SEC] Install\n[SEC] Usage"
    assert soe_explore_docs("docs/guide.md/Guide/Usage", "list") == "(empty)"
    assert soe_explore_docs("docs/nope.md", "list") == (
        "Error: Path 'docs/nope.md' not found in index."
    )


def test_builtin25_read(docs):
    assert soe_explore_docs("docs/guide.md", "read") == GUIDE
    install = soe_explore_docs("docs/guide.md/Guide/Install", "read")
    assert install.startswith("## Install\n") and "Fine print." in install
    assert "## Usage" not in install and "# not a heading" in install
    details = soe_explore_docs("docs/guide.md/Guide/Install/Details", "read")
    assert details == "### Details\n\nFine print.\n"
    assert soe_explore_docs("docs/deep", "read") == (
        "Error: 'docs/deep' is a directory. Use action='list' or 'tree'."
    )
    assert soe_explore_docs("docs/x.md", "read") == "Error: Path 'docs/x.md' not found."


def test_builtin25_tree(docs):
    assert soe_explore_docs("/", "tree") == "\n".join(
        [
            "[D] deep/",
            "  [F] notes.md",
            "    [S] Notes",
            "[F] guide.md",
            "  [S] Guide",
            "    [S] Install",
            "      [S] Details",
            "    [S] Usage",
        ]
    )
    assert soe_explore_docs("docs/deep/notes.md", "tree") == "[S] Notes"
    assert soe_explore_docs("docs/missing", "tree").startswith("Error: Path 'docs/missing'")


def test_builtin25_fenced_code_lines_are_not_headings(docs):
    assert "not a heading" not in soe_explore_docs("/", "tree")


def test_builtin25_search(docs):
    assert soe_explore_docs("/", "search") == "Error: Provide 'query' or 'tag' for search."
    # stop words and one-letter words are dropped; a parent match hides its sections
    assert soe_explore_docs("/", "search", query="how to install a") == (
        "docs/deep/notes.md/Notes\ndocs/guide.md/Guide/Install"
    )
    assert soe_explore_docs("/", "search", query="guide") == "docs/guide.md"
    assert soe_explore_docs("/", "search", query="the") != "No results found for: "
    assert soe_explore_docs("/", "search", query="zebra") == "No results found for: zebra"
    assert soe_explore_docs("/", "search", tag="intro") == "docs/guide.md/Guide"
    assert soe_explore_docs("/", "search", tag="start", query="zebra") == (
        "No results found for: zebra"
    )
    assert soe_explore_docs("/", "search", tag="nope") == "No results for tag 'nope'"


def test_builtin25_search_truncates_after_twenty(tmp_path, monkeypatch):
    root = tmp_path / "many"
    root.mkdir()
    for index in range(25):
        (root / f"topic{index:02d}.md").write_text(f"# Topic {index}\n")
    monkeypatch.setenv("SOE_DOCS_DIR", str(root))
    lines = soe_explore_docs("/", "search", query="topic").splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more results"
    assert lines[0] == "docs/topic00.md"


def test_builtin25_get_tags_and_unknown_action(docs):
    assert soe_explore_docs("/", "get_tags") == (
        "Available tags: ['guide', 'intro', 'notes', 'start']"
    )
    assert soe_explore_docs("/", "dance") == "Error: Unknown action 'dance'"


def test_builtin25_never_raises(docs, monkeypatch):
    assert soe_explore_docs(None, "list") == soe_explore_docs("/", "list")
    assert soe_explore_docs(123, "read").startswith("Error:")
    monkeypatch.setenv("SOE_DOCS_DIR", str(docs / "does-not-exist"))
    assert soe_explore_docs("/", "list").startswith("Error: documentation not found")


def test_builtin25_through_a_tool_node(flow, docs):
    config = """
main:
  Browse:
    node_type: tool
    event_triggers: [START]
    tool_name: soe_explore_docs
    parameters: {path: docs/guide.md/Guide, action: list}
    output_field: listing
"""
    run = flow(config)
    assert run.latest("listing") == "[SEC] Install\n[SEC] Usage"


def test_index_is_rebuilt_when_a_file_changes(docs):
    assert "[SEC] Notes" == soe_explore_docs("docs/deep/notes.md", "list")
    (docs / "deep" / "notes.md").write_text("# Renamed heading\n\nmore text\n")
    assert soe_explore_docs("docs/deep/notes.md", "list") == "[SEC] Renamed heading"
