"""Agents for Amazon Bedrock, emulated in-process: the managed service runs the reason-act loop.

`AgentService.deploy` takes plain data shaped like the CreateAgent and CreateAgentActionGroup
request fields (read and checked by `bedrock_agent_definitions.py`) and returns
`(agentId, agentAliasId)`. `InvokeAgent` (POST
`/agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text`) then does what the
service does: it prompts the model with the agent's instruction, the prompt session attributes
(as `<key>: <value>` lines), the action groups' functions and the session's conversation; runs
each function the model picks through the action group's Lambda (reached through the injected
`invoke_lambda`, never imported), or hands it back to the caller as a `returnControl` event when
the group is `RETURN_CONTROL`; and loops until the model answers in text, at most
`MAX_MODEL_CALLS` model calls per user turn.

The answer is an AWS event stream: `trace` events when `enableTrace` is set (one
`orchestrationTrace` member each: modelInvocationInput, modelInvocationOutput with usage,
rationale, invocationInput, observation), then one `chunk` whose `bytes` blob travels base64 in the
JSON payload, or one `returnControl`. The model sees functions named `<actionGroup>__<function>`.

Session memory (user turns, tool calls with their rationale, tool results, answers), the session
attributes and a pending return of control are kept per (agentId, sessionId), as the service keeps
them; a turn is stored once it ends, and `endSession` answers the input (if any), then forgets the
session. Prompt session attributes last one turn, as on AWS. The loop runs while the caller reads
the stream, so trace events arrive as the agent works, as they do from the service. Where
this emulation is gentler than AWS: a Lambda that raises or answers `responseState: FAILURE`
becomes an error result the model reads and explains, instead of a `dependencyFailedException`.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Generator, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .anthropic_messages import new_id
from .bedrock_agent_definitions import Action, Agent, InvokeLambda, read_definition
from .bedrock_runtime import EVENT_STREAM, converse_json, render_error
from .eventstream import encode_json_event
from .protocol import Message, ModelReply, ModelRequest, ToolCall, ToolResult
from .wire import Route, WireError, WireRequest, WireResponse

if TYPE_CHECKING:
    from . import Thinker

AGENT_ALIAS_ID = "TSTALIASID"
"""The alias every deployed agent answers on: AWS's built-in test alias, which points at DRAFT."""
AGENT_VERSION = "DRAFT"
MAX_MODEL_CALLS = 10
"""Model calls allowed in one user turn before the agent stops and says so."""

_PATH = re.compile(r"^/agents/(?P<agent>[^/]+)/agentAliases/(?P<alias>[^/]+)/sessions/(?P<session>[^/]+)/text$")


@dataclass
class Turn:
    """One user turn in progress; it spans several InvokeAgent calls when control is returned."""

    input_text: str
    session_attributes: dict[str, str]
    prompt_attributes: dict[str, str]
    messages: list[Message] = field(default_factory=list)
    trace_prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    model_calls: int = 0
    calls: tuple[ToolCall, ...] = ()
    """The latest reply's tool calls, until all of them have results."""
    results: dict[str, ToolResult] = field(default_factory=dict)
    invocation_id: str = ""

    @property
    def trace_id(self) -> str:
        return f"{self.trace_prefix}-{self.model_calls}"

    @property
    def awaiting(self) -> list[ToolCall]:
        return [call for call in self.calls if call.id not in self.results]


@dataclass
class Session:
    """What the service keeps for one (agentId, sessionId)."""

    memory: list[Message] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    pending: Turn | None = None


class AgentService:
    """The control plane (deploy) and the runtime (InvokeAgent) of the emulated service."""

    def __init__(self, brain: Thinker) -> None:
        self.brain = brain
        self._agents: dict[str, Agent] = {}
        self._sessions: dict[tuple[str, str], Session] = {}
        self._lock = threading.Lock()

    def deploy(self, definition: Mapping[str, Any], invoke_lambda: InvokeLambda | None = None) -> tuple[str, str]:
        """Create (or update) an agent; returns `(agentId, agentAliasId)`, stable for a given name.

        Deploying the same definition again only swaps `invoke_lambda`; a changed definition under
        the same name replaces the agent and forgets its sessions. Raises `ValueError` when invalid.
        """
        agent = read_definition(definition, invoke_lambda)
        with self._lock:
            previous = self._agents.get(agent.id)
            if previous is not None and previous.definition != agent.definition:
                self._sessions = {key: s for key, s in self._sessions.items() if key[0] != agent.id}
            self._agents[agent.id] = agent
        return agent.id, AGENT_ALIAS_ID

    def route(self) -> Route:
        """InvokeAgent, served at POST `/agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text`."""
        return Route("bedrock.agents", lambda method, path: method == "POST" and bool(_PATH.match(path)),
                     self._handle, render_error)

    def _handle(self, request: WireRequest) -> WireResponse:
        found = _PATH.match(request.path)
        assert found is not None  # guaranteed by the route's matcher
        agent_id, alias_id, session_id = (unquote(found[name]) for name in ("agent", "alias", "session"))
        with self._lock:
            agent = self._agents.get(agent_id)
        if agent is None or alias_id != AGENT_ALIAS_ID:
            raise WireError(404, "ResourceNotFoundException",
                            "Failed to retrieve resource because it doesn't exist: "
                            f"agent {agent_id}, alias {alias_id}.")
        body = request.json()
        if not isinstance(body, dict):
            raise _invalid("The request body must be a JSON object.")
        with self._lock:
            session = self._sessions.setdefault((agent.id, session_id), Session())
        turn, returned = _start_turn(session, body)
        memory = tuple(session.memory)
        run = _Run(self.brain, agent, session_id, memory, turn, bool(body.get("enableTrace"))) if turn else None
        headers = {"content-type": EVENT_STREAM, "x-amzn-bedrock-agent-content-type": "application/json",
                   "x-amz-bedrock-agent-session-id": session_id, "x-amzn-requestid": str(uuid.uuid4())}
        return WireResponse(200, headers, chunks=self._stream(agent.id, session_id, session, run, returned,
                                                              bool(body.get("endSession"))))

    def _stream(self, agent_id: str, session_id: str, session: Session, run: _Run | None,
                returned: tuple[ToolResult, ...], end_session: bool) -> Iterator[bytes]:
        """The run's events; the turn is stored when it ends, and `endSession` forgets the session."""
        if run is not None:
            yield from run.events(returned)
            with self._lock:
                session.attributes = run.turn.session_attributes
                session.pending = run.turn if run.turn.awaiting else None
                if not run.turn.awaiting:
                    session.memory.extend(run.turn.messages)
        if end_session:
            with self._lock:
                self._sessions.pop((agent_id, session_id), None)


class _Run:
    """One InvokeAgent call's share of the reason-act loop, as a stream of event-stream messages."""

    def __init__(self, brain: Thinker, agent: Agent, session_id: str, memory: tuple[Message, ...], turn: Turn,
                 trace: bool) -> None:
        self.brain, self.agent, self.session_id, self.memory, self.turn, self.trace = (
            brain, agent, session_id, memory, turn, trace)

    def events(self, returned: tuple[ToolResult, ...]) -> Iterator[bytes]:
        """Model calls and actions until a final answer, a return of control, or the cap."""
        turn = self.turn
        for result in returned:
            yield from self._observation("ACTION_GROUP", {"actionGroupInvocationOutput": {"text": result.content}})
        if turn.calls:
            self._close_step()
        while turn.model_calls < MAX_MODEL_CALLS:
            reply = yield from self._think()
            if not reply.tool_calls:
                yield from self._finish(reply.text)
                return
            yield from self._act(reply)
            if turn.awaiting:
                yield encode_json_event("returnControl", {"invocationId": turn.invocation_id, "invocationInputs": [
                    {"functionInvocationInput": {**self._describe(call), "actionInvocationType": "RESULT"}}
                    for call in turn.awaiting]})
                return
            self._close_step()
        reason = f"The agent reached its limit of {MAX_MODEL_CALLS} model calls in one turn and stopped."
        yield from self._emit({"failureTrace": {"traceId": turn.trace_id, "failureReason": reason}})
        yield from self._finish(f"Sorry — I couldn't finish this request within {MAX_MODEL_CALLS} steps, so I stopped. "
                                "Please try again, perhaps in smaller steps.")

    def _think(self) -> Generator[bytes, None, ModelReply]:
        """One model call, traced; returns the reply with an id on every tool call."""
        turn = self.turn
        turn.model_calls += 1
        request = self._model_request()
        yield from self._orchestration({"modelInvocationInput": {
            "traceId": turn.trace_id, "text": _prompt_text(request), "type": "ORCHESTRATION",
            "foundationModel": self.agent.foundation_model, "promptCreationMode": "DEFAULT", "parserMode": "DEFAULT"}})
        started, start_time = time.perf_counter(), _now()
        reply = self.brain.reply(request)
        reply = replace(reply, tool_calls=tuple(replace(c, id=c.id or new_id("tooluse_")) for c in reply.tool_calls))
        elapsed = round((time.perf_counter() - started) * 1000)
        usage = {"inputTokens": reply.usage.input_tokens, "outputTokens": reply.usage.output_tokens}
        yield from self._orchestration({"modelInvocationOutput": {
            "traceId": turn.trace_id, "rawResponse": {"content": json.dumps(converse_json(reply, elapsed))},
            "metadata": {"startTime": start_time, "endTime": _now(), "totalTimeMs": elapsed, "usage": usage}}})
        return reply

    def _model_request(self) -> ModelRequest:
        lines = [f"{key}: {value}" for key, value in self.turn.prompt_attributes.items()]
        return ModelRequest(model=self.agent.foundation_model, system="\n".join([self.agent.instruction, *lines]),
                            messages=(*self.memory, *self.turn.messages),
                            tools=tuple(action.tool for action in self.agent.actions.values()))

    def _act(self, reply: ModelReply) -> Iterator[bytes]:
        """Trace the rationale and each call; run the Lambda ones, leave the others to the caller."""
        turn = self.turn
        turn.messages.append(Message("assistant", reply.text, reply.tool_calls))
        turn.calls, turn.results, turn.invocation_id = reply.tool_calls, {}, str(uuid.uuid4())
        if reply.text:
            yield from self._orchestration({"rationale": {"traceId": turn.trace_id, "text": reply.text}})
        for call in reply.tool_calls:
            action = self.agent.actions.get(call.name)
            if action is None:
                text = f"There is no function {call.name!r}; the functions are {', '.join(self.agent.actions)}."
                turn.results[call.id] = ToolResult(call.id, json.dumps({"error": text}), call.name, is_error=True)
                yield from self._observation("REPROMPT", {"repromptResponse": {"source": "PARSER", "text": text}})
                continue
            described = self._describe(call)
            execution = "LAMBDA" if action.lambda_name else "RETURN_CONTROL"
            yield from self._orchestration({"invocationInput": {
                "traceId": turn.trace_id, "invocationType": "ACTION_GROUP", "actionGroupInvocationInput": {
                    "actionGroupName": action.group, "function": action.function, "parameters": described["parameters"],
                    "executionType": execution,
                    **({"invocationId": turn.invocation_id} if not action.lambda_name else {})}}})
            if action.lambda_name:
                turn.results[call.id] = self._invoke(action, call, described["parameters"])
                yield from self._observation("ACTION_GROUP", {
                    "actionGroupInvocationOutput": {"text": turn.results[call.id].content}})

    def _invoke(self, action: Action, call: ToolCall, parameters: list[dict[str, str]]) -> ToolResult:
        """Run the action group's Lambda with Bedrock's event; any failure becomes an error result."""
        turn, agent = self.turn, self.agent
        event = {"messageVersion": "1.0",
                 "agent": {"name": agent.name, "id": agent.id, "alias": AGENT_ALIAS_ID, "version": AGENT_VERSION},
                 "inputText": turn.input_text, "sessionId": self.session_id, "actionGroup": action.group,
                 "function": action.function, "parameters": parameters,
                 "sessionAttributes": dict(turn.session_attributes),
                 "promptSessionAttributes": dict(turn.prompt_attributes)}
        invoke = agent.invoke_lambda
        assert invoke is not None and action.lambda_name is not None  # deploy refuses Lambda groups without it
        try:
            result = invoke(action.lambda_name, event)
            response = result["response"]["functionResponse"]
            body = response["responseBody"]["TEXT"]["body"]
            if not isinstance(body, str):
                raise TypeError("response.functionResponse.responseBody.TEXT.body must be a string")
        except Exception as error:  # a failing Lambda is reported to the model, never raised
            message = f"The action group's Lambda {action.lambda_name} failed: {type(error).__name__}: {error}"
            return ToolResult(call.id, json.dumps({"error": message}), call.name, is_error=True)
        turn.session_attributes = dict(result.get("sessionAttributes") or turn.session_attributes)
        turn.prompt_attributes = dict(result.get("promptSessionAttributes") or turn.prompt_attributes)
        return ToolResult(call.id, body, call.name, is_error=response.get("responseState") == "FAILURE")

    def _finish(self, text: str) -> Iterator[bytes]:
        self.turn.messages.append(Message("assistant", text))
        yield from self._observation("FINISH", {"finalResponse": {"text": text}})
        yield encode_json_event("chunk", {"bytes": base64.b64encode(text.encode()).decode()})

    def _close_step(self) -> None:
        """All of the latest reply's calls have results: they join the conversation as one tool turn."""
        turn = self.turn
        turn.messages.append(Message("tool", tool_results=tuple(turn.results[call.id] for call in turn.calls)))
        turn.calls, turn.results = (), {}

    def _describe(self, call: ToolCall) -> dict[str, Any]:
        """The call as Bedrock names it: action group, function, and parameters as typed strings."""
        action = self.agent.actions[call.name]
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError:
            arguments = {}
        parameters = [{"name": name, "type": action.types.get(name, "string"),
                       "value": value if isinstance(value, str) else json.dumps(value)}
                      for name, value in (arguments if isinstance(arguments, dict) else {}).items()
                      if value is not None]
        return {"actionGroup": action.group, "function": action.function, "parameters": parameters}

    def _observation(self, kind: str, member: dict[str, Any]) -> Iterator[bytes]:
        yield from self._orchestration({"observation": {"traceId": self.turn.trace_id, "type": kind, **member}})

    def _orchestration(self, part: dict[str, Any]) -> Iterator[bytes]:
        yield from self._emit({"orchestrationTrace": part})

    def _emit(self, trace: dict[str, Any]) -> Iterator[bytes]:
        if self.trace:
            yield encode_json_event("trace", {
                "agentId": self.agent.id, "agentAliasId": AGENT_ALIAS_ID, "agentVersion": AGENT_VERSION,
                "sessionId": self.session_id, "eventTime": _now(), "trace": trace})


def _start_turn(session: Session, body: Mapping[str, Any]) -> tuple[Turn | None, tuple[ToolResult, ...]]:
    """A new turn for `inputText`, or the pending one with the caller's results; None when nothing to do."""
    state = body.get("sessionState") or {}
    attributes = state.get("sessionAttributes")
    session_attributes = dict(session.attributes if attributes is None else attributes)
    prompt_attributes = state.get("promptSessionAttributes")
    results = state.get("returnControlInvocationResults")
    if results:
        turn = session.pending
        if turn is None or not turn.awaiting:
            raise _invalid("returnControlInvocationResults were sent, but this session is not waiting for any.")
        if state.get("invocationId") != turn.invocation_id:
            raise _invalid(f"sessionState.invocationId must be {turn.invocation_id!r}, "
                           "the returnControl invocation's id.")
        returned = _match_results(results, turn.awaiting)
        turn.results.update({result.call_id: result for result in returned})
        turn.session_attributes = session_attributes
        turn.prompt_attributes = dict(turn.prompt_attributes if prompt_attributes is None else prompt_attributes)
        return turn, returned
    if not body.get("inputText"):
        if body.get("endSession"):
            return None, ()
        raise _invalid("inputText is required unless sessionState carries returnControlInvocationResults.")
    turn = Turn(str(body["inputText"]), session_attributes, dict(prompt_attributes or {}))
    turn.messages.append(Message("user", turn.input_text))
    return turn, ()


def _match_results(results: list[Any], awaiting: list[ToolCall]) -> tuple[ToolResult, ...]:
    """The caller's functionResults, each matched to the earliest waiting call of that group and function."""
    waiting = {call.id: call for call in awaiting}
    matched: list[ToolResult] = []
    for item in results:
        result = item.get("functionResult") if isinstance(item, dict) else None
        if not isinstance(result, dict):
            raise _invalid("Each returnControlInvocationResults member must be a functionResult (apiResult "
                           "is not served).")
        name = f"{result.get('actionGroup')}__{result.get('function')}"
        call = next((c for c in waiting.values() if c.name == name), None)
        body = ((result.get("responseBody") or {}).get("TEXT") or {}).get("body")
        if call is None or not isinstance(body, str):
            raise _invalid(f"functionResult {result.get('actionGroup')}/{result.get('function')} answers no waiting "
                           "invocation or lacks responseBody.TEXT.body.")
        del waiting[call.id]
        matched.append(ToolResult(call.id, body, call.name, is_error=result.get("responseState") == "FAILURE"))
    if waiting:
        missing = ", ".join(call.name for call in waiting.values())
        raise _invalid(f"returnControlInvocationResults must answer every returned invocation; missing: {missing}.")
    return tuple(matched)


def _prompt_text(request: ModelRequest) -> str:
    """The prompt as the model receives it, for the modelInvocationInput trace."""
    return json.dumps({"system": request.system, "messages": [asdict(m) for m in request.messages],
                       "tools": [asdict(t) for t in request.tools]})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _invalid(message: str) -> WireError:
    return WireError(400, "ValidationException", message)
