"""Agents SDK spans, translated into decision events as they happen.

The Agents SDK reports every model call and tool call of a run as a span to its tracing
processors. `SpanRouter` is installed once as the only processor — which also means the SDK's
default exporter, which would upload traces to the vendor, never runs. It hands each span to the run
it belongs to, by the SDK trace id, so several sessions can run agents at the same time and each
sees only its own steps.

A conversation's turn runs inside `traced_run(trace, workflow, roles)` (opened by
`Conversation.send` for the patterns that declare `roles`); the `Roles` say how the run's agents and
tools read in the decision graph (an agent's model is `model:…` deciding as `llm`, a manager is
`manager` deciding as `manager`, a tool targets the calendar).

A manager's delegation tool is a function span too. While one runs, `delegation_scope` tells the
other edges (boto3 hooks, the Lambda runtime) that they are inside it: the delegation becomes a step
of the manager's, and the sub-agent's own steps nest under it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import agents
from agents.tracing import TracingProcessor
from agents.tracing.span_data import AgentSpanData, FunctionSpanData, GenerationSpanData, ResponseSpanData

from . import Scope, add_scope_finder, looks_like_a_tool_call
from .trace import Decider, Trace, json_or_text


@dataclass(frozen=True)
class AgentRole:
    """How one agent's model calls read in the trace."""

    actor: str
    """Actor id of the agent's model, e.g. `model:gpt-4.1-mini` or `manager`."""
    decided_by: Decider
    """Who its choices count as: `llm`, or `manager`."""


@dataclass(frozen=True)
class Roles:
    """How a run's agents and tools read in the trace."""

    agents: Mapping[str, AgentRole]
    """Agent name -> role."""
    delegates: Mapping[str, str] = field(default_factory=dict)
    """Delegation tool name -> the specialist it hands its task to (`sub-agent:…`, `lambda:…`).
    Other tools run against the calendar."""


class RunTranslator:
    """Turns one run's spans into events on its `Trace`."""

    def __init__(self, trace: Trace, roles: Roles) -> None:
        self.trace, self.roles = trace, roles
        self._agent_of_span: dict[str, str] = {}
        self._parent: dict[str, str | None] = {}
        self._started: dict[str, float] = {}
        self._calls_per_agent_run: dict[str, int] = {}
        self._delegations: dict[str, Scope] = {}

    def started(self, span: Any) -> None:
        """A span began: remember where it sits; a model call after the first is the loop going on."""
        data = span.span_data
        self._started[span.span_id] = perf_counter()
        self._parent[span.span_id] = span.parent_id
        if isinstance(data, AgentSpanData):
            self._agent_of_span[span.span_id] = data.name
        elif isinstance(data, (ResponseSpanData, GenerationSpanData)):
            role, agent, agent_span = self._role(span)
            calls = self._calls_per_agent_run[agent_span] = self._calls_per_agent_run.get(agent_span, 0) + 1
            if calls > 1:  # the first call is the run's start, which the pattern's own code decided and reported
                self.trace.emit("runtime", role.actor, "call_model", role.decided_by,
                                f"call {agent}'s model again: its last answer asked for tools", {"agent": agent})

    def ended(self, span: Any) -> None:
        """A span finished: a model's answer or choice of tools, or a tool that ran."""
        data = span.span_data
        ms = (perf_counter() - self._started.pop(span.span_id, perf_counter())) * 1000
        if isinstance(data, ResponseSpanData) and data.response is not None:
            self._model_answered(span, _response_items(data.response), _usage(data.response.usage), ms,
                                 str(data.response.model or ""))
        elif isinstance(data, GenerationSpanData):
            self._model_answered(span, _generation_items(data.output), _usage(data.usage), ms, str(data.model or ""))
        elif isinstance(data, FunctionSpanData) and data.name not in self.roles.delegates:
            self._tool_ran(span, data, ms)

    def delegation(self, span: Any) -> Scope | None:
        """The scope inside a running delegation tool: its first use records the manager's delegation."""
        target = self.roles.delegates.get(span.span_data.name)
        if target is None:
            return None
        if span.span_id not in self._delegations:
            arguments = json_or_text(span.span_data.input)
            task = (next(iter(arguments.values()), "") if isinstance(arguments, dict) and len(arguments) == 1
                    else arguments)
            step = self.trace.emit("manager", target, "delegate", "manager", f"{span.span_data.name}: {task}",
                                   {"tool": span.span_data.name, "task": task}).step
            self._delegations[span.span_id] = Scope(self.trace, caller="manager", model=target, decided_by="sub-agent",
                                                    notes_to=target, agent_service=None, parent=step)
        return self._delegations[span.span_id]

    def _model_answered(self, span: Any, items: tuple[str, list[tuple[str, str]]], usage: tuple[int, int], ms: float,
                        model: str) -> None:
        role, agent, _ = self._role(span)
        text, calls = items
        sent = {"model": model, "provider": "openai"}
        tokens = {"tokens_in": usage[0], "tokens_out": usage[1], "ms": ms, "model_call": True}
        if not calls:
            mistake = looks_like_a_tool_call(text)
            self.trace.emit(role.actor, "runtime", "model_error" if mistake else "answer", role.decided_by,
                            f"wrote a tool call as text, so nothing ran: {text}" if mistake else f"answer: {text}",
                            {"agent": agent, "text": text} | sent, **tokens)
            return
        for n, (name, arguments) in enumerate(calls):
            self.trace.emit(role.actor, "runtime", "choose_tool", role.decided_by, f"call {name}({arguments})",
                            {"agent": agent, "tool": name, "arguments": arguments, "rationale": text} | sent,
                            **(tokens if n == 0 else {}))

    def _tool_ran(self, span: Any, data: FunctionSpanData, ms: float) -> None:
        role, agent, _ = self._role(span)
        output = json_or_text(data.output)
        failed = span.error is not None or (isinstance(output, str) and re.search(r"\berror\b", output, re.I))
        status = output.get("status", "done") if isinstance(output, dict) else ("error" if failed else "done")
        self.trace.emit("runtime", "calendar", "execute_tool", role.decided_by,
                        f"run {data.name} → {status}",
                        {"agent": agent, "tool": data.name, "arguments": json_or_text(data.input),
                         "result": output}, ms=ms)

    def _role(self, span: Any) -> tuple[AgentRole, str, str]:
        """The role, name and span id of the agent a span runs under (its nearest agent ancestor)."""
        ancestor = span.parent_id
        while ancestor is not None and ancestor not in self._agent_of_span:
            ancestor = self._parent.get(ancestor)
        agent = self._agent_of_span.get(ancestor or "", "")
        role = self.roles.agents.get(agent) or next(iter(self.roles.agents.values()))
        return role, agent, ancestor or ""


class SpanRouter(TracingProcessor):
    """The process's one tracing processor: routes each span to its run's translator."""

    def __init__(self) -> None:
        self._runs: dict[str, RunTranslator] = {}
        self._lock = threading.Lock()

    def add(self, sdk_trace_id: str, translator: RunTranslator) -> None:
        with self._lock:
            self._runs[sdk_trace_id] = translator

    def remove(self, sdk_trace_id: str) -> None:
        with self._lock:
            self._runs.pop(sdk_trace_id, None)

    def run_of(self, span: Any) -> RunTranslator | None:
        with self._lock:
            return self._runs.get(span.trace_id)

    def on_span_start(self, span: Any) -> None:
        if run := self.run_of(span):
            run.started(span)

    def on_span_end(self, span: Any) -> None:
        if run := self.run_of(span):
            run.ended(span)

    def on_trace_start(self, trace: Any) -> None:
        """Nothing to do: runs are registered by `traced_run`."""

    def on_trace_end(self, trace: Any) -> None:
        """Nothing to do: runs are removed by `traced_run`."""

    def shutdown(self) -> None:
        with self._lock:
            self._runs.clear()

    def force_flush(self) -> None:
        """Nothing is buffered."""


_router = SpanRouter()


def router() -> SpanRouter:
    """The span router, made the SDK's only tracing processor.

    Called at the start of every run, so nothing that replaced the processors in the meantime can
    leave a run untranslated (or let the default exporter upload it).
    """
    agents.set_trace_processors([_router])
    return _router


def delegation_scope() -> Scope | None:
    """The scope of the delegation tool running now, if one is (see `RunTranslator.delegation`)."""
    span = agents.tracing.get_current_span()
    if span is None or not isinstance(span.span_data, FunctionSpanData):
        return None
    run = _router.run_of(span)
    return run.delegation(span) if run is not None else None


add_scope_finder(delegation_scope)


@contextmanager
def traced_run(trace: Trace, workflow: str, roles: Roles, group_id: str | None = None) -> Iterator[RunTranslator]:
    """An SDK trace (`agents.trace`) whose spans become events on `trace` while it is open.

    Open it around the code that calls `Runner.run` (or `asyncio.run` of it): the SDK's context
    variables follow into the run.
    """
    translator = RunTranslator(trace, roles)
    sdk_trace_id = agents.gen_trace_id()
    route = router()
    route.add(sdk_trace_id, translator)
    try:
        with agents.trace(workflow, trace_id=sdk_trace_id, group_id=group_id):
            yield translator
    finally:
        route.remove(sdk_trace_id)


# --- Reading span payloads --------------------------------------------------------------------


def _response_items(response: Any) -> tuple[str, list[tuple[str, str]]]:
    """(text, [(tool, arguments)]) of a Responses API response."""
    text, calls = [], []
    for item in response.output or []:
        if item.type == "function_call":
            calls.append((item.name, item.arguments))
        elif item.type == "message":
            text += [part.text for part in item.content if getattr(part, "type", "") == "output_text"]
    return " ".join(text), calls


def _generation_items(output: Any) -> tuple[str, list[tuple[str, str]]]:
    """(text, [(tool, arguments)]) of a Chat Completions generation span's output messages."""
    text, calls = [], []
    for message in output or []:
        if message.get("content"):
            text.append(str(message["content"]))
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            calls.append((function.get("name", ""), function.get("arguments", "")))
    return " ".join(text), calls


def _usage(usage: Any) -> tuple[int, int]:
    if usage is None:
        return 0, 0
    if isinstance(usage, Mapping):
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    return int(getattr(usage, "input_tokens", 0) or 0), int(getattr(usage, "output_tokens", 0) or 0)
