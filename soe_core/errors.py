"""Exceptions raised by the kernel.

The class names and bases follow the original SOE (CORE-2) so existing
``except`` clauses keep working; the extra classes below subclass them.
"""

from __future__ import annotations


class SoeError(Exception):
    """Base class of every error the engine raises on purpose."""


class WorkflowValidationError(SoeError):
    """A static problem: bad config, bad parameters, unknown names."""


class OperationalValidationError(SoeError):
    """A runtime state problem: missing context, broken counters, limits."""


class LimitExceededError(OperationalValidationError):
    """A configured limit (node executions, child depth, ...) was reached."""


class ToolNodeConfigurationError(WorkflowValidationError):
    """A tool node is configured in a way that cannot run (TOOL-22)."""


class ToolParameterError(Exception):
    """Arguments for a tool could not be prepared (TOOL-22).

    Raised before a tool call; the tool node treats it as a failed attempt.
    """


class InheritanceError(SoeError, ValueError):
    """Config or context could not be inherited (CORE-77); still a ValueError."""


class YamlSyntaxError(SoeError, ValueError):
    """A YAML document could not be parsed (CORE-9); still a ValueError."""


class UnsafeIdentifierError(SoeError, ValueError):
    """An id would escape a storage folder or is otherwise unusable (CORE-92)."""


class NodeTypeNotWiredError(WorkflowValidationError, KeyError):
    """A node type is triggered but no executor was built for it.

    Also a ``KeyError`` so code written against the original, which saw a bare
    ``KeyError`` here (CORE-27), still catches it.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PluginError(SoeError):
    """A plugin could not be loaded or clashes with another plugin."""


def attach_execution_id(exc: BaseException, execution_id: str) -> None:
    """Record the execution an exception escaped from (CORE-27).

    The class is unchanged; the innermost execution wins when set twice.
    """
    if getattr(exc, "execution_id", None) is None:
        try:
            exc.execution_id = execution_id  # type: ignore[attr-defined]
        except (AttributeError, TypeError):  # exceptions with __slots__
            pass


class ResumeError(SoeError):
    """An execution cannot be resumed (no journal, unknown id, changed workflow)."""


class PruneError(SoeError):
    """Executions cannot be pruned with these backends or arguments."""
