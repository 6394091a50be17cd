"""Loading plugins and the typed view of what they provide.

``load_plugins()`` builds a pluggy manager, loads the ``soe`` entry point
group one entry point at a time, collects every registration and checks
for clashes. The result is a :class:`PluginRegistry`; the engine talks to it,
never to raw hooks. ``get_registry()`` returns a process-wide registry,
built on first use (never at import time).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError
from .registrations import BackendScheme, CallerType, LlmProvider, NodeType, Tool, ToolPack

ENTRY_POINT_GROUP = "soe"
log = logging.getLogger("soe.plugins")
hookimpl = pluggy.HookimplMarker("soe")

_KINDS = {
    "soe_node_types": ("node type", "name"),
    "soe_backends": ("backend scheme", "scheme"),
    "soe_callers": ("caller", "name"),
    "soe_llm_providers": ("LLM provider", "name"),
    "soe_tools": ("tool pack", "name"),
}


@dataclass
class PluginInfo:
    """One loaded (or broken, or disabled) plugin, for ``soe plugins``.

    ``distribution`` and ``version`` are read from the installed metadata
    only when asked for: parsing every plugin's metadata file would cost a
    fresh process tens of milliseconds for names nobody prints.
    """

    name: str
    source: Any = field(default=None, repr=False)  # importlib.metadata.Distribution
    status: str = "loaded"  # loaded | broken | disabled
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    label: str | None = None  # stands for the distribution when there is no source

    @property
    def distribution(self) -> str:
        if self.source is None:
            return self.label or "?"
        return self.source.name

    @property
    def version(self) -> str:
        return self.source.version if self.source is not None else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": self.hooks,
            "provides": self.provides,
        }


class PluginRegistry:
    """Everything the installed plugins provide, indexed by name."""

    def __init__(self, manager: pluggy.PluginManager, infos: list[PluginInfo]):
        self.manager = manager
        self.plugins = infos
        self.node_types: dict[str, NodeType] = {}
        self.backend_schemes: dict[str, BackendScheme] = {}
        self.callers: dict[str, CallerType] = {}
        self.llm_providers: dict[str, LlmProvider] = {}
        self.tool_packs: dict[str, ToolPack] = {}
        self.tools: dict[str, tuple[Tool, ToolPack]] = {}
        self.observers: list = []
        self._builtin_tools: dict[str, Tool] | None = None
        self._collect()

    # -- collection -----------------------------------------------------

    def _collect(self) -> None:
        by_name = {info.name: info for info in self.plugins}
        targets = {
            "soe_node_types": self.node_types,
            "soe_backends": self.backend_schemes,
            "soe_callers": self.callers,
            "soe_llm_providers": self.llm_providers,
            "soe_tools": self.tool_packs,
        }
        owners: dict[tuple[str, str], PluginInfo] = {}
        for hook_name, target in targets.items():
            kind, key_attr = _KINDS[hook_name]
            for plugin_name, items in self._call_each(hook_name):
                info = by_name.get(plugin_name) or _local_info(plugin_name)
                for item in items or ():
                    key = getattr(item, key_attr)
                    previous = owners.get((hook_name, key))
                    if previous is not None:
                        raise PluginError(
                            f"{kind} {key!r} is provided by two plugins: "
                            f"{previous.distribution} (plugin {previous.name!r}) and "
                            f"{info.distribution} (plugin {info.name!r}); uninstall or "
                            f"disable one of them (SOE_DISABLE_PLUGINS)"
                        )
                    owners[(hook_name, key)] = info
                    target[key] = item
                    info.provides.setdefault(kind, []).append(key)
        tool_owner: dict[str, ToolPack] = {}
        for pack in self.tool_packs.values():
            for tool in pack.tools:
                if tool.name in tool_owner:
                    other = tool_owner[tool.name]
                    raise PluginError(
                        f"tool {tool.name!r} is provided by two tool packs: "
                        f"{_describe_pack(other, owners)} and {_describe_pack(pack, owners)}"
                    )
                tool_owner[tool.name] = pack
                self.tools[tool.name] = (tool, pack)
        for _plugin, items in self._call_each("soe_event_observers"):
            self.observers.extend(items or ())

    def _call_each(self, hook_name: str) -> Iterator[tuple[str, Any]]:
        hook = getattr(self.manager.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order
            yield impl.plugin_name, impl.function()

    # -- lookups with errors people can act on ---------------------------

    def node_type(self, name: str) -> NodeType | None:
        return self.node_types.get(name)

    def builtin_tools(self) -> dict[str, Tool]:
        """Tools of ``builtin`` packs; looked up on every tool-node run, so built once."""
        if self._builtin_tools is None:
            self._builtin_tools = {
                name: tool for name, (tool, pack) in self.tools.items() if pack.builtin
            }
        return self._builtin_tools

    def backend_scheme(self, scheme: str) -> BackendScheme:
        try:
            return self.backend_schemes[scheme]
        except KeyError:
            raise PluginError(
                f"unknown storage scheme {scheme!r}; installed: "
                f"{', '.join(sorted(self.backend_schemes)) or 'none'} "
                "(sqlite comes from soe-backends-sql, postgresql from soe-contrib-postgres)"
            ) from None

    def caller(self, name: str) -> CallerType:
        try:
            return self.callers[name]
        except KeyError:
            raise PluginError(
                f"unknown caller {name!r}; installed: {', '.join(sorted(self.callers)) or 'none'} "
                "(sync and concurrent come from soe-callers, celery from soe-celery)"
            ) from None

    def llm_provider(self, name: str) -> LlmProvider:
        try:
            return self.llm_providers[name]
        except KeyError:
            raise PluginError(
                f"unknown LLM provider {name!r}; installed: "
                f"{', '.join(sorted(self.llm_providers)) or 'none'} "
                "(fake comes from soe-nodes-llm, openai from soe-contrib-openai)"
            ) from None

    def tool_pack(self, name: str) -> ToolPack:
        try:
            return self.tool_packs[name]
        except KeyError:
            raise PluginError(
                f"unknown tool pack {name!r}; installed: "
                f"{', '.join(sorted(self.tool_packs)) or 'none'}"
            ) from None


def _local_info(plugin_name: str) -> PluginInfo:
    return PluginInfo(name=plugin_name, label="<registered in process>")


def _describe_pack(pack: ToolPack, owners: dict) -> str:
    info = owners.get(("soe_tools", pack.name))
    dist = info.distribution if info else "?"
    return f"pack {pack.name!r} ({dist})"


# -- building -------------------------------------------------------------


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _disabled_names() -> set[str]:
    raw = os.environ.get("SOE_DISABLE_PLUGINS", "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("soe")
    manager.add_hookspecs(hookspecs)
    return manager


def load_plugins(
    *,
    strict: bool | None = None,
    disabled: Iterable[str] | None = None,
    extra_plugins: Iterable[Any] = (),
    entry_points: bool = True,
) -> PluginRegistry:
    """Build a plugin registry from the ``soe`` entry points.

    A plugin that fails to import is reported once and skipped; with
    ``strict`` (default: ``SOE_STRICT_PLUGINS=1``) it raises ``PluginError``.
    ``disabled`` (default: ``SOE_DISABLE_PLUGINS=a,b``) blocks plugins by
    entry point name. ``extra_plugins`` are registered after the entry points
    (tests use this to add a plugin for one test).
    """
    strict = _flag("SOE_STRICT_PLUGINS") if strict is None else strict
    blocked = _disabled_names() if disabled is None else set(disabled)
    manager = new_manager()
    infos: list[PluginInfo] = []
    if entry_points:
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            info = PluginInfo(name=ep.name, source=getattr(ep, "dist", None))
            infos.append(info)
            if ep.name in blocked:
                info.status = "disabled"
                manager.set_blocked(ep.name)
                continue
            try:
                plugin = ep.load()
                manager.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin must not break the others
                info.status, info.error = "broken", f"{type(exc).__name__}: {exc}"
                message = (
                    f"SOE plugin {ep.name!r} from {info.distribution} {info.version} "
                    f"could not be loaded: {info.error}"
                )
                if strict:
                    raise PluginError(message) from exc
                warnings.warn(message, RuntimeWarning, stacklevel=2)
                log.warning(message)
                continue
            info.hooks = sorted(caller.name for caller in manager.get_hookcallers(plugin) or ())
    for plugin in extra_plugins:
        name = manager.register(plugin)
        info = _local_info(name)
        info.hooks = sorted(c.name for c in manager.get_hookcallers(plugin) or ())
        infos.append(info)
    manager.check_pending()
    return PluginRegistry(manager, infos)


_registry: PluginRegistry | None = None
_registry_lock = threading.Lock()


def get_registry() -> PluginRegistry:
    """The process-wide registry, loaded on first use."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = load_plugins()
    return _registry


def set_registry(registry: PluginRegistry | None) -> None:
    """Replace (or with ``None``, forget) the process-wide registry."""
    global _registry
    _registry = registry


@contextlib.contextmanager
def using_registry(registry: PluginRegistry) -> Iterator[PluginRegistry]:
    """Use ``registry`` for the duration of a ``with`` block."""
    global _registry
    previous = _registry
    _registry = registry
    try:
        yield registry
    finally:
        _registry = previous
