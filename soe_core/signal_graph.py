"""Who emits and who listens: the static signal graph of a config.

Used by ``soe validate`` (lint warnings) and ``soe graph`` (Mermaid / DOT).
Emissions are read from ``event_emissions`` of every node type, plus
``llm_failure_signal``; a child node also "emits" in its parent workflow the
signals it forwards (``signals_to_parent``) and in the child workflow its
``child_initial_signals``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Edge:
    workflow: str
    source: str  # emitting node
    target: str  # listening node
    signal: str
    condition: str | None = None


@dataclass
class WorkflowGraph:
    name: str
    nodes: dict[str, dict]
    emits: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    listens: dict[str, list[str]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    external: set[str] = field(default_factory=set)  # signals arriving from elsewhere


def registry_of(config: dict) -> dict:
    return config["workflows"] if "workflows" in config else config


def emissions_of(node: dict) -> list[tuple[str, str | None]]:
    found = []
    for item in node.get("event_emissions") or ():
        if isinstance(item, dict) and item.get("signal_name"):
            found.append((str(item["signal_name"]), item.get("condition")))
    failure = node.get("llm_failure_signal")
    if isinstance(failure, str) and failure:
        found.append((failure, "on failure"))
    return found


def build_graphs(registry: dict) -> dict[str, WorkflowGraph]:
    graphs = {
        name: WorkflowGraph(name, {n: c for n, c in nodes.items() if isinstance(c, dict)})
        for name, nodes in registry.items()
        if isinstance(nodes, dict)
    }
    for graph in graphs.values():
        for node_name, node in graph.nodes.items():
            graph.emits[node_name] = emissions_of(node)
            triggers = node.get("event_triggers")
            graph.listens[node_name] = (
                [str(t) for t in triggers] if isinstance(triggers, list) else []
            )
            if node.get("node_type") == "child":
                _link_child(graphs, graph, node_name, node)
    for graph in graphs.values():
        for source, emitted in graph.emits.items():
            for signal, condition in emitted:
                for target, triggers in graph.listens.items():
                    if signal in triggers:
                        graph.edges.append(Edge(graph.name, source, target, signal, condition))
    return graphs


def _link_child(graphs: dict, parent: WorkflowGraph, node_name: str, node: dict) -> None:
    forwarded = [s for s in node.get("signals_to_parent") or () if isinstance(s, str)]
    parent.emits.setdefault(node_name, [])
    child = graphs.get(node.get("child_workflow_name"))
    if child is None:
        return
    for signal in node.get("child_initial_signals") or ():
        child.external.add(str(signal))
    # a forwarded signal reaches the parent only if the child workflow emits it
    child_emitted = {s for node_emits in _all_emits(child) for s, _c in node_emits}
    for signal in forwarded:
        if signal in child_emitted or signal in child.external:
            parent.emits[node_name] = parent.emits.get(node_name, []) + [(signal, "from child")]


def _all_emits(graph: WorkflowGraph) -> list[list[tuple[str, str | None]]]:
    return [emissions_of(node) for node in graph.nodes.values()]


def child_targets(graph: WorkflowGraph) -> list[tuple[str, str]]:
    """``(child node, child workflow)`` pairs of a workflow."""
    return [
        (name, node.get("child_workflow_name"))
        for name, node in graph.nodes.items()
        if node.get("node_type") == "child"
    ]


def emitted_signals(graph: WorkflowGraph) -> set[str]:
    return {signal for emitted in graph.emits.values() for signal, _c in emitted}


def reachable_nodes(graph: WorkflowGraph, entry: set[str]) -> set[str]:
    """Nodes that can run when ``entry`` signals are broadcast."""
    seen_signals, reached = set(entry), set()
    frontier = list(entry)
    while frontier:
        signal = frontier.pop()
        for node, triggers in graph.listens.items():
            if signal in triggers and node not in reached:
                reached.add(node)
                for emitted, _c in graph.emits.get(node, ()):
                    if emitted not in seen_signals:
                        seen_signals.add(emitted)
                        frontier.append(emitted)
    return reached


def as_mermaid(graphs: dict[str, WorkflowGraph], only: str | None = None) -> str:
    lines = ["flowchart TD"]
    for graph in graphs.values():
        if only and graph.name != only:
            continue
        lines.append(f"  subgraph {_id(graph.name)}[{graph.name}]")
        for node_name, node in graph.nodes.items():
            lines.append(
                f'    {_id(graph.name, node_name)}["{node_name} ({node.get("node_type")})"]'
            )
        lines.append("  end")
        for edge in graph.edges:
            label = _escape(edge_label(edge)).replace("|", "#124;")
            lines.append(
                f'  {_id(graph.name, edge.source)} -->|"{label}"| {_id(graph.name, edge.target)}'
            )
        for node_name, child_name in child_targets(graph):
            if child_name in graphs:
                lines.append(f"  {_id(graph.name, node_name)} -.->|spawns| {_id(child_name)}")
    return "\n".join(lines) + "\n"


def as_dot(graphs: dict[str, WorkflowGraph], only: str | None = None) -> str:
    lines = ["digraph soe {", "  compound=true;"]
    for graph in graphs.values():
        if only and graph.name != only:
            continue
        lines.append(f'  subgraph "cluster_{graph.name}" {{')
        lines.append(f'    label="{graph.name}";')
        for node_name, node in graph.nodes.items():
            lines.append(
                f'    "{graph.name}.{node_name}" [label="{node_name}\\n({node.get("node_type")})"];'
            )
        lines.append("  }")
        for edge in graph.edges:
            lines.append(
                f'  "{graph.name}.{edge.source}" -> "{graph.name}.{edge.target}" '
                f'[label="{_escape(edge_label(edge))}"];'
            )
        for node_name, child_name in child_targets(graph):
            target = graphs.get(child_name)
            if target and target.nodes:
                first = next(iter(target.nodes))
                lines.append(
                    f'  "{graph.name}.{node_name}" -> "{child_name}.{first}" '
                    f'[style=dashed, label="spawns", lhead="cluster_{child_name}"];'
                )
    lines.append("}")
    return "\n".join(lines) + "\n"


NOTES = ("on failure", "from child")


def edge_label(edge: Edge) -> str:
    if not edge.condition:
        return edge.signal
    if edge.condition in NOTES:
        return f"{edge.signal} ({edge.condition})"
    return f"{edge.signal} if {edge.condition}"


def _id(*parts: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else "_" for ch in str(p)) for p in parts)


def _escape(text: Any) -> str:
    return str(text).replace('"', "'")
