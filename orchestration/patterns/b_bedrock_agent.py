"""Pattern B — a Bedrock Agent: the managed agent reasons and acts; your code only invokes it.

1. The agent is configured, not coded: an instruction and an action group whose Lambda runs
   `check_availability` and `book` — the article's `agent_config`, defined below.
2. Per user message, your code calls `invoke_agent` with the session id, tracing on, and the session
   state: the signed-in user as a session attribute (the Lambda reads it; the model never sees it)
   and today's date as a prompt attribute.
3. The service runs the loop: it prompts the model, invokes the Lambda for each action the model
   picks, observes the result, and streams back the final answer with its trace — which becomes the
   steps shown here. The conversation's memory is the service's session.
4. With return of control (an action group set to RETURN_CONTROL on AWS), the service hands the
   chosen call back instead: your code runs it through the same Lambda and sends the result back.
"""

from __future__ import annotations

from .base import Conversation, Deps
from .bedrock_agents import AgentDefinition, AgentView, agent_ids, invoke, new_session_id

# 1. The agent's configuration, as the article shows it (user_id is no longer a parameter).
BOOKING_AGENT = AgentDefinition(
    name="court-booking-agent",
    instruction=("You help members of a tennis club book courts A, B, C and D. Check availability before "
                 "booking, ask for anything missing, and if several courts are free ask which one."),
    action_group="BookingActions",
    functions=("check_availability", "book"),
    settings_ids=("bedrock_agent_id", "bedrock_agent_alias_id"),
)


class BedrockAgent(Conversation):
    """Pattern B. State: the agent service's session. Loop: the agent service's."""

    letter = "B"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.ids = agent_ids(deps, BOOKING_AGENT)
        self.session_id = new_session_id(self.letter)
        self.view = AgentView(runtime="runtime", model=deps.clients.actor("aws"), decided_by="llm", reply_to="code")

    def respond(self, text: str) -> str:
        # 2. Your code's whole part: invoke the agent with the session and the bound user.
        self.trace.emit("code", "runtime", "decide", "code", "invoke_agent: hand the message to the Bedrock agent",
                        {"agent": BOOKING_AGENT.name, "session": self.session_id})
        # 3. The service's loop, reported step by step as its trace streams back.
        # 4. Any call it hands back (return of control) is run by your code inside `invoke`.
        return invoke(self.deps, self.ids, self.session_id, text, self.letter, self.view)
