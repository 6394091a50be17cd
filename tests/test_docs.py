"""The manual in README.md and docs/ is accurate: its examples run, its links resolve.

Every fenced ``python`` block is executed (the blocks of one page in order,
sharing one namespace, in a temporary working folder) and every ``yaml``
block is parsed, and validated as a config when it holds nodes. A python or
yaml block starting with ``# file: NAME`` is also written to that file, for
later blocks. ``toml`` and ``json`` blocks are parsed. A block that truly
cannot run (it needs a server) is preceded by
``<!-- docs-test: skip: REASON -->`` and is only compiled or parsed; that is
the only way out. A block whose first line is ``# from PATH`` quotes a file
of the repository and must match it verbatim (issue #10).
"""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from soe_core.validation import validate_config
from soe_core.yaml_parser import parse_yaml

REPO = Path(__file__).resolve().parents[1]
DOCS_DIR = REPO / "docs"
PAGES = sorted(DOCS_DIR.glob("*.md"))
DOCS = [REPO / "README.md", *PAGES]
LINKED_FILES = [*DOCS, REPO / "examples" / "plugins" / "soe-example-plugin" / "README.md"]

RUN = {"python", "yaml"}
PARSED = {"toml", "json"}
SHOWN = {"", "console", "bash", "text"}  # commands and output: shown, not run
SKIP = re.compile(r"^<!-- docs-test: skip: (?P<reason>\S.*?) -->$")
QUOTE = re.compile(r"^# from (?P<path>\S+)$")


@dataclass
class Block:
    path: Path
    line: int
    lang: str
    body: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a page, with the skip marker right above each (if any)."""
    found: list[Block] = []
    lines = path.read_text().splitlines()
    index = 0
    previous = ""
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            start, lang = index, line[3:].strip()
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                index += 1
            assert index < len(lines), f"{path.name}:{start + 1}: unclosed code fence"
            marker = SKIP.match(previous.strip())
            body = "\n".join(lines[start + 1 : index]) + "\n"
            found.append(Block(path, start + 1, lang, body, marker and marker["reason"]))
            previous = ""
        elif line.strip():
            previous = line
        index += 1
    return found


def write_if_named(block: Block, folder: Path) -> None:
    """A block starting with ``# file: NAME`` is also saved, for later blocks to use."""
    first = block.body.splitlines()[0] if block.body.strip() else ""
    if first.startswith("# file:"):
        (folder / first.split(":", 1)[1].strip()).write_text(block.body)


def run_python(block: Block, namespace: dict, folder: Path) -> None:
    write_if_named(block, folder)
    exec(compile(block.body, block.where, "exec"), namespace)


def run_yaml(block: Block, folder: Path) -> None:
    data = parse_yaml(block.body)
    write_if_named(block, folder)
    if "node_type" in block.body:
        validate_config(data)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_examples_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    ran = skipped = 0
    for block in blocks(path):
        assert block.lang in RUN | PARSED | SHOWN, (
            f"{block.where}: unknown fence language {block.lang!r} "
            f"(use one of {sorted(RUN | PARSED | SHOWN - {''})})"
        )
        if block.skip_reason is not None:
            assert block.lang in RUN, f"{block.where}: only python/yaml blocks can be skipped"
            if block.lang == "python":  # not run, but it must still be Python
                compile(block.body, block.where, "exec")
            else:
                parse_yaml(block.body)
            skipped += 1
            continue
        try:
            if block.lang == "python":
                run_python(block, namespace, tmp_path)
            elif block.lang == "yaml":
                run_yaml(block, tmp_path)
            elif block.lang == "toml":
                tomllib.loads(block.body)
            elif block.lang == "json":
                json.loads(block.body)
        except Exception as exc:
            raise AssertionError(f"{block.where}: {block.lang} example failed: {exc!r}") from exc
        ran += block.lang in RUN
    assert ran + skipped == sum(b.lang in RUN for b in blocks(path))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_no_python_hides_in_a_console_block(path):
    """A ``>>>`` session is Python: it must be a python block (run, or skipped with a reason)."""
    for block in blocks(path):
        if block.lang in SHOWN:
            assert ">>> " not in block.body, f"{block.where}: Python session in {block.lang!r}"


def test_skip_markers_sit_right_above_a_block():
    for path in DOCS:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "docs-test:" not in line:
                continue
            assert SKIP.match(line.strip()), f"{path.name}:{number + 1}: malformed marker {line!r}"
            following = next((x for x in lines[number + 1 :] if x.strip()), "")
            assert following.startswith("```"), f"{path.name}:{number + 1}: marker without block"


def test_quoted_code_matches_its_file():
    quotes = 0
    for path in DOCS:
        for block in blocks(path):
            first, _, rest = block.body.partition("\n")
            match = QUOTE.match(first)
            if match is None:
                continue
            source = REPO / match["path"]
            assert source.is_file(), f"{block.where}: quotes a missing file {match['path']}"
            assert rest in source.read_text(), f"{block.where}: differs from {match['path']}"
            quotes += 1
    assert quotes >= 6  # the example plugin walkthrough in docs/plugins.md


# -- links and names ---------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]+\]\((?P<target>[^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found, in_fence = set(), False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


@pytest.mark.parametrize("path", LINKED_FILES, ids=lambda p: p.name)
def test_relative_links_resolve(path):
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S)
    for match in LINK.finditer(text):
        target = match["target"]
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{path.name}: broken link {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{path.name}: no heading for {target}"


def test_index_links_every_page():
    index = (DOCS_DIR / "index.md").read_text()
    linked = {m["target"].partition("#")[0] for m in LINK.finditer(index)}
    missing = {p.name for p in PAGES if p.name != "index.md"} - linked
    assert not missing, f"docs/index.md does not link {sorted(missing)}"
    assert "docs/index.md" in (REPO / "README.md").read_text()


DOTTED = re.compile(r"`(soe_[a-z_]+(?:\.[A-Za-z_]\w*)+)")


def resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_named_python_objects_exist(path):
    """Every ``soe_*.dotted.name`` the text mentions can be imported."""
    for dotted in sorted(set(DOTTED.findall(path.read_text()))):
        try:
            resolve(dotted)
        except (ImportError, AttributeError) as exc:
            raise AssertionError(f"{path.name}: `{dotted}` does not exist ({exc})") from exc
