"""Which built-ins may run, and how far they may reach.

The operator sets the policy with environment variables (looked up on every
call) or in code with :func:`set_policy` / :func:`using_policy`:

``SOE_BUILTINS_ALLOW``
    Comma-separated names or shell patterns (``soe_get_*``). When set, only
    matching built-ins run. Unset: all run (the original's behaviour).
``SOE_BUILTINS_DENY``
    Comma-separated names or patterns that never run; wins over ``ALLOW``.
``SOE_BUILTINS_CROSS_EXECUTION``
    ``1`` lets ``soe_copy_context`` and ``soe_list_contexts`` reach
    executions outside the calling execution's tree (same
    ``main_execution_id``). Off by default.
``SOE_BUILTINS_INJECT_NODE_TYPES``
    Comma-separated node types that ``soe_inject_workflow`` and
    ``soe_inject_node`` may add. Unset: any installed type.

A pattern that matches no built-in is a configuration error (a typo in a deny
list must not silently allow everything): every built-in call then fails
with :class:`BuiltinPolicyError` until it is fixed.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .names import BUILTIN_NAMES

ENV_ALLOW = "SOE_BUILTINS_ALLOW"
ENV_DENY = "SOE_BUILTINS_DENY"
ENV_CROSS_EXECUTION = "SOE_BUILTINS_CROSS_EXECUTION"
ENV_INJECT_NODE_TYPES = "SOE_BUILTINS_INJECT_NODE_TYPES"


class BuiltinPermissionError(PermissionError):
    """A built-in refused a call: denied by policy, another execution tree,
    a reserved (``__``) field, or a node type that may not be injected.

    Raised from the tool, so a tool node treats it as a failed attempt and an
    agent gets it back as a tool error.
    """


class BuiltinPolicyError(ValueError):
    """The policy itself is malformed (for example a pattern matching no built-in)."""


def _patterns(values: Iterable[str] | str | None) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = values.split(",")
    return frozenset(v.strip() for v in values if v and v.strip())


@dataclass(frozen=True)
class BuiltinPolicy:
    """``allow`` (None = all), ``deny``, cross-execution access, injectable node types."""

    allow: frozenset[str] | None = None
    deny: frozenset[str] = frozenset()
    cross_execution: bool = False
    inject_node_types: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "allow", _patterns(self.allow))
        object.__setattr__(self, "deny", _patterns(self.deny) or frozenset())
        object.__setattr__(self, "inject_node_types", _patterns(self.inject_node_types))
        for label, patterns in (("allow", self.allow), ("deny", self.deny)):
            for pattern in patterns or ():
                if pattern in ("*", "all"):
                    continue
                if not any(fnmatch.fnmatchcase(name, pattern) for name in BUILTIN_NAMES):
                    raise BuiltinPolicyError(
                        f"built-in policy: {label} pattern {pattern!r} matches no built-in tool "
                        f"(known: {', '.join(BUILTIN_NAMES)})"
                    )

    @staticmethod
    def _matches(name: str, patterns: frozenset[str]) -> bool:
        return any(p in ("*", "all") or fnmatch.fnmatchcase(name, p) for p in patterns)

    def allows(self, name: str) -> bool:
        if self._matches(name, self.deny):
            return False
        return self.allow is None or self._matches(name, self.allow)

    def check(self, name: str) -> None:
        """Raise :class:`BuiltinPermissionError` unless ``name`` may run."""
        if not self.allows(name):
            raise BuiltinPermissionError(
                f"built-in tool '{name}' is disabled by the operator's policy "
                f"({ENV_ALLOW}/{ENV_DENY})"
            )

    def check_node_type(self, node_type: object, where: str) -> None:
        if self.inject_node_types is None or node_type in self.inject_node_types:
            return
        raise BuiltinPermissionError(
            f"{where}: node_type {node_type!r} may not be injected; allowed: "
            f"{', '.join(sorted(self.inject_node_types)) or 'none'} ({ENV_INJECT_NODE_TYPES})"
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BuiltinPolicy:
        env = os.environ if environ is None else environ
        allow = env.get(ENV_ALLOW)
        types = env.get(ENV_INJECT_NODE_TYPES)
        return cls(
            allow=allow if allow is not None and allow.strip() else None,
            deny=env.get(ENV_DENY, ""),
            cross_execution=env.get(ENV_CROSS_EXECUTION, "").strip().lower()
            in {"1", "true", "yes", "on"},
            inject_node_types=types if types is not None and types.strip() else None,
        )


_override: BuiltinPolicy | None = None
_lock = threading.Lock()
_env_cache: tuple[tuple, BuiltinPolicy] | None = None


def current_policy() -> BuiltinPolicy:
    """The policy set in code, else the one the environment describes."""
    global _env_cache
    if _override is not None:
        return _override
    key = tuple(
        os.environ.get(name)
        for name in (ENV_ALLOW, ENV_DENY, ENV_CROSS_EXECUTION, ENV_INJECT_NODE_TYPES)
    )
    cached = _env_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    policy = BuiltinPolicy.from_env()
    _env_cache = (key, policy)
    return policy


def set_policy(policy: BuiltinPolicy | None) -> None:
    """Use ``policy`` for every built-in call from now on; ``None`` returns to the environment."""
    global _override
    with _lock:
        _override = policy


@contextlib.contextmanager
def using_policy(policy: BuiltinPolicy) -> Iterator[BuiltinPolicy]:
    """Use ``policy`` for the duration of a ``with`` block."""
    global _override
    with _lock:
        previous, _override = _override, policy
    try:
        yield policy
    finally:
        with _lock:
            _override = previous


__all__ = [
    "ENV_ALLOW",
    "ENV_CROSS_EXECUTION",
    "ENV_DENY",
    "ENV_INJECT_NODE_TYPES",
    "BuiltinPermissionError",
    "BuiltinPolicy",
    "BuiltinPolicyError",
    "current_policy",
    "set_policy",
    "using_policy",
]
