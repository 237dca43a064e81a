"""What Patterns F and G share: a conversation with a manager agent whose tools delegate to specialists.

The manager is an Agents SDK agent, defined at module level by each pattern with its instructions
and its two delegation tools. It never touches the calendar. Each tool hands a plain-language task
to a specialist — a Bedrock agent (F) or a Lambda-wrapped agent (G) — and returns its answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agents import Agent, MaxTurnsExceeded, Runner

from ..observe import decided
from ..observe.sdk_trace import AgentRole, Roles
from ..tools import BookingContext
from .base import Conversation, Deps
from .memory import BudgetedSession


@dataclass(frozen=True)
class ManagerContext:
    """What the manager's tools need. The SDK passes it to them; the model never sees it."""

    booking: BookingContext
    """Calendar and the signed-in user."""
    deps: Deps
    """The conversation's dependencies (clients and Lambdas for the specialists)."""
    session_id: str = ""
    """This conversation's id, for the specialists' own sessions."""
    agent_ids: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Bedrock agent name -> (agentId, agentAliasId), resolved once per conversation (Pattern F)."""


class ManagerConversation(Conversation):
    """A conversation with the manager. State: the SDK session. Decisions: the manager's."""

    manager: ClassVar[Agent[ManagerContext]]
    """The manager agent."""
    delegates: ClassVar[dict[str, str]]
    """Delegation tool -> the specialist it hands tasks to, as the trace names it."""
    hands_over_to = "manager"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.session = BudgetedSession(self.id)
        self.roles = Roles(agents={self.manager.name: AgentRole("manager", "manager")}, delegates=self.delegates)

    def context(self) -> ManagerContext:
        """The manager's run context for this conversation."""
        return ManagerContext(booking=self.booking, deps=self.deps, session_id=self.id)

    def respond(self, text: str) -> str:
        manager = self.manager.clone(model=self.deps.clients.agents_model())
        decided("Runner.run: hand the message to the manager")
        try:
            result = asyncio.run(Runner.run(manager, text, context=self.context(), session=self.session,
                                            max_turns=self.deps.max_steps))
        except MaxTurnsExceeded:
            return self.stopped("The manager")
        return str(result.final_output)


def specialist_answer(result: Any) -> str:
    """A specialist's answer as the manager reads it: its text, or a clear note that it gave none."""
    return result if isinstance(result, str) and result.strip() else "The specialist gave no answer."
