"""The router stage's ``instructions`` (AGENT-8).

The block depends on the last entry of the current agent run (WEAK-14: the
reference looked at the last stored entry, which could come from another
node and start a fresh agent with ``TOOL RESPONSE RECEIVED:``). Headings
are the reference's, exactly.
"""

from __future__ import annotations

FIRST_LINE = "Decide the next action: 'call_tool' to use one of the available tools, or 'finish'."

INITIAL = (
    "INITIAL EXECUTION:\n"
    "Analyse the task and the context. Call a tool only if it is necessary to complete "
    "the task, and finish as soon as you have enough information. Be selective."
)
AFTER_TOOL = (
    "TOOL RESPONSE RECEIVED:\n"
    "Review the tool results in the conversation history. Call another tool if more "
    "information is needed, or finish. Do not call again a tool that already succeeded "
    "with the same parameters."
)
AFTER_TOOL_ERROR = (
    "TOOL ERROR OCCURRED:\n"
    "Read the error in the conversation history. Fix the parameters or try another tool; "
    "finish if the task can be completed without it."
)
AFTER_SYSTEM_ERROR = (
    "RETRY NEEDED:\n"
    "The previous choice could not be carried out. Tool names must match one of the "
    "available tools exactly. Finish if no tool is needed."
)

_BLOCKS = {"tool": AFTER_TOOL, "tool_error": AFTER_TOOL_ERROR, "system_error": AFTER_SYSTEM_ERROR}


def router_instructions(last_entry: dict | None) -> str:
    role = last_entry.get("role") if isinstance(last_entry, dict) else None
    return f"{FIRST_LINE}\n\n{_BLOCKS.get(role, INITIAL)}"
