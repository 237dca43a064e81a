"""Bedrock Agents as Patterns B and F use them: a definition in code, and one invocation's steps.

An agent is defined here like the article's `agent_config`: an instruction and action groups, each
exposing some of the two functions through a Lambda (`court-booking-actions`). Offline, the
definition is deployed to the offline model's emulated Bedrock Agents service; with real AWS, the
agent and alias ids come from settings, for an agent deployed with the same definition.

`invoke` calls `invoke_agent` and turns what the service streams back into decision events: its
trace parts (model calls, rationale, the action it chose, the Lambda's observation, the final
response), and `returnControl`, where the service hands the chosen call back to your code — which
runs it through the same Lambda and continues the invocation with the result.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from ..lambdas import LambdaError
from ..tools import bedrock_agent_functions
from ..trace import Decider, json_or_text
from .base import Deps, TurnFailed

ACTION_LAMBDA = "court-booking-actions"
MAX_RETURNS_OF_CONTROL = 8


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


@dataclass(frozen=True)
class AgentView:
    """How one agent's steps read in the trace."""

    runtime: str
    """Actor of the agent service (`runtime`), or of the whole agent when seen from outside."""
    model: str
    """Actor of the agent's model."""
    decided_by: Decider
    """Whose choices the model's are: `llm` (Pattern B) or `sub-agent` (Pattern F)."""
    reply_to: str
    """Who receives the final answer."""
    detailed: bool = True
    """Show the model and the service as separate actors, with every model call."""


def agent_ids(deps: Deps, definition: AgentDefinition) -> tuple[str, str]:
    """(agentId, agentAliasId): deployed offline now, or read from settings for real AWS."""
    clients = deps.clients
    if clients.mode("aws") == "offline":
        request = definition.as_request(clients.model_id("aws"), bool(clients.settings.bedrock_return_control))
        return clients.offline.agents.deploy(request, deps.lambda_runtime().invoke)
    agent_id, alias_id = (getattr(clients.settings, name) for name in definition.settings_ids)
    if not agent_id or not alias_id:
        names = " and ".join(name.upper() for name in definition.settings_ids)
        raise TurnFailed(f"real AWS is configured but {names} are not set: deploy the agent "
                         f"{definition.name!r} defined in code and set its ids")
    return agent_id, alias_id


def invoke(deps: Deps, ids: tuple[str, str], session_id: str, text: str, via: str, view: AgentView,
           parent: int | None = None) -> str:
    """Send `text` to the agent and return its answer, reporting every step on `deps.trace`."""
    client = deps.clients.aws("bedrock-agent-runtime")
    state: dict[str, Any] = {"sessionAttributes": {"user": deps.user, "via": via},
                             "promptSessionAttributes": {"today": deps.clock.today().isoformat()}}
    steps = _Steps(deps, view, parent)
    for _ in range(MAX_RETURNS_OF_CONTROL):
        response = client.invoke_agent(agentId=ids[0], agentAliasId=ids[1], sessionId=session_id, inputText=text,
                                       enableTrace=True, sessionState=state)
        answer, returned = steps.read(response["completion"])
        if returned is None:
            return answer
        # The service handed the call back: your code runs it and continues the invocation.
        state = {**state, "invocationId": returned["invocationId"],
                 "returnControlInvocationResults": [steps.run_returned(item, via) for item in returned["invocationInputs"]]}
        text = ""
    raise TurnFailed(f"the agent handed control back more than {MAX_RETURNS_OF_CONTROL} times in one turn")


class _Steps:
    """Reads one agent's event stream into decision events."""

    def __init__(self, deps: Deps, view: AgentView, parent: int | None) -> None:
        self.deps, self.trace, self.view, self.parent = deps, deps.trace, view, parent
        self.model_calls = 0
        self.rationale = ""
        self.pending: dict[str, Any] = {}
        self.last_choice: dict[str, Any] = {}
        self.started = perf_counter()

    def read(self, stream: Any) -> tuple[str, dict[str, Any] | None]:
        """The chunks' text, and a `returnControl` payload if the service handed control back."""
        text, returned = [], None
        for event in stream:  # read to the end: the service settles the turn when its stream ends
            if "chunk" in event:
                text.append(event["chunk"]["bytes"].decode())
            elif "returnControl" in event:
                returned = event["returnControl"]
            elif "trace" in event:
                self._trace_part(event["trace"]["trace"])
        return "".join(text), returned

    def _trace_part(self, part: dict[str, Any]) -> None:
        orchestration = part.get("orchestrationTrace") or {}
        view = self.view
        if "modelInvocationInput" in orchestration:
            self.model_calls += 1
            self.started = perf_counter()
            if view.detailed and self.model_calls > 1:
                self._emit(view.runtime, view.model, "call_model", view.decided_by,
                           "call the model again: its last answer chose an action")
        elif "modelInvocationOutput" in orchestration:
            usage = orchestration["modelInvocationOutput"].get("metadata", {}).get("usage", {})
            self.pending = {"tokens_in": usage.get("inputTokens", 0), "tokens_out": usage.get("outputTokens", 0),
                            "ms": (perf_counter() - self.started) * 1000, "model_call": True}
        elif "rationale" in orchestration:
            self.rationale = orchestration["rationale"].get("text", "")
        elif "invocationInput" in orchestration:
            self._chose(orchestration["invocationInput"].get("actionGroupInvocationInput", {}))
        elif "observation" in orchestration:
            self._observed(orchestration["observation"])
        elif "failureTrace" in part:
            self._emit(view.runtime, view.reply_to, "answer", view.decided_by,
                       f"failed: {part['failureTrace'].get('failureReason', '')}")

    def _chose(self, action: dict[str, Any]) -> None:
        name, arguments = action.get("function", ""), _parameters(action.get("parameters"))
        detail = {"tool": name, "arguments": arguments, "rationale": self.rationale,
                  "execution": action.get("executionType", "")}
        if self.view.detailed:
            self._emit(self.view.model, self.view.runtime, "choose_tool", self.view.decided_by,
                       f"call {name}({json.dumps(arguments)})", detail, **self._usage())
        self.last_choice = detail

    def _observed(self, observation: dict[str, Any]) -> None:
        view = self.view
        if "actionGroupInvocationOutput" in observation:
            choice = self.last_choice
            if choice.get("execution") == "RETURN_CONTROL":
                return  # your code ran it and reported it already; this is the service echoing the result
            result = json_or_text(observation["actionGroupInvocationOutput"].get("text", ""))
            status = result.get("status", "done") if isinstance(result, dict) else "done"
            self._emit(view.runtime, f"lambda:{ACTION_LAMBDA}", "execute_tool", view.decided_by,
                       f"run {choice.get('tool', '')} → {status}", {**choice, "result": result}, **self._usage())
        elif "finalResponse" in observation:
            answer = observation["finalResponse"].get("text", "")
            self._emit(view.model if view.detailed else view.runtime, view.reply_to if not view.detailed else view.runtime,
                       "answer", view.decided_by, f"answer: {answer}", {"text": answer}, **self._usage())

    def run_returned(self, item: dict[str, Any], via: str) -> dict[str, Any]:
        """Run a call the service handed back, through the action group's Lambda; returns its result."""
        call = item.get("functionInvocationInput", {})
        name, arguments = call.get("function", ""), _parameters(call.get("parameters"))
        event = {"messageVersion": "1.0", "actionGroup": call.get("actionGroup", ""), "function": name,
                 "parameters": call.get("parameters", []), "sessionAttributes": {"user": self.deps.user, "via": via}}
        started = perf_counter()
        try:
            body = self.deps.lambda_runtime().invoke(ACTION_LAMBDA, event)["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
        except (LambdaError, KeyError, TypeError) as error:
            body = json.dumps({"status": "error", "message": f"The action failed: {error}"})
        result = json_or_text(body)
        self._emit("code", f"lambda:{ACTION_LAMBDA}", "execute_tool", "code",
                   f"run {name} (control returned to your code) → {result.get('status', 'done') if isinstance(result, dict) else 'done'}",
                   {"tool": name, "arguments": arguments, "result": result}, ms=(perf_counter() - started) * 1000)
        return {"functionResult": {"actionGroup": call.get("actionGroup", ""), "function": name,
                                   "responseBody": {"TEXT": {"body": body}}}}

    def _usage(self) -> dict[str, Any]:
        usage, self.pending = self.pending, {}
        return usage

    def _emit(self, actor: str, target: str, action: Any, decided_by: Decider, summary: str,
              detail: dict[str, Any] | None = None, **numbers: Any) -> None:
        self.trace.emit(actor, target, action, decided_by, summary, detail, parent=self.parent, **numbers)


def new_session_id(letter: str) -> str:
    """A session id for one conversation with one agent."""
    return f"pattern-{letter.lower()}-{uuid.uuid4().hex[:16]}"


def _parameters(parameters: Any) -> dict[str, Any]:
    return {p.get("name"): p.get("value") for p in parameters or [] if isinstance(p, dict)}
