"""Pruning executions: everything stored for them, children included."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .context import PARENT
from .errors import PruneError
from .journal import journal_of
from .operational import main_execution_id
from .store import contexts

# backend kind -> the capability that deletes what it holds for one execution
DELETERS = {
    "context": "delete_context",
    "workflow": "delete_workflows",
    "telemetry": "delete_events",
    "context_schema": "delete_context_schema",
    "identity": "delete_identities",
}


def prune(
    backends: Any,
    execution_ids: list[str] | tuple[str, ...] = (),
    *,
    older_than: _dt.datetime | str | None = None,
) -> list[str]:
    """Delete executions and their children; return the deleted ids, parents first.

    ``execution_ids`` names executions to delete; ``older_than`` adds every
    root execution created before that time (needs a journal, which records
    creation times). A conversation history keyed by a deleted root goes too.
    """
    _check_capabilities(backends)
    roots = list(execution_ids)
    if older_than is not None:
        roots += _roots_older_than(backends, older_than)
    deleted: list[str] = []
    seen: set[str] = set()
    children = _children_by_parent(backends) if roots else {}
    for root in roots:
        for execution_id in _tree(children, root):
            if execution_id not in seen:
                seen.add(execution_id)
                _delete(backends, execution_id)
                deleted.append(execution_id)
    return deleted


def _check_capabilities(backends: Any) -> None:
    missing = [
        f"{kind}.{method}"
        for kind, method in DELETERS.items()
        if getattr(backends, kind, None) is not None
        and getattr(getattr(backends, kind), method, None) is None
    ]
    if missing:
        raise PruneError(f"these backends cannot delete executions: missing {', '.join(missing)}")


def _roots_older_than(backends: Any, older_than: _dt.datetime | str) -> list[str]:
    journal = journal_of(backends)
    if journal is None:
        raise PruneError("pruning by date needs a store with a journal (creation times)")
    cutoff = _as_utc(older_than)
    return [
        record["execution_id"]
        for record in journal.executions()
        if not record.get("parent_execution_id")
        and record.get("created")
        and _as_utc(record["created"]) < cutoff
    ]


def _as_utc(value: _dt.datetime | str) -> _dt.datetime:
    moment = _dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _children_by_parent(backends: Any) -> dict[str, list[str]]:
    """Parent id -> child ids, read once per prune (not once per root)."""
    children: dict[str, list[str]] = {}
    journal = journal_of(backends)
    if journal is not None:
        for record in journal.executions():
            parent = record.get("parent_execution_id")
            if parent:
                children.setdefault(parent, []).append(record["execution_id"])
        return children
    list_ids = getattr(backends.context, "list_context_ids", None)
    access = contexts(backends)
    for execution_id in list_ids() if list_ids is not None else ():
        parent = access.read(execution_id).get(PARENT)
        if isinstance(parent, dict) and parent.get("parent_execution_id"):
            children.setdefault(parent["parent_execution_id"], []).append(execution_id)
    return children


def _tree(children: dict[str, list[str]], root: str) -> list[str]:
    """``root`` and its descendants, parents first."""
    order, todo = [], [root]
    while todo:
        current = todo.pop(0)
        order.append(current)
        todo.extend(children.get(current, ()))
    return order


def _delete(backends: Any, execution_id: str) -> None:
    context = contexts(backends).read(execution_id)
    is_root = not (context.get(PARENT) if context else None)
    main_id = main_execution_id(context, execution_id) if context else execution_id
    for kind, method in DELETERS.items():
        backend = getattr(backends, kind, None)
        if backend is not None:
            getattr(backend, method)(execution_id)
    history = getattr(backends, "conversation_history", None)
    if history is not None and is_root and main_id == execution_id:
        delete = getattr(history, "delete_conversation_history", None)
        if delete is not None:
            delete(execution_id)
    journal = journal_of(backends)
    if journal is not None:
        journal.forget(execution_id)
