"""Observation at the edges: the decision trace is written by hooks, not by the patterns.

This package holds how a run is seen: `trace.py` (the decision event and the trace, which imports
nothing of the project), the hooks below, and the trace's ways out and back in: `otel.py`
(OpenTelemetry spans) and `opened/` (a trace file read back as events, a module per kind of file).
It may import `trace`, `calendar`, `formats`, the Lambda runtime (`aws.lambdas`, for `lambdas.py`) and
the settings (`vendors.settings`, inside a traced Lambda); `opened/` reads the pattern registry
(`patterns.PATTERNS`). The patterns and the vendor edge import it; it never imports a pattern's code.

A pattern's code says what it does; these hooks see it happen and record each step on the
conversation's `Trace`:

- `http.py`: httpx2 event hooks on the openai and anthropic clients (each model call and its answer);
- `aws.py`: botocore events on the boto3 clients (Converse calls, and the trace stream of
  `invoke_agent`, which reports what a Bedrock agent decided);
- `lambdas.py`: a Lambda runtime wrapper (invocations, and the steps a Lambda reports back);
- `sdk_trace.py`: the Agents SDK's trace processor (runs, model calls, tool calls);
- `orchestration.tools.run_tool`: every tool execution your code makes.

What a hook records depends on where the call happens, which the `Scope` says: whose code is
calling (`code`, a Lambda, the manager's delegation), which actor answers, whose decision its answer
counts as, and which step the events nest under. The edge that starts a piece of work sets the scope
(`Conversation.send`, a Lambda handler's decorator, a manager's delegation tool as the Agents SDK runs
it); code inside it never mentions the trace, except for `decided(...)`, the one-line note where your
own code makes a decision, and `guarded(...)`, where one of the playground's safeguards acts.
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .trace import Action, Decider, Event, Trace


@dataclass(frozen=True)
class Scope:
    """Where the calls being observed happen, and how their steps read."""

    trace: Trace
    """Where steps go."""
    caller: str = "code"
    """The actor whose code makes model calls and runs tools here: `code`, `lambda:…`, `manager`."""
    model: str | None = None
    """The actor that answers model calls here; None: the model itself (`model:<id>`, per client)."""
    decided_by: Decider = "llm"
    """Whose decisions the model's choices are: `llm`, or `sub-agent` inside a delegation."""
    notes_to: str = "code"
    """Where `decided(...)` notes point: the next actor your code hands over to."""
    agent_service: str | None = "runtime"
    """The actor of a managed agent service (Bedrock Agents); None when the agent is seen from
    outside as one actor (a sub-agent)."""
    parent: int | None = None
    """The step everything here nests under (a manager's delegation)."""

    def emit(self, actor: str, target: str, action: Action, decided_by: Decider, summary: str,
             detail: dict[str, Any] | None = None, **numbers: Any) -> Event:
        """Record a step in this scope's trace, nested under its parent."""
        return self.trace.emit(actor, target, action, decided_by, summary, detail, parent=self.parent, **numbers)

    def answerer(self, default: str) -> str:
        """The actor that answers a model call: the scope's sub-agent, or `default` (the client's model)."""
        return self.model or default


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("observed_scope", default=None)

ScopeFinder = Callable[[], "Scope | None"]
_finders: list[ScopeFinder] = []


def add_scope_finder(finder: ScopeFinder) -> None:
    """Let another edge supply a narrower scope (the Agents SDK: a delegation tool that is running)."""
    if finder not in _finders:
        _finders.append(finder)


def current() -> Scope | None:
    """The scope of the code running now, or None when nothing observes it."""
    for finder in _finders:
        found = finder()
        if found is not None:
            return found
    return _current.get()


@contextmanager
def observing(scope: Scope) -> Iterator[Scope]:
    """Observe everything run inside the block in `scope`."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def decided(summary: str, mistake: bool = False, **detail: Any) -> None:
    """The one-line note where your code decides something, e.g. `decided("ask for the missing time")`.

    `mistake=True` when the decision answers a model's mistake (a slot it was never offered, a loop):
    the step is then drawn as a model error.
    """
    scope = current()
    if scope is not None:
        scope.emit(scope.caller, scope.caller if mistake else scope.notes_to, "model_error" if mistake else "decide",
                   "code", summary, detail or None)


def guarded(safeguard: str, summary: str, target: str | None = None, **detail: Any) -> None:
    """The note where one of the playground's safeguards acts (`orchestration.safeguards`): drawn as your
    code under the safeguard's name, never as the pattern's own code."""
    scope = current()
    if scope is not None:
        scope.emit(f"safeguard:{safeguard}", target or scope.caller, "decide", "code", summary,
                   {"safeguard": safeguard, **detail})


# --- Model calls, as every vendor's hook reports them ----------------------------------------


@dataclass(frozen=True)
class ModelAnswer:
    """One model response, read from any vendor's wire format."""

    text: str
    """The text it wrote."""
    calls: tuple[tuple[str, Any], ...]
    """(tool, arguments) for each tool call it asked for."""
    tokens_in: int
    tokens_out: int


def model_called(scope: Scope, model: str, messages: int, tools: int) -> None:
    """Record that the caller's code sent a request to a model."""
    listed = (f"{messages} message{'s' * (messages != 1)}"
              + (f" and {tools} tool{'s' * (tools != 1)}" if tools else ", no tools"))
    scope.emit(scope.caller, scope.answerer(model), "call_model", "code", f"send {listed}")


def model_answered(scope: Scope, model: str, model_id: str, answer: ModelAnswer, offered_tools: bool, ms: float,
                   provider: str = "") -> None:
    """Record what a model answered: the tools it chose, a parse (JSON asked for without tools), or text.
    `provider` is the API's vendor as OpenTelemetry names it (`openai`, `anthropic`, `aws.bedrock`)."""
    actor = scope.answerer(model)
    numbers = {"tokens_in": answer.tokens_in, "tokens_out": answer.tokens_out, "ms": ms, "model_call": True}
    for n, (name, arguments) in enumerate(answer.calls):
        scope.emit(actor, scope.caller, "choose_tool", scope.decided_by, f"call {name}({_compact(arguments)})",
                   {"tool": name, "arguments": arguments, "rationale": answer.text, "model": model_id,
                    "provider": provider},
                   **(numbers if n == 0 else {}))
    if answer.calls:
        return
    if offered_tools and looks_like_a_tool_call(answer.text):
        scope.emit(actor, scope.caller, "model_error", scope.decided_by,
                   f"wrote a tool call as text, so nothing ran: {answer.text}",
                   {"text": answer.text, "model": model_id, "provider": provider}, **numbers)
        return
    parsed = _json_object(answer.text) if not offered_tools else None
    if parsed is not None:
        scope.emit(actor, scope.caller, "parse", scope.decided_by, f"parsed {_compact(parsed)}",
                   {"output": answer.text, "model": model_id, "provider": provider}, **numbers)
    else:
        scope.emit(actor, scope.caller, "answer", scope.decided_by, f"answer: {answer.text}",
                   {"text": answer.text, "model": model_id, "provider": provider}, **numbers)


def looks_like_a_tool_call(text: str) -> bool:
    """Whether a model's text is a tool call written out as prose (a JSON object naming a tool and its arguments)."""
    found = _json_object(text)
    return found is not None and "name" in found and bool({"arguments", "parameters", "args", "input"} & set(found))


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object a parser's answer holds (fences and prose around it allowed), or None."""
    match = re.search(r"\{.*\}", text, re.S)
    try:
        value = json.loads(match.group(0)) if match else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
