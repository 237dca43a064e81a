"""botocore event handlers that observe the boto3 clients: Converse calls and Bedrock agents' traces.

Each boto3 client has its own event emitter (`client.meta.events`):

- `before-parameter-build.bedrock-runtime.Converse` sees the request your code sends and
  `after-call.bedrock-runtime.Converse` the parsed answer: one `call_model` step and the model's
  answer, as for every other vendor.
- `after-call.bedrock-agent-runtime.InvokeAgent` wraps the answer's event stream. As the caller reads
  it, each `trace` part is turned into a step: the agent's model calls, its rationale, the action it
  chose, what the action group's Lambda returned, its final answer. The caller's code reads the same
  stream for its chunks and never looks at the trace.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from time import perf_counter
from typing import Any

from ..aws.lambdas.booking_actions import FUNCTION_NAME as ACTION_LAMBDA
from . import ModelAnswer, Scope, current, model_answered, model_called
from .trace import json_or_text

_STARTED = "observed.started"


def observe_boto3(client: Any, model: str, model_id: str) -> Any:
    """Register the observers on a `bedrock-runtime` or `bedrock-agent-runtime` client; returns it."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    if service == "bedrock-runtime":
        events.register("before-parameter-build.bedrock-runtime.Converse", _converse_sent(model))
        events.register("after-call.bedrock-runtime.Converse", _converse_answered(model, model_id))
    elif service == "bedrock-agent-runtime":
        events.register("after-call.bedrock-agent-runtime.InvokeAgent", _agent_answered(model))
    return client


def _converse_sent(model: str) -> Any:
    def handler(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        scope = current()
        if scope is None:
            return
        context[_STARTED] = (perf_counter(), bool(params.get("toolConfig")))
        model_called(scope, model, len(params.get("messages") or []),
                     len((params.get("toolConfig") or {}).get("tools") or []))
    return handler


def _converse_answered(model: str, model_id: str) -> Any:
    def handler(parsed: dict[str, Any], context: dict[str, Any], http_response: Any = None, **_: Any) -> None:
        scope, started = current(), context.get(_STARTED)
        if scope is None or started is None or "output" not in parsed:
            return
        blocks = parsed["output"].get("message", {}).get("content", [])
        usage = parsed.get("usage", {})
        answer = ModelAnswer(" ".join(b["text"] for b in blocks if "text" in b),
                             tuple((b["toolUse"]["name"], b["toolUse"]["input"]) for b in blocks if "toolUse" in b),
                             usage.get("inputTokens", 0), usage.get("outputTokens", 0))
        model_answered(scope, model, model_id, answer, started[1], (perf_counter() - started[0]) * 1000, "aws.bedrock")
    return handler


def _agent_answered(model: str) -> Any:
    def handler(parsed: dict[str, Any], **_: Any) -> None:
        scope = current()
        if scope is not None and "completion" in parsed:
            parsed["completion"] = _observed_stream(parsed["completion"], AgentTraceReader(scope, model))
    return handler


def _observed_stream(stream: Any, reader: AgentTraceReader) -> Iterator[dict[str, Any]]:
    for event in stream:
        if "trace" in event:
            reader.read(event["trace"].get("trace", {}))
        yield event


class AgentTraceReader:
    """Turns one `invoke_agent` answer's trace parts into steps.

    Seen up close (Pattern B), the agent service (`runtime`) and its model are two actors, and every
    model call shows. Seen from outside (a sub-agent of Pattern F), the agent is one actor that
    chooses, acts and answers.
    """

    def __init__(self, scope: Scope, model: str) -> None:
        self.scope = scope
        self.model = scope.answerer(model)
        self.runtime = scope.agent_service or self.model
        self.detailed = scope.agent_service is not None
        self.rationale = ""
        self.pending: dict[str, Any] = {}
        self.choice: dict[str, Any] = {}
        self.started = perf_counter()

    def read(self, part: dict[str, Any]) -> None:
        orchestration = part.get("orchestrationTrace") or {}
        if "modelInvocationInput" in orchestration:
            self.started = perf_counter()
            if self.detailed and self._model_calls_so_far():
                self._emit(self.runtime, self.model, "call_model",
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
            self._emit(self.runtime, self.scope.caller, "answer",
                       f"failed: {part['failureTrace'].get('failureReason', '')}")

    def _chose(self, action: dict[str, Any]) -> None:
        name, arguments = action.get("function", ""), _parameters(action.get("parameters"))
        self.choice = {"tool": name, "arguments": arguments, "rationale": self.rationale,
                       "execution": action.get("executionType", "")}
        if self.detailed:
            self._emit(self.model, self.runtime, "choose_tool", f"call {name}({json.dumps(arguments)})", self.choice,
                       **self._usage())

    def _observed(self, observation: dict[str, Any]) -> None:
        if "actionGroupInvocationOutput" in observation:
            if not self.choice or self.choice.get("execution") == "RETURN_CONTROL":
                return  # your code ran it (control was returned), and its Lambda invocation was recorded then
            result = json_or_text(observation["actionGroupInvocationOutput"].get("text", ""))
            status = result.get("status", "done") if isinstance(result, dict) else "done"
            tool, message = (self.choice.get("tool", ""),
                             str(result.get("message", "")) if isinstance(result, dict) else "")
            # the call itself was wrong (run_tool's test)
            if status == "error" and not message.startswith(f"{tool} failed:"):
                self._emit(self.runtime, f"lambda:{ACTION_LAMBDA}", "model_error", f"refused {tool}: {message}",
                           {**self.choice, "result": result}, **self._usage())
                return
            self._emit(self.runtime, f"lambda:{ACTION_LAMBDA}", "execute_tool", f"run {tool} → {status}",
                       {**self.choice, "result": result}, **self._usage())
        elif "finalResponse" in observation:
            answer = observation["finalResponse"].get("text", "")
            actor, target = (self.model, self.runtime) if self.detailed else (self.runtime, self.scope.caller)
            self._emit(actor, target, "answer", f"answer: {answer}", {"text": answer}, **self._usage())

    def _model_calls_so_far(self) -> bool:
        trace, scope = self.scope.trace, self.scope
        return any(e.model_call and e.actor == self.model and e.parent == scope.parent
                   for e in trace.of_turn(trace.turn))

    def _usage(self) -> dict[str, Any]:
        usage, self.pending = self.pending, {}
        return usage

    def _emit(self, actor: str, target: str, action: Any, summary: str, detail: dict[str, Any] | None = None,
              **numbers: Any) -> None:
        self.scope.emit(actor, target, action, self.scope.decided_by, summary, detail, **numbers)


def _parameters(parameters: Any) -> dict[str, Any]:
    return {p.get("name"): p.get("value") for p in parameters or [] if isinstance(p, dict)}
