"""Bedrock Agents as Patterns B and F define them, and where a conversation finds them.

An agent is defined like the article's `agent_config`: an instruction and an action group exposing
some of the two functions through the Lambda `court-booking-actions`. Offline, the definition is
deployed to the offline model's emulated Bedrock Agents service; with real AWS, the agent and alias
ids come from settings, for an agent deployed with the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..aws.lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA
from ..tools import bedrock_agent_functions
from .base import Deps, TurnFailed


@dataclass(frozen=True)
class AgentDefinition:
    """A Bedrock agent, as CreateAgent and CreateAgentActionGroup would take it."""

    name: str
    """Agent name; offline, also the source of its id."""
    instruction: str
    """What the agent is for (Bedrock requires 40 to 4000 characters)."""
    action_group: str
    """Name of its one action group."""
    functions: tuple[str, ...]
    """The tools it exposes, rendered from the one schema source."""
    settings_ids: tuple[str, str]
    """Settings fields holding the deployed agent's id and alias id, for real AWS."""

    def as_request(self, foundation_model: str, return_control: bool = False) -> dict[str, Any]:
        """The definition as plain data, the shape of the AWS control-plane requests."""
        executor = {"customControl": "RETURN_CONTROL"} if return_control else {"lambda": ACTION_LAMBDA}
        return {"agentName": self.name, "instruction": self.instruction, "foundationModel": foundation_model,
                "actionGroups": [{"actionGroupName": self.action_group, "actionGroupExecutor": executor,
                                  "functionSchema": bedrock_agent_functions(self.functions)}]}


def agent_ids(deps: Deps, definition: AgentDefinition) -> tuple[str, str]:
    """(agentId, agentAliasId): deployed to the emulated service now, or read from settings for real AWS."""
    clients = deps.clients
    if clients.mode("aws") != "real":  # the emulated service (its decisions: offline or local model)
        request = definition.as_request(clients.model_id("aws"), bool(clients.settings.bedrock_return_control))
        return clients.offline.agents.deploy(request, deps.lambda_runtime().invoke)
    agent_id, alias_id = (getattr(clients.settings, name) for name in definition.settings_ids)
    if not agent_id or not alias_id:
        names = " and ".join(name.upper() for name in definition.settings_ids)
        raise TurnFailed(f"real AWS is configured but {names} are not set: deploy the agent "
                         f"{definition.name!r} defined in code and set its ids")
    return agent_id, alias_id
