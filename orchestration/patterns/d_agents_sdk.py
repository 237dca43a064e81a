"""Pattern D — an Agents SDK agent: the SDK's runner reasons and acts; your code starts it.

1. The agent is defined once: instructions and the two typed tools as function tools. The SDK
   derives their schemas from the same functions every pattern uses.
2. Per user message, your code starts a run with `Runner.run`, passing the session (the SDK's own
   memory of the conversation) and the run context (calendar and user), which the SDK gives to the
   tools and never sends to the model.
3. The runner loops by itself: it calls the model, executes the tools the model picks, feeds the
   results back, and stops when the model answers — or after `max_turns` model calls.
4. Your code returns the final output.
"""

from __future__ import annotations

import asyncio

from agents import Agent, MaxTurnsExceeded, RunContextWrapper, Runner, function_tool

from ..observe import decided
from ..observe.sdk_trace import AgentRole, Roles
from ..tools import BookingContext, book, check_availability
from .base import ASSISTANT_RULES, Conversation, Deps, today_line
from .memory import BudgetedSession

INSTRUCTIONS = "You help members of a tennis club book courts A, B, C and D. {today}\n{rules}"


def instructions(ctx: RunContextWrapper[BookingContext], agent: Agent[BookingContext]) -> str:
    """The agent's instructions, with today's date from the run context's calendar."""
    return INSTRUCTIONS.format(today=today_line(ctx.context.calendar.clock.today()), rules=ASSISTANT_RULES)


# 1. The agent: instructions and tools. The model is attached per conversation (keys are per session).
booking_agent = Agent[BookingContext](
    name="Booking assistant",
    instructions=instructions,
    tools=[function_tool(check_availability), function_tool(book)],
)


class AgentsSdk(Conversation):
    """Pattern D. State: the SDK's session. Loop: the SDK's runner."""

    letter = "D"
    hands_over_to = "runtime"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.session = BudgetedSession(self.id)
        self.roles = Roles(agents={booking_agent.name: AgentRole(deps.clients.actor("openai"), "llm")})

    def respond(self, text: str) -> str:
        agent = booking_agent.clone(model=self.deps.clients.agents_model())
        # 2. Your code hands the message over, with the session and the run context.
        decided("Runner.run: hand the message to the agent", agent=agent.name, max_turns=self.deps.max_steps)
        try:
            # 3. The runner's own loop: model, tools, model, ... until a final answer.
            result = asyncio.run(Runner.run(agent, text, context=self.booking, session=self.session,
                                            max_turns=self.deps.max_steps))
        except MaxTurnsExceeded:
            return self.stopped("The agent")
        # 4. The final output is the reply.
        return str(result.final_output)
