"""Static checks beyond validation: the ``soe validate`` findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import WorkflowValidationError
from .plugins import get_registry
from .signal_graph import build_graphs, emitted_signals, reachable_nodes, registry_of
from .validation.config import validate_config


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    message: str
    workflow: str | None = None
    node: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"workflow '{self.workflow}'" if self.workflow else "",
                f"node '{self.node}'" if self.node else "",
                f"key '{self.key}'" if self.key else "",
            )
            if part
        )
        return f"{self.level}: {where + ': ' if where else ''}{self.message}"


def lint(
    config: Any,
    *,
    tools: dict | None = None,
    entry_signals: dict[str, set[str] | None] | None = None,
) -> list[Finding]:
    """Validate ``config`` and report likely mistakes.

    Tool names are checked against ``tools`` (a tools registry) and the
    built-in tools; without ``tools``, against the built-in tools and those of
    installed tool packs. ``entry_signals`` maps a workflow to the signals it
    is started with (``None``: the default); by default a workflow's entry
    signals are the triggers that no node of it emits.
    """
    try:
        parsed = validate_config(config)
    except (WorkflowValidationError, ValueError) as exc:
        return [Finding("error", str(exc))]
    registry = registry_of(parsed)
    graphs = build_graphs(registry)
    findings: list[Finding] = []
    plugin_registry = get_registry()
    known_tools = set(plugin_registry.builtin_tools())
    if tools is None:  # tools of installed packs can be enabled by name, so they count
        known_tools |= set(plugin_registry.tools)
        tool_hint = " (no tools registry given: built-in tools and installed packs are known)"
    else:
        known_tools |= set(tools)
        tool_hint = ""
    for name in entry_signals or {}:
        if name not in graphs:
            findings.append(
                Finding("error", f"workflow not found; available: {sorted(graphs)}", name)
            )
    injects = _injects_workflows(registry)
    for graph in graphs.values():
        emitted = emitted_signals(graph) | graph.external
        entries = (entry_signals or {}).get(graph.name)
        triggers = {s for listened in graph.listens.values() for s in listened}
        if entries is None:
            entries = (triggers - emitted) or set(graph.listens.get(next(iter(graph.nodes)), []))
        for node_name, node in graph.nodes.items():
            where = {"workflow": graph.name, "node": node_name}
            for signal in graph.listens[node_name]:
                if signal not in emitted and signal not in entries:
                    findings.append(
                        Finding(
                            "warning",
                            f"trigger '{signal}' is emitted by no node",
                            key="event_triggers",
                            **where,
                        )
                    )
            for signal, _condition in graph.emits.get(node_name, ()):
                if signal not in triggers and not _forwarded(registry, graph.name, signal):
                    findings.append(
                        Finding(
                            "warning",
                            f"signal '{signal}' is emitted but no node listens to it",
                            key="event_emissions",
                            **where,
                        )
                    )
            findings.extend(
                _node_references(registry, node, known_tools, tool_hint, injects, where)
            )
        reached = reachable_nodes(graph, entries | graph.external)
        for node_name in graph.nodes:
            if node_name not in reached:
                findings.append(
                    Finding(
                        "warning",
                        "node is unreachable from the entry signals "
                        f"{sorted(entries | graph.external)}",
                        workflow=graph.name,
                        node=node_name,
                    )
                )
    return findings


def _injects_workflows(registry: dict) -> bool:
    """True when some node can add workflows at run time (soe_inject_workflow)."""
    for nodes in registry.values():
        for node in (nodes or {}).values():
            if not isinstance(node, dict):
                continue
            if node.get("tool_name") == "soe_inject_workflow":
                return True
            if "soe_inject_workflow" in (node.get("tools") or ()):
                return True
    return False


def _node_references(registry, node, known_tools, tool_hint, injects, where) -> list[Finding]:
    found = []
    node_type = node.get("node_type")
    if node_type == "tool" and node.get("tool_name") not in known_tools:
        message = f"unknown tool '{node.get('tool_name')}'{tool_hint}"
        found.append(Finding("warning", message, key="tool_name", **where))
    if node_type == "agent":
        for tool in node.get("tools") or ():
            if tool not in known_tools:
                message = f"unknown tool '{tool}'{tool_hint}"
                found.append(Finding("warning", message, key="tools", **where))
    if node_type == "child" and node.get("child_workflow_name") not in registry:
        found.append(
            Finding(
                "warning" if injects else "error",
                f"child workflow '{node.get('child_workflow_name')}' is not in the config"
                + (" (it may be injected at run time)" if injects else ""),
                key="child_workflow_name",
                **where,
            )
        )
    return found


def _forwarded(registry: dict, workflow: str, signal: str) -> bool:
    """True when a child node in some workflow forwards ``signal`` out of ``workflow``."""
    for nodes in registry.values():
        for node in (nodes or {}).values():
            if (
                isinstance(node, dict)
                and node.get("node_type") == "child"
                and node.get("child_workflow_name") == workflow
                and signal in (node.get("signals_to_parent") or ())
            ):
                return True
    return False
