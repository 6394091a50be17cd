"""``soe_explore_docs``: browse this project's own documentation (BUILTIN-25).

The documentation is the repository's ``docs/*.md``. It is found, in order:

1. the folder named by the environment variable ``SOE_DOCS_DIR``;
2. ``soe_builtin_tools/docs/`` inside the installed package (a wheel ships a
   copy there, see the distribution's README);
3. the ``docs/`` folder of the source checkout the package was installed from
   in editable mode (found by walking up from this file).

The tree has directory nodes (``docs/``), file nodes (``docs/nodes.md``) and
section nodes (``docs/nodes.md/Node reference/tool``) built from markdown
headings; ``#`` lines inside fenced code blocks are not headings. Tags: each
file is tagged with its stem, and a line ``<!-- tags: a, b -->`` tags the
file or section it appears in.
"""

import functools
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ._common import builtin

ENV_DOCS_DIR = "SOE_DOCS_DIR"
ROOT = "docs/"
MAX_RESULTS = 20
STOP_WORDS = frozenset(
    "and or the a an in on at to for of with how does do is are what".split()
)
Action = Literal["list", "read", "tree", "search", "get_tags"]

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TAGS = re.compile(r"^\s*<!--\s*tags:\s*(.*?)\s*-->\s*$", re.IGNORECASE)


# -- locating the docs ---------------------------------------------------------


def _packaged_docs() -> Path | None:
    try:
        folder = resources.files(__package__) / "docs"
    except (ModuleNotFoundError, TypeError):
        return None
    path = Path(str(folder))
    if path.is_dir() and any(path.rglob("*.md")):
        return path
    return None


def _checkout_docs() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "docs"
        if (candidate / "index.md").is_file() and (parent / "soe_core").is_dir():
            return candidate
    return None


def docs_dir() -> Path | None:
    """The documentation folder the explorer reads (see the module docstring)."""
    configured = os.environ.get(ENV_DOCS_DIR)
    if configured:
        return Path(configured)
    return _packaged_docs() or _checkout_docs()


# -- the index -------------------------------------------------------------------


@dataclass
class DocNode:
    path: str
    kind: str  # "dir" | "file" | "section"
    name: str
    parent: str | None
    file: Path | None = None
    start: int = 0  # line range [start, end) in the file, for sections
    end: int = 0
    title: str = ""
    preview: str = ""
    children: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)


class DocsIndex:
    """All nodes by path, and tag -> paths."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.nodes: dict[str, DocNode] = {}
        self.tags: dict[str, set[str]] = {}
        self.lines: dict[Path, list[str]] = {}
        self._add(DocNode(ROOT, "dir", "docs", None))
        for path in sorted(folder.rglob("*.md")):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue
            self._add_file(path)

    def _add(self, node: DocNode) -> DocNode:
        self.nodes[node.path] = node
        if node.parent is not None:
            self.nodes[node.parent].children.append(node.path)
        return node

    def _dir_node(self, relative_dir: Path) -> str:
        path = ROOT
        for part in relative_dir.parts:
            child = f"{path}{part}/"
            if child not in self.nodes:
                self._add(DocNode(child, "dir", part, path))
            path = child
        return path

    def _tag(self, node: DocNode, tag: str) -> None:
        tag = tag.strip().lower()
        if tag:
            node.tags.add(tag)
            self.tags.setdefault(tag, set()).add(node.path)

    def _add_file(self, path: Path) -> None:
        relative = path.relative_to(self.folder)
        parent = self._dir_node(relative.parent)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        lines = text.splitlines()
        self.lines[path] = lines
        node = self._add(
            DocNode(f"{parent}{relative.name}", "file", relative.name, parent, path, 0, len(lines))
        )
        self._tag(node, path.stem)
        stack: list[tuple[int, DocNode]] = []  # (level, section)
        own_start = 0  # where the body of the innermost node starts
        current: DocNode = node
        in_fence = False
        for number, line in enumerate(lines):
            if _FENCE.match(line):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            tags = _TAGS.match(line)
            if tags:
                for tag in tags.group(1).split(","):
                    self._tag(current, tag)
                continue
            heading = _HEADING.match(line)
            if not heading:
                continue
            current.preview = "\n".join(lines[own_start:number]).strip()
            level, title = len(heading.group(1)), heading.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()[1].end = number
            parent_node = stack[-1][1] if stack else node
            section_path = f"{parent_node.path}/{title}"
            duplicate = 2
            while section_path in self.nodes:
                section_path = f"{parent_node.path}/{title} ({duplicate})"
                duplicate += 1
            current = self._add(
                DocNode(section_path, "section", title, parent_node.path, path, number, len(lines))
            )
            current.title = title
            if not node.title:
                node.title = title
            stack.append((level, current))
            own_start = number + 1
        current.preview = "\n".join(lines[own_start:]).strip()
        while stack:
            stack.pop()[1].end = len(lines)

    # -- lookups --------------------------------------------------------------------

    def find(self, path: str) -> DocNode | None:
        """The node at ``path`` (a directory first); ``docs/`` may be left out."""
        clean = path.strip().strip("/")
        if not clean:
            return self.nodes[ROOT]
        for candidate in (clean, f"docs/{clean}"):
            if f"{candidate}/" in self.nodes:
                return self.nodes[f"{candidate}/"]
            if candidate in self.nodes:
                return self.nodes[candidate]
        return None

    def text(self, node: DocNode) -> str:
        lines = self.lines.get(node.file, [])
        if node.kind == "file":
            return "\n".join(lines) + ("\n" if lines else "")
        return "\n".join(lines[node.start : node.end]).rstrip("\n") + "\n"


def _signature(folder: Path) -> tuple:
    entries = []
    for path in sorted(folder.rglob("*.md")):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


@functools.lru_cache(maxsize=8)
def _cached_index(folder: str, signature: tuple) -> DocsIndex:
    return DocsIndex(Path(folder))


def load_index(folder: Path | None = None) -> DocsIndex | None:
    """The index of ``folder`` (default: :func:`docs_dir`), rebuilt when a file changes."""
    folder = folder or docs_dir()
    if folder is None or not folder.is_dir():
        return None
    return _cached_index(str(folder.resolve()), _signature(folder))


# -- actions ---------------------------------------------------------------------


def _label(node: DocNode, style: str) -> str:
    if style == "list":
        marker = {"dir": "[DIR]", "file": "[FILE]", "section": "[SEC]"}[node.kind]
    else:
        marker = {"dir": "[D]", "file": "[F]", "section": "[S]"}[node.kind]
    name = f"{node.name}/" if node.kind == "dir" else node.name
    return f"{marker} {name}"


def _list(index: DocsIndex, path: str) -> str:
    node = index.find(path)
    if node is None:
        return f"Error: Path '{path}' not found in index."
    if not node.children:
        return "(empty)"
    return "\n".join(_label(index.nodes[c], "list") for c in sorted(node.children))


def _read(index: DocsIndex, path: str) -> str:
    node = index.find(path)
    if node is None:
        return f"Error: Path '{path}' not found."
    if node.kind == "dir":
        return f"Error: '{path}' is a directory. Use action='list' or 'tree'."
    return index.text(node)


def _tree(index: DocsIndex, path: str) -> str:
    node = index.find(path)
    if node is None:
        return f"Error: Path '{path}' not found in index."
    lines: list[str] = []

    def walk(current: DocNode, depth: int) -> None:
        for child in sorted(current.children):
            child_node = index.nodes[child]
            lines.append("  " * depth + _label(child_node, "tree"))
            walk(child_node, depth + 1)

    walk(node, 0)
    return "\n".join(lines) if lines else "(empty)"


def _words(query: str) -> list[str]:
    raw = query.lower().split()
    kept = [w for w in raw if w not in STOP_WORDS and len(w) > 1]
    return kept or raw


def _search(index: DocsIndex, query: str | None, tag: str | None) -> str:
    if not query and not tag:
        return "Error: Provide 'query' or 'tag' for search."
    candidates = [n for p, n in index.nodes.items() if p != ROOT]
    if tag:
        tagged = index.tags.get(str(tag).strip().lower())
        if not tagged:
            return f"No results for tag '{tag}'"
        candidates = [n for n in candidates if n.path in tagged]
    words = _words(str(query)) if query else []
    if words:
        matched = [
            n
            for n in candidates
            if any(
                w in n.path.lower() or w in n.title.lower() or w in n.preview.lower()
                for w in words
            )
        ]
    else:
        matched = candidates
    found = {n.path for n in matched}
    results = sorted(
        n.path for n in matched if not (n.kind == "section" and n.parent in found)
    )
    if not results:
        return f"No results found for: {' '.join(words) or tag}"
    shown = results[:MAX_RESULTS]
    if len(results) > MAX_RESULTS:
        shown.append(f"... and {len(results) - MAX_RESULTS} more results")
    return "\n".join(shown)


def _get_tags(index: DocsIndex) -> str:
    return f"Available tags: {sorted(index.tags)}"


def explore(path: Any, action: Any, query: Any = None, tag: Any = None) -> str:
    """The explorer without the policy check; never raises."""
    try:
        index = load_index()
        if index is None:
            return (
                "Error: documentation not found (install soe-builtin-tools with its docs or "
                f"set {ENV_DOCS_DIR})"
            )
        path = "" if path is None else str(path)
        if action == "list":
            return _list(index, path)
        if action == "read":
            return _read(index, path)
        if action == "tree":
            return _tree(index, path)
        if action == "search":
            return _search(index, query, tag)
        if action == "get_tags":
            return _get_tags(index)
        return f"Error: Unknown action '{action}'"
    except Exception as exc:  # the explorer answers with text, whatever it is given
        return f"Error: {type(exc).__name__}: {exc}"


@builtin("soe_explore_docs")
def soe_explore_docs(
    path: str, action: Action, query: str | None = None, tag: str | None = None
) -> str:
    """Explore the SOE documentation: list, read, tree, search or get_tags.

    Args:
        path: a path in the docs tree such as "docs/", "docs/nodes.md" or
            "docs/nodes.md/Node reference/tool"; "/" is the root (ignored by
            search and get_tags).
        action: "list" children, "read" a file or section, "tree" a subtree,
            "search" by query and/or tag, "get_tags" to list tags.
        query: words to search for (search).
        tag: a tag to restrict the search to (search).
    """
    return explore(path, action, query, tag)


def create_soe_explore_docs_tool(execution_id=None, backends=None, tools_registry=None):
    """``soe_explore_docs``; it reads only the docs, so nothing is bound (BUILTIN-3)."""
    return soe_explore_docs
