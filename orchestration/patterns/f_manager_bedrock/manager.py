"""Pattern F — an OpenAI manager delegating to Bedrock sub-agents.

1. The manager is an Agents SDK agent (OpenAI). It never touches the calendar; its two tools
   delegate to specialists.
2. Each specialist is a Bedrock agent with its own action group: the availability agent can only
   check, the booking agent can only book (definitions beside this file).
3. Each delegation is your code: it records the manager's choice, calls `invoke_agent` with the
   manager's task, the signed-in user as a session attribute and the sub-agent's own session, and
   nests the sub-agent's trace — its rationale, its actions, its answer — under the delegation.
4. The manager reads the specialists' answers and decides what to ask next or tell the user; the
   SDK session carries its conversation across turns.
"""

from __future__ import annotations

from dataclasses import replace

from agents import RunContextWrapper, function_tool

from ..base import Deps
from ..bedrock_agents import AgentDefinition, AgentView, agent_ids, invoke
from ..manager import ManagerContext, ManagerConversation, delegate, specialist_answer
from .availability_agent import AVAILABILITY_AGENT
from .booking_agent import BOOKING_AGENT


# 1. The manager's only tools: two delegations.
@function_tool
def ask_availability_agent(ctx: RunContextWrapper[ManagerContext], task: str) -> str:
    """Ask the availability specialist (a Bedrock agent) which courts are free.

    Args:
        task: What to check, in plain words, e.g. "Check which courts are free on 2025-12-04 at 15:00."
    """
    # 2. The specialist: a Bedrock agent whose action group can only check (availability_agent.py).
    return _delegate(ctx.context, AVAILABILITY_AGENT, "availability", "ask_availability_agent", task)


@function_tool
def ask_booking_agent(ctx: RunContextWrapper[ManagerContext], task: str) -> str:
    """Ask the booking specialist (a Bedrock agent) to book one slot.

    Args:
        task: What to book, in plain words, with the slot id, e.g. "Book court A on 2025-12-04 at 15:00 (slot A-2025-12-04-1500)."
    """
    # 2. The specialist: a Bedrock agent whose action group can only book (booking_agent.py).
    return _delegate(ctx.context, BOOKING_AGENT, "booking", "ask_booking_agent", task)


def _delegate(ctx: ManagerContext, agent: AgentDefinition, role: str, tool: str, task: str) -> str:
    # 3. The manager chose; your code invokes the sub-agent and nests its steps.
    actor = f"sub-agent:{role} (Bedrock Agent)"
    step = delegate(ctx, actor, tool, task)
    view = AgentView(runtime=actor, model=actor, decided_by="sub-agent", reply_to="manager", detailed=False)
    answer = invoke(ctx.deps, ctx.agent_ids[agent.name], f"{ctx.session_id}-{role}", task, "F", view, parent=step)
    return specialist_answer(answer)


# 4. The conversation: the manager decides whom to ask and what to tell the user.
class ManagerBedrock(ManagerConversation):
    """Pattern F. The manager routes; Bedrock agents act."""

    letter = "F"
    workflow = "Pattern F · OpenAI manager → Bedrock sub-agents"
    tools = [ask_availability_agent, ask_booking_agent]

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        # 2. The specialists, deployed (offline) or looked up (AWS) once for the conversation.
        self.agent_ids = {agent.name: agent_ids(deps, agent) for agent in (AVAILABILITY_AGENT, BOOKING_AGENT)}

    def context(self) -> ManagerContext:
        return replace(super().context(), agent_ids=self.agent_ids)


