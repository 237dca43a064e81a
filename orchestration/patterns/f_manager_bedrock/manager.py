"""Pattern F — an OpenAI manager delegating to Bedrock sub-agents.

1. The manager is an Agents SDK agent (OpenAI) with the article's instructions. It never touches the
   calendar; its two tools delegate to specialists.
2. Each specialist is a Bedrock agent with its own action group: the availability agent can only
   check, the booking agent can only book (definitions beside this file).
3. Each tool is your code: it calls `invoke_agent` (as Pattern B does) with the manager's task, the
   signed-in user as a session attribute and the sub-agent's own session, and returns its answer.
4. The manager reads the specialists' answers and decides what to ask next or tell the user; the
   SDK session carries its conversation across turns.
"""

from __future__ import annotations

from agents import Agent, RunContextWrapper, function_tool

from ..b_bedrock_agent import ask_agent
from ..base import ASSISTANT_RULES, Deps, today_line
from ..bedrock_agents import AgentDefinition, agent_ids
from ..manager import ManagerContext, ManagerConversation, specialist_answer
from .availability_agent import AVAILABILITY_AGENT
from .booking_agent import BOOKING_AGENT

INSTRUCTIONS = """You manage a tennis club's booking desk (courts A, B, C and D). {today}
You route user requests to the right specialist:
- checking availability → the availability agent
- making a reservation → the booking agent
For a complete booking flow, first ask the availability agent for open slots, then ask the booking agent to
reserve the chosen slot. Synthesize their answers before replying to the user.
{rules}"""


# 1. The manager's only tools: two delegations.
@function_tool
def ask_availability_agent(ctx: RunContextWrapper[ManagerContext], task: str) -> str:
    """Ask the availability specialist (a Bedrock agent) which courts are free.

    Args:
        task: What to check, in plain words: the day as YYYY-MM-DD and, if known, the time as HH:MM.
    """
    return _ask(ctx.context, AVAILABILITY_AGENT, task)


@function_tool
def ask_booking_agent(ctx: RunContextWrapper[ManagerContext], task: str) -> str:
    """Ask the booking specialist (a Bedrock agent) to book one slot.

    Args:
        task: What to book, in plain words: the court, the day as YYYY-MM-DD and the time as HH:MM, or the slot id.
    """
    return _ask(ctx.context, BOOKING_AGENT, task)


def _ask(ctx: ManagerContext, agent: AgentDefinition, task: str) -> str:
    # 2. and 3. The specialist: a Bedrock agent, in a session of its own, for the signed-in user.
    return specialist_answer(ask_agent(ctx.deps, ctx.agent_ids[agent.name],
                                       f"{ctx.session_id}-{agent.name}", task, "F"))


def _instructions(ctx: RunContextWrapper[ManagerContext], agent: Agent[ManagerContext]) -> str:
    return INSTRUCTIONS.format(today=today_line(ctx.context.booking.calendar.clock.today()), rules=ASSISTANT_RULES)


manager = Agent[ManagerContext](name="Manager", instructions=_instructions,
                                tools=[ask_availability_agent, ask_booking_agent])


# 4. The conversation: the manager decides whom to ask and what to tell the user.
class ManagerBedrock(ManagerConversation):
    """Pattern F. The manager routes; Bedrock agents act."""

    letter = "F"
    manager = manager
    delegates = {"ask_availability_agent": "sub-agent:availability (Bedrock Agent)",
                 "ask_booking_agent": "sub-agent:booking (Bedrock Agent)"}

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        # 2. The specialists, deployed (offline) or looked up (AWS) once for the conversation.
        self.agent_ids = {agent.name: agent_ids(deps, agent) for agent in (AVAILABILITY_AGENT, BOOKING_AGENT)}

    def context(self) -> ManagerContext:
        return ManagerContext(booking=self.booking, deps=self.deps, session_id=self.id, agent_ids=self.agent_ids)
