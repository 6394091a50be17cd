"""One agent run: router, parameter and response stages in a bounded loop (AGENT-5..14).

Each iteration re-reads the context and re-renders the task, so changes
made by tools are visible to the next stage (WEAK-13). The loop ends when
the router answers ``finish`` (then the response stage produces the
output), when the tool-error budget is spent (AGENT-12: ``max_tool_errors``,
default ``retries``; only unknown tools and failed tool calls count), or
when ``max_iterations`` router turns have passed (default 50) -- the
reference had no such cap (WEAK-1). Every failure raises; the node turns
it into ``llm_failure_signal`` or ``RuntimeError`` (AGENT-13, AGENT-14).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soe_core import EventTypes, dispatch
from soe_core.concurrent import waiting
from soe_core.outputs import save_output_to_context
from soe_core.store import contexts
from soe_core.telemetry import register_event
from soe_core.templating import ContextView, render_prompt

from .agent_prompts import router_instructions
from .agent_tools import AgentTool, ToolSet, arguments_model, call_arguments, describe_all
from .config import max_iterations_of, retries_of, tool_error_budget_of
from .envelope import ParameterInput, ResponseStageInput, RouterInput, context_json
from .history import Conversation, render_agent_history
from .outcome import signal_options, signals_to_emit
from .resolution import Request, Resolver
from .responses import RouterResponse, build_response_model, extract_output, extract_signals
from .schema import schema_for_output

PREVIEW = 1000


class AgentLimitError(Exception):
    """The agent spent its tool-error budget or its iteration cap."""


@dataclass
class _Task:
    description: str
    context: str


class AgentRun:
    def __init__(
        self,
        backends: Any,
        resolver: Resolver,
        execution_id: str,
        main_id: str,
        config: dict,
        tools: ToolSet,
        conversation: Conversation,
    ):
        self.backends = backends
        self.resolver = resolver
        self.execution_id = execution_id
        self.main_id = main_id
        self.config = config
        self.tools = tools
        self.conversation = conversation
        self.node_name = config.get("name")
        self.retries = retries_of(config)
        self.available = describe_all(tools)
        self.run_entries: list[dict] = []
        self.last_error: str | None = None

    # -- the loop ---------------------------------------------------------

    def run(self) -> list[str]:
        """Return the signals to emit; raise when the agent gives up."""
        budget = tool_error_budget_of(self.config)
        cap = max_iterations_of(self.config)
        errors = iterations = 0
        while errors < budget:
            if iterations >= cap:
                raise AgentLimitError(
                    f"Agent execution exceeded max iterations ({cap})." + self._last_error()
                )
            iterations += 1
            task = self._task()
            decision = self._route(task)
            if decision.action == "finish":
                return self._finish(task)
            tool = self.tools.find(decision.tool_name)
            if tool is None:
                self._not_found(decision.tool_name)
                errors += 1
            elif not self._call(tool, task):
                errors += 1
        raise AgentLimitError(
            f"Agent execution exceeded max retries ({budget})." + self._last_error()
        )

    def _last_error(self) -> str:
        return f" Last error: {self.last_error}" if self.last_error else ""

    def _task(self) -> _Task:
        view = ContextView.of(contexts(self.backends).read(self.execution_id))
        template = self.config["prompt"]
        description, _warnings = render_prompt(template, view)
        return _Task(description, context_json(template, view, empty="{}"))

    def _history(self) -> str:
        return render_agent_history(self.conversation.entries)

    def _request(self, record, model) -> Request:
        return Request(record, model, history=list(self.conversation.entries))

    def _record(self, entry: dict) -> None:
        self.conversation.append(entry)
        self.run_entries.append(entry)
        if entry["role"] in ("tool_error", "system_error"):
            self.last_error = entry["content"]

    # -- stages -----------------------------------------------------------

    def _route(self, task: _Task) -> RouterResponse:
        last = self.run_entries[-1] if self.run_entries else None
        record = RouterInput(
            instructions=router_instructions(last),
            task_description=task.description,
            context=task.context,
            available_tools=self.available,
            conversation_history=self._history(),
        )
        return self.resolver.resolve(self._request(record, RouterResponse), self.retries)

    def _not_found(self, name: Any) -> None:
        register_event(
            self.backends,
            self.execution_id,
            EventTypes.AGENT_TOOL_NOT_FOUND,
            {"node_name": self.node_name, "tool_name": name, "available_tools": self.tools.names()},
        )
        message = f"Tool '{name}' not found or not available."
        self._record({"role": "system_error", "content": message})

    def _call(self, tool: AgentTool, task: _Task) -> bool:
        """Parameter stage, then the call; True on success."""
        try:
            model = arguments_model(tool)
            record = ParameterInput(
                task_description=task.description,
                context=task.context,
                tool_name=tool.name,
                conversation_history=self._history(),
            )
            args = call_arguments(self.resolver.resolve(self._request(record, model), self.retries))
        except Exception as exc:
            self._tool_error(tool, exc)
            return False
        register_event(
            self.backends,
            self.execution_id,
            EventTypes.AGENT_TOOL_CALL,
            {"node_name": self.node_name, "tool_name": tool.name, "tool_args": args},
        )
        for attempt in range(tool.max_retries + 1):
            try:
                # broadcasts made by the tool finish inside it; other nodes
                # of a threads run go on while it works
                with dispatch.isolated(), waiting():
                    result = tool.function(**args)
                break
            except Exception as exc:
                if attempt >= tool.max_retries:
                    self._tool_error(tool, exc)
                    return False
        text = str(result)
        register_event(
            self.backends,
            self.execution_id,
            EventTypes.AGENT_TOOL_RESULT,
            {
                "node_name": self.node_name,
                "tool_name": tool.name,
                "result_preview": text[:PREVIEW] + ("..." if len(text) > PREVIEW else ""),
                "result_length": len(text),
            },
        )
        self._record({"role": "tool", "tool_name": tool.name, "content": self._capped(text)})
        return True

    def _capped(self, text: str) -> str:
        """A tool result as it enters the history: cut at ``max_tool_result_chars`` (WEAK-28)."""
        cap = self.config.get("max_tool_result_chars")
        if not cap or len(text) <= cap:
            return text
        return f"{text[:cap]}\n... [truncated: {len(text) - cap} more characters]"

    def _tool_error(self, tool: AgentTool, exc: BaseException) -> None:
        self._record({
            "role": "tool_error",
            "tool_name": tool.name,
            "content": f"Error executing {tool.name}: {exc}",
        })

    def _finish(self, task: _Task) -> list[str]:
        output_field = self.config.get("output_field")
        emissions = self.config.get("event_emissions")
        root = schema_for_output(self.backends, self.execution_id, self.main_id, output_field)
        options = signal_options(emissions)
        model = build_response_model(output_field, root, options)
        record = ResponseStageInput(
            task_description=task.description,
            context=task.context,
            conversation_history=self._history(),
        )
        validated = self.resolver.resolve(self._request(record, model), self.retries)
        value = extract_output(validated, output_field)
        save_output_to_context(self.backends, self.execution_id, output_field, value)
        return signals_to_emit(
            self.backends,
            self.execution_id,
            emissions,
            options,
            extract_signals(validated),
            self.node_name,
        )
