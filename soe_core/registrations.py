"""Typed objects that plugins return from their hooks.

Each registration names one thing (a node type, a URL scheme, a caller, an
LLM provider, a tool pack). The kernel collects them all, then checks for
name clashes (see :mod:`soe_core.plugins`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .wiring import NodeWiring

NodeExecutor = Callable[[str, dict], None]


class _LazyModel:
    """A ``NodeType.config_model`` given as ``"module:attr"`` or as a function
    of no arguments is resolved on first read: loading a plugin then imports
    no pydantic (issue #9)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return None  # the field's default
        value = obj.__dict__[self.key]
        if isinstance(value, str) or (callable(value) and not isinstance(value, type)):
            value = obj.__dict__[self.key] = _resolve(value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if isinstance(value, str) and ":" not in value:
            raise ValueError(f"config_model {value!r} should be written 'module:attribute'")
        obj.__dict__[self.key] = value


def _resolve(reference: str | Callable[[], Any]) -> Any:
    if not isinstance(reference, str):
        return reference()
    module, _, path = reference.partition(":")
    value = importlib.import_module(module.strip())
    for name in path.strip().split("."):
        value = getattr(value, name)
    return value


@dataclass(frozen=True)
class NodeType:
    """A node type: ``name`` as written in ``node_type:``.

    ``validate(node_config)`` raises ``WorkflowValidationError`` for a bad
    config. It must depend on the config alone and leave it unchanged: a
    config whose content already passed is not validated again (see
    :mod:`soe_core.validation.memo`); checks of the outside world belong in
    the executor. ``build(wiring)`` returns the executor ``(execution_id, node_config)``.
    ``needs`` says what ``create_all_nodes`` must have been given for the type
    to be wired: ``"llm"`` (a ``call_llm``) or ``"tools"`` (a tools registry;
    such types are still built on first use without one, see TOOL-4).
    ``config_model`` is an optional pydantic model documenting the keys, or
    where to find it (``"module:attr"``, or a function of no arguments
    returning it), imported on first read of the attribute.
    """

    name: str
    validate: Callable[[dict], None]
    build: Callable[[NodeWiring], NodeExecutor]
    needs: Literal["nothing", "llm", "tools"] = "nothing"
    config_model: Any = _LazyModel()
    description: str = ""


@dataclass(frozen=True)
class BackendScheme:
    """A storage URL scheme (``memory``, ``file``, ``sqlite``...).

    ``open(url, **options)`` returns a backends container.
    """

    scheme: str
    open: Callable[..., Any]
    description: str = ""


@dataclass(frozen=True)
class CallerType:
    """A signal transport. ``build(nodes, backends, **options)`` returns a
    ``broadcast_signals_caller(execution_id, signals)``.

    A transport that runs nodes in worker processes also gives ``serve``,
    which ``soe worker`` calls as ``serve(connect, concurrency=, broker_url=,
    **options)`` and which runs a worker until it is stopped; ``connect()``
    is a context manager yielding the worker's backends and nodes
    (:class:`soe_core.cli.options.Connection`).
    """

    name: str
    build: Callable[..., Callable[[str, list], None]]
    description: str = ""
    serve: Callable[..., None] | None = None


@dataclass(frozen=True)
class LlmProvider:
    """An LLM provider. ``build(model, **options)`` returns a ``call_llm``."""

    name: str
    build: Callable[..., Callable[[str, dict], str]]
    description: str = ""


@dataclass(frozen=True)
class Tool:
    """One tool. Either ``function`` (used as is) or ``factory`` (called with
    ``execution_id=, backends=, tools_registry=`` on every use, so the tool acts
    on the execution running it)."""

    name: str
    function: Callable[..., Any] | None = None
    factory: Callable[..., Callable[..., Any]] | None = None
    max_retries: int = 0
    failure_signal: str | None = None
    process_accumulated: bool = False
    description: str = ""


@dataclass(frozen=True)
class ToolPack:
    """A named set of tools. ``builtin`` packs are available to every tool node
    and agent without registration; other packs are enabled by name."""

    name: str
    tools: tuple[Tool, ...] = field(default_factory=tuple)
    builtin: bool = False
    description: str = ""


EventObserver = Callable[[str, str, dict], None]
"""Called as ``observer(execution_id, event_type, data)`` for every event."""
