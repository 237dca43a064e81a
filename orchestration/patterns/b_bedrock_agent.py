"""Pattern B — a Bedrock Agent: the managed agent reasons and acts; your code only invokes it.

1. The agent is configured, not coded: an instruction and an action group whose Lambda
   (`aws/lambdas/booking_actions.py`) runs `check_availability` and `book` — the article's
   `agent_config`, defined below.
2. Per user message, your code calls `invoke_agent` with the session id, tracing on, and the session
   state: the signed-in user as a session attribute (the Lambda reads it; the model never sees it)
   and today's date as a prompt attribute.
3. The service runs the loop: it prompts the model, invokes the Lambda for each action the model
   picks, observes the result, and streams back the final answer, with its trace (which is what the
   decision graph shows). The conversation's memory is the service's session.
4. With return of control (an action group set to RETURN_CONTROL), the service hands the chosen
   call back instead: your code runs it through the same Lambda and sends the result back.
"""

from __future__ import annotations

from typing import Any

from ..aws.lambdas import LambdaError
from ..aws.lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA
from ..observe import decided
from .base import Conversation, Deps, TurnFailed
from .bedrock_agents import AgentDefinition, agent_ids

MAX_RETURNS_OF_CONTROL = 8

# 1. The agent's configuration, as the article shows it (user_id is no longer a parameter).
BOOKING_AGENT = AgentDefinition(
    name="court-booking-agent",
    instruction=("You help members of a tennis club book courts A, B, C and D. Check availability before "
                 "booking, ask for anything missing, and if several courts are free ask which one."),
    action_group="BookingActions",
    functions=("check_availability", "book"),
    settings_ids=("bedrock_agent_id", "bedrock_agent_alias_id"),
)


def ask_agent(deps: Deps, agent: tuple[str, str], session_id: str, text: str, via: str) -> str:
    """2. Send `text` to a Bedrock agent and return its answer; the user is a session attribute."""
    client = deps.clients.aws("bedrock-agent-runtime")
    state: dict[str, Any] = {"sessionAttributes": {"user": deps.user, "via": via},
                             "promptSessionAttributes": {"today": deps.clock.today().isoformat()}}
    for _ in range(MAX_RETURNS_OF_CONTROL):
        response = client.invoke_agent(agentId=agent[0], agentAliasId=agent[1], sessionId=session_id,
                                       inputText=text, enableTrace=True, sessionState=state)
        # 3. The service's loop runs while its answer streams back: read it to the end.
        answer, returned = "", None
        for event in response["completion"]:
            if "chunk" in event:
                answer += event["chunk"]["bytes"].decode()
            elif "returnControl" in event:
                returned = event["returnControl"]
        if returned is None:
            return answer
        # 4. The service handed the call back: your code runs it and continues the invocation.
        results = [run_returned(deps, item["functionInvocationInput"], via) for item in returned["invocationInputs"]]
        state = {**state, "invocationId": returned["invocationId"], "returnControlInvocationResults": results}
        text = ""
    raise TurnFailed(f"the agent handed control back more than {MAX_RETURNS_OF_CONTROL} times in one turn")


def run_returned(deps: Deps, call: dict[str, Any], via: str) -> dict[str, Any]:
    """4. Run a call the service handed back through the action group's Lambda; returns its result."""
    event = {"messageVersion": "1.0", "actionGroup": call.get("actionGroup", ""), "function": call.get("function", ""),
             "parameters": call.get("parameters", []), "sessionAttributes": {"user": deps.user, "via": via}}
    try:
        body = (deps.lambdas().invoke(ACTION_LAMBDA, event)
                ["response"]["functionResponse"]["responseBody"]["TEXT"]["body"])
    except (LambdaError, KeyError, TypeError) as error:
        body = f'{{"status": "error", "message": "The action failed: {type(error).__name__}"}}'
    return {"functionResult": {"actionGroup": event["actionGroup"], "function": event["function"],
                               "responseBody": {"TEXT": {"body": body}}}}


class BedrockAgent(Conversation):
    """Pattern B. State: the agent service's session. Loop: the agent service's."""

    letter = "B"
    hands_over_to = "runtime"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.agent = agent_ids(deps, BOOKING_AGENT)

    def respond(self, text: str) -> str:
        decided("invoke_agent: hand the message to the Bedrock agent", agent=BOOKING_AGENT.name, session=self.id)
        return ask_agent(self.deps, self.agent, self.id, text, self.letter)
