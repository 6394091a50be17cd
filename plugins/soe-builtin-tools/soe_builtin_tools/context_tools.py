"""Built-ins that read and write contexts (BUILTIN-13..16).

They act on the bound execution. ``soe_copy_context`` and
``soe_list_contexts`` may name other executions, but only of the same tree
(same ``main_execution_id``) unless the operator allows cross-execution
access; no built-in writes a ``__`` field (BUILTIN-27, WP-16).

Positional order is ``(backends, execution_id, tools_registry=None)`` for
these four factories, as in the original (BUILTIN-3).
"""

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from soe_core.context import OPERATIONAL, get_field, is_reserved
from soe_core.store import contexts

from ._common import as_bool, builtin, check_same_tree, parse_structured, refuse_reserved
from .audit import main_execution_id, record_modification
from .policy import current_policy


def _history(context: Mapping, field: str) -> Any:
    if is_reserved(field):
        return None
    value = context.get(field)
    return copy.deepcopy(value) if value else None


def _field_list(value: Any) -> list:
    parsed = parse_structured(value)
    if isinstance(parsed, str):
        return [parsed]
    if isinstance(parsed, Mapping):
        return list(parsed)
    return list(parsed or ())


def create_soe_get_context_tool(backends: Any, execution_id: str, tools_registry=None):
    """``soe_get_context`` bound to one execution (BUILTIN-13)."""

    @builtin("soe_get_context", execution_id, backends)
    def soe_get_context(field: str | None = None, fields: list[str] | None = None) -> dict:
        """Read fields of this execution's context as their full history lists.

        Args:
            field: one field to read.
            fields: several fields to read.
        """
        context = contexts(backends).read(execution_id)
        if field:
            return {field: _history(context, field)}
        if fields:
            return {name: _history(context, name) for name in _field_list(fields)}
        return {
            name: copy.deepcopy(value)
            for name, value in context.items()
            if not is_reserved(name)
        }

    return soe_get_context


def create_soe_update_context_tool(backends: Any, execution_id: str, tools_registry=None):
    """``soe_update_context`` bound to one execution (BUILTIN-14)."""

    @builtin("soe_update_context", execution_id, backends)
    def soe_update_context(updates: dict | None = None) -> dict:
        """Append values to fields of this execution's context (``__`` fields are ignored).

        Args:
            updates: field name -> new value (a mapping, or JSON/YAML text).
        """
        if not updates:
            return {"status": "no updates provided"}
        parsed = parse_structured(updates)
        if not isinstance(parsed, Mapping):
            raise ValueError("updates must be a dictionary/object of field -> value")
        valid = {
            key: value
            for key, value in parsed.items()
            if isinstance(key, str) and not is_reserved(key)
        }
        if not valid:
            return {"status": "no valid updates (operational fields cannot be updated)"}
        before: dict = {}

        def mutate(context: dict) -> None:
            for key, value in valid.items():
                before[key] = get_field(context, key)
                history = context.get(key)
                if isinstance(history, list):
                    history.append(copy.deepcopy(value))
                else:
                    context[key] = [copy.deepcopy(value)]

        contexts(backends).update(execution_id, mutate)
        record_modification(
            backends,
            execution_id,
            "soe_update_context",
            {"execution_id": execution_id, "fields": list(valid)},
            before,
            valid,
        )
        return {"status": "updated", "fields": list(valid)}

    return soe_update_context


def create_soe_copy_context_tool(backends: Any, execution_id: str, tools_registry=None):
    """``soe_copy_context`` bound to one execution (BUILTIN-15, WP-16)."""

    @builtin("soe_copy_context", execution_id, backends)
    def soe_copy_context(
        source_execution_id: str | None = None,
        fields: dict | None = None,
        all_fields: bool = False,
        target_execution_id: str | None = None,
    ) -> dict:
        """Copy fields (whole histories) between contexts of this execution tree.

        Args:
            source_execution_id: where to copy from (default: this execution).
            fields: source field name -> target field name.
            all_fields: copy every field of the source.
            target_execution_id: where to copy to (default: this execution).
        """
        source_id = source_execution_id or execution_id
        target_id = target_execution_id or execution_id
        check_same_tree(backends, execution_id, source_id, "soe_copy_context")
        check_same_tree(backends, execution_id, target_id, "soe_copy_context")
        source = contexts(backends).read(source_id)
        if as_bool(all_fields):
            mapping = {name: name for name in source if not is_reserved(name)}
        elif fields:
            mapping = parse_structured(fields)
            if not isinstance(mapping, Mapping):
                raise ValueError(
                    "'fields' must be a mapping {source_field: target_field}, "
                    f"got {type(mapping).__name__}"
                )
            for source_field, target_field in mapping.items():
                if is_reserved(source_field) or source_field not in source:
                    return {
                        "error": f"Source field '{source_field}' not found in execution "
                        f"{source_id}"
                    }
                refuse_reserved(target_field, "soe_copy_context", "target field")
        else:
            return {"error": "Must specify either 'fields' mapping or 'all_fields=True'"}
        values = {target: copy.deepcopy(source[name]) for name, target in mapping.items()}
        before: dict = {}

        def mutate(context: dict) -> None:
            for target, history in values.items():
                before[target] = copy.deepcopy(context.get(target))
                context[target] = history

        contexts(backends).update(target_id, mutate)
        record_modification(
            backends,
            execution_id,
            "soe_copy_context",
            {
                "source_execution_id": source_id,
                "target_execution_id": target_id,
                "fields": dict(mapping),
            },
            before,
            values,
            also_on=target_id,
        )
        return {
            "status": "copied",
            "source_execution": source_id,
            "target_execution": target_id,
            "fields_copied": dict(mapping),
        }

    return soe_copy_context


def _context_ids(backend: Any) -> list[str]:
    """Ids through the backend's ``list_context_ids`` capability, else its storage folder."""
    lister = getattr(backend, "list_context_ids", None)
    if callable(lister):
        return list(lister())
    folder = getattr(backend, "storage_dir", None)
    if folder is None:
        return []
    try:
        return sorted(p.stem for p in Path(folder).glob("*.json") if not p.name.startswith("."))
    except OSError:
        return []


def create_soe_list_contexts_tool(backends: Any, execution_id: str, tools_registry=None):
    """``soe_list_contexts`` bound to one execution (BUILTIN-16)."""

    @builtin("soe_list_contexts", execution_id, backends)
    def soe_list_contexts(include_current: bool = True) -> dict:
        """List the executions of this execution tree with a short summary of each.

        Args:
            include_current: include this execution in the list.
        """
        include = as_bool(include_current)
        access = contexts(backends)
        everything = current_policy().cross_execution
        root = None
        if not everything:
            root = main_execution_id(backends, execution_id)
        entries = []
        for other_id in _context_ids(backends.context):
            is_current = other_id == execution_id
            if is_current and not include:
                continue
            try:
                context = access.read(other_id)
            except Exception:  # unreadable: skipped, as in the original
                continue
            if not isinstance(context, Mapping):
                continue
            operational = context.get(OPERATIONAL)
            operational = operational if isinstance(operational, Mapping) else {}
            if root is not None and not is_current:
                if operational.get("main_execution_id") != root:
                    continue
            nodes = operational.get("nodes")
            signals = operational.get("signals")
            entries.append(
                {
                    "execution_id": other_id,
                    "is_current": is_current,
                    "user_request": copy.deepcopy(get_field(context, "user_request")),
                    "signals": list(signals or ())[-5:],
                    "node_count": sum((nodes or {}).values()),
                }
            )
        return {"current_execution_id": execution_id, "contexts": entries}

    return soe_list_contexts
