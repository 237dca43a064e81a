"""The manager agent Patterns F and G share: an Agents SDK agent whose tools delegate to specialists.

The manager never touches the calendar. Its two tools hand a plain-language task to a specialist —
a Bedrock agent (F) or a Lambda-wrapped agent (G) — and return the specialist's answer. The
delegation itself is your code: it records the manager's choice, binds the signed-in user, and
nests the specialist's own steps under it in the trace.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agents import Agent, MaxTurnsExceeded, RunContextWrapper, Runner, SQLiteSession, Tool

from ..lambdas import LambdaRuntime
from ..sdk_trace import AgentRole, Roles, traced_run
from ..tools import BookingContext
from ..trace import Trace
from .base import ASSISTANT_RULES, Conversation, Deps, today_line


@dataclass(frozen=True)
class ManagerContext:
    """What the manager's tools need. The SDK passes it to them; the model never sees it."""

    booking: BookingContext
    """Calendar and the signed-in user."""
    trace: Trace
    """Where delegations and the specialists' steps go."""
    deps: Deps
    """The conversation's dependencies (clients for the specialists)."""
    lambdas: LambdaRuntime | None = None
    """How Lambdas are invoked (Pattern G)."""
    session_id: str = ""
    """This conversation's id, for the specialists' own sessions."""
    agent_ids: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Bedrock agent name -> (agentId, agentAliasId), resolved once per conversation (Pattern F)."""


def manager_instructions(ctx: RunContextWrapper[ManagerContext], agent: Agent[ManagerContext]) -> str:
    today = ctx.context.booking.calendar.clock.today()
    return (f"You manage a tennis club's booking desk (courts A, B, C and D). {today_line(today)}\n"
            "You cannot see the calendar yourself. Route each need to the right specialist:\n"
            "- checking availability → the availability specialist\n"
            "- making a reservation → the booking specialist\n"
            "For a complete booking, first ask the availability specialist for open slots, then ask the "
            "booking specialist to reserve the chosen slot by its slot id. Synthesize their answers for the user.\n"
            f"{ASSISTANT_RULES}")


def delegate(ctx: ManagerContext, target: str, tool: str, task: str) -> int:
    """Record the manager's delegation; returns its step, under which the specialist's steps nest."""
    return ctx.trace.emit("manager", target, "delegate", "manager", f"{tool}: {task}", {"tool": tool, "task": task}).step


class ManagerConversation(Conversation):
    """A conversation with the manager. State: the SDK session. Decisions: the manager's."""

    tools: ClassVar[list[Tool]]
    """The manager's delegation tools."""
    workflow: ClassVar[str]
    """Name of the SDK trace."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.session = SQLiteSession(f"pattern-{self.letter.lower()}-{uuid.uuid4().hex[:12]}")
        self.roles = Roles(agents={"Manager": AgentRole("manager", "manager")},
                           self_reporting=frozenset(tool.name for tool in self.tools))

    def context(self) -> ManagerContext:
        """The manager's run context for this conversation."""
        return ManagerContext(booking=self.booking, trace=self.trace, deps=self.deps,
                              session_id=self.session.session_id)

    def respond(self, text: str) -> str:
        return asyncio.run(self._run(text))

    async def _run(self, text: str) -> str:
        manager = Agent[ManagerContext](name="Manager", instructions=manager_instructions, tools=self.tools,
                                        model=self.deps.clients.agents_model())
        with traced_run(self.trace, self.workflow, self.roles, group_id=self.session.session_id):
            self.trace.emit("code", "manager", "decide", "code", "Runner.run: hand the message to the manager")
            try:
                result = await Runner.run(manager, text, context=self.context(), session=self.session,
                                          max_turns=self.deps.max_steps)
            except MaxTurnsExceeded:
                return (f"The manager stopped after {self.deps.max_steps} model calls without finishing; "
                        "nothing more was booked. Please try again or rephrase.")
        return str(result.final_output)


def specialist_answer(result: Any) -> str:
    """A specialist's answer as the manager reads it: its text, or a clear note that it failed."""
    return result if isinstance(result, str) and result.strip() else "The specialist gave no answer."
