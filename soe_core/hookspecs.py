"""Every extension point of SOE, in one place.

Plugins implement these hooks with ``@soe_core.hookimpl`` and register in the
``soe`` entry point group. All hooks are "collect" hooks: the kernel calls
every implementation and gathers the returned lists. Names must be unique
across plugins; a clash is an error naming both distributions.

Implementations may accept fewer arguments than a spec lists, so specs can
gain arguments without breaking plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .registrations import (
        BackendScheme,
        CallerType,
        EventObserver,
        LlmProvider,
        NodeType,
        ToolPack,
    )

hookspec = pluggy.HookspecMarker("soe")


# -- node types -----------------------------------------------------------


@hookspec
def soe_node_types() -> list[NodeType]:
    """Return the node types this plugin provides.

    Called once when the plugin registry is loaded. Each ``NodeType`` carries
    its name (the ``node_type:`` value in YAML), a ``validate`` function used
    by static validation, and a ``build`` function that ``create_all_nodes``
    calls with a :class:`~soe_core.wiring.NodeWiring` to get the executor.
    """


# -- storage ---------------------------------------------------------------


@hookspec
def soe_backends() -> list[BackendScheme]:
    """Return the storage URL schemes this plugin provides.

    Called once at load. ``open_backends(url)`` picks the registration whose
    ``scheme`` equals the URL's scheme (the part before ``:``) and calls its
    ``open(url, **options)``, which returns a backends container exposing
    ``context``, ``workflow``, ``telemetry``, ``conversation_history``,
    ``context_schema`` and ``identity``.
    """


# -- signal transport -----------------------------------------------------


@hookspec
def soe_callers() -> list[CallerType]:
    """Return the signal transports (callers) this plugin provides.

    Called once at load. ``create_all_nodes(..., caller=NAME)`` calls the
    registration's ``build(nodes, backends, **options)`` and uses the returned
    ``broadcast_signals_caller(execution_id, signals)`` for every emission.
    The kernel's default is the caller named ``sync``. A caller that runs
    jobs in worker processes also sets ``serve``, which ``soe worker --caller
    NAME`` calls to run a worker.
    """


# -- language models ------------------------------------------------------


@hookspec
def soe_llm_providers() -> list[LlmProvider]:
    """Return the LLM providers this plugin provides.

    Called once at load. ``get_llm("NAME:MODEL", **options)`` calls the
    provider's ``build(model, **options)``, which returns a ``call_llm``
    callable (``call_llm(prompt, config) -> str``). A provider can log events
    (token usage, latency) on the execution it serves with
    ``soe_core.telemetry.register_scoped_event``.
    """


# -- tools ----------------------------------------------------------------


@hookspec
def soe_tools() -> list[ToolPack]:
    """Return the tool packs this plugin provides.

    Called once at load. Tools of packs marked ``builtin`` resolve in every
    tool node and agent after the user's registry; other packs are added to
    a registry by name (``tools_registry_from_packs``). Tool names must be
    unique across packs.
    """


# -- observation ----------------------------------------------------------


@hookspec
def soe_event_observers() -> list[EventObserver]:
    """Return callables notified of every telemetry event.

    Called once at load. Each observer is called as
    ``observer(execution_id, event_type, data)`` after the event is stored;
    an observer that raises is reported and does not stop the workflow.
    """
