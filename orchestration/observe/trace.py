"""The decision trace: one typed event per step, saying who decided it.

Patterns emit events as they run; subscribers (the live graph, the CLI) receive each one as it
happens. A trace exports as JSON and as a Mermaid sequence diagram. Secrets registered with the
trace are scrubbed from every event before anyone sees it.

Actors are short ids, rendered for people by `actor_label`:
`user`, `code` (your code), `model:<id>`, `runtime` (an agent runtime: the Agents SDK's Runner,
Bedrock's agent service), `manager`, `sub-agent:<name>`, `lambda:<name>`, `calendar`, and
`safeguard:<name>` (a check of the playground's own, not the pattern's: see `orchestration/safeguards.py`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Decider = Literal["code", "llm", "manager", "sub-agent", "user"]
DECIDERS: tuple[Decider, ...] = ("code", "llm", "manager", "sub-agent", "user")
MODEL_DECIDERS: tuple[Decider, ...] = ("llm", "manager", "sub-agent")
"""Deciders that are models: the pattern's model, a manager agent, a sub-agent."""


def code_share(decisions: Mapping[str, int]) -> float:
    """Share of decisions made by code rather than a model (users' own turns left out)."""
    code, models = decisions.get("code", 0), sum(decisions.get(d, 0) for d in MODEL_DECIDERS)
    return code / (code + models) if code + models else 0.0

Action = Literal[
    "message",  # the user says something
    "call_model",  # code (or a runtime) sends a request to a model
    "parse",  # a model turns text into fields
    "choose_tool",  # a model asks for a tool call
    "execute_tool",  # a tool runs against the calendar (detail holds arguments and result)
    "decide",  # code or a runtime picks the next step itself
    "delegate",  # a manager hands a task to a sub-agent or Lambda
    "answer",  # a model or sub-agent produces text
    "reply",  # the text goes back to the user
    "model_error",  # a model's mistake: a tool call written as text, a malformed or unknown call, a loop to the cap
]

ACTIONS: tuple[str, ...] = get_args(Action)


@dataclass(frozen=True)
class Event:
    """One step of a run."""

    step: int
    """Position in the trace, from 1."""
    turn: int
    """User turn this step belongs to, from 1."""
    actor: str
    """Who acted (see the module docstring)."""
    target: str
    """Who the step went to: the other end of the edge in the graph."""
    action: Action
    """What kind of step it was."""
    decided_by: Decider
    """Whose decision the step was."""
    summary: str
    """One line for people."""
    detail: Mapping[str, Any] = field(default_factory=dict)
    """Arguments, results, rationale: JSON-ready data."""
    tokens_in: int = 0
    """Tokens the model read, on the event that reports a model call."""
    tokens_out: int = 0
    """Tokens the model wrote."""
    ms: float = 0.0
    """How long the step took."""
    model_call: bool = False
    """True on the one event that reports each model call."""
    parent: int | None = None
    """Step this one is nested under (a sub-agent's steps under the manager's delegation)."""
    at: float = field(default=0.0, compare=False)
    """Seconds from the trace's start to when the step was recorded (its end); a timing, so two
    events that say the same are equal whenever they happened."""

    @property
    def failed(self) -> bool:
        """A step that went wrong: a model's mistake, a tool that errored or refused, a failed call or turn."""
        result = self.detail.get("result")
        status = result.get("status") if isinstance(result, Mapping) else None
        return (self.action == "model_error" or status in ("error", "refused")
                or self.summary.startswith("failed") or self.summary.endswith("→ error"))

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data."""
        return asdict(self) | {"detail": dict(self.detail)}


Subscriber = Callable[[Event], None]

_LABELS = {"user": "You", "code": "Your code", "runtime": "Agent runtime", "manager": "Manager", "calendar": "Calendar"}
_PREFIXES = {"model": "Model", "sub-agent": "Sub-agent", "lambda": "Lambda", "runtime": "Agent runtime",
             "safeguard": "Safeguard"}


def json_or_text(value: Any) -> Any:
    """A tool's output as event detail: parsed JSON when it is JSON, else its text."""
    if value is None:
        return None
    try:
        return json.loads(value if isinstance(value, str) else str(value))
    except ValueError:
        return str(value)


def actor_label(actor: str) -> str:
    """How an actor id reads for people: `model:gpt-4o` -> `Model gpt-4o`."""
    if actor in _LABELS:
        return _LABELS[actor]
    kind, _, name = actor.partition(":")
    if kind == "model" and "model" in name:
        return name[:1].upper() + name[1:]
    return f"{_PREFIXES.get(kind, kind.capitalize())} {name}".strip()


class PromptLedger:
    """What a server read for each model call of a run: the prompt tokens sent, those it evaluated (not
    served from its cache; None when the server does not say), and the floor, the tokens after the
    longest prefix the call shares with any earlier call of the run, which no cache could avoid
    (None when the server cannot tokenize for us).

    Filled at the edge (`local_server.ServerAdapter`); a Lambda's calls come back with its answer and
    are adopted into the caller's run (`observe.lambdas`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prompts: list[list[int]] = []
        self._tokens: list[list[int] | None] = []
        self.calls: list[tuple[int, int, int | None, int | None]] = []
        """(turn, sent, evaluated, floor) per model call."""

    def add(self, turn: int, sent: int, evaluated: int | None, tokens: list[int] | None) -> None:
        with self._lock:
            floor = None
            if tokens is not None:
                floor = len(tokens) - max((_shared(tokens, seen) for seen in self._prompts), default=0)
                self._prompts.append(tokens)
            self._tokens.append(tokens)
            self.calls.append((turn, sent, evaluated, floor))

    def records(self) -> list[dict[str, Any]]:
        """Each call as JSON-ready data with its prompt's tokens (what a Lambda returns to its caller)."""
        with self._lock:
            return [{"sent": sent, "evaluated": evaluated, "tokens": tokens}
                    for (_, sent, evaluated, _), tokens in zip(self.calls, self._tokens)]

    def adopt(self, records: Iterable[Mapping[str, Any]], turn: int) -> None:
        """Count calls made elsewhere in this run (inside a Lambda) as this run's, in turn `turn`."""
        for record in records:
            tokens = record.get("tokens")
            self.add(turn, int(record.get("sent") or 0), record.get("evaluated"),
                     [int(t) for t in tokens] if isinstance(tokens, list) else None)

    def totals(self, turns: set[int] | None = None) -> dict[str, int | None]:
        """`prompt_tokens`, `prompt_tokens_evaluated`, `prompt_tokens_floor`, summed over the turns."""
        with self._lock:
            chosen = [c for c in self.calls if turns is None or c[0] in turns]

        def total(values: list[int | None]) -> int | None:
            return sum(values) if values and None not in values else None
        return {"prompt_tokens": sum(c[1] for c in chosen), "prompt_tokens_evaluated": total([c[2] for c in chosen]),
                "prompt_tokens_floor": total([c[3] for c in chosen])}


def _shared(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class Trace:
    """The events of one conversation, in order, with live subscribers. Safe across threads."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._events: list[Event] = []
        self._subscribers: list[Subscriber] = []
        self._lock = threading.RLock()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self.turn = 0
        self.started = time.perf_counter()
        self.started_at = time.time()
        """Wall-clock start, for exports that need absolute times."""
        self.prompts = PromptLedger()
        """The prompt tokens a local server read, per model call (empty for other models)."""

    # Recording ---------------------------------------------------------------------------------

    def begin_turn(self) -> int:
        """Start the next user turn; returns its number."""
        with self._lock:
            self.turn += 1
            return self.turn

    def emit(
        self,
        actor: str,
        target: str,
        action: Action,
        decided_by: Decider,
        summary: str,
        detail: Mapping[str, Any] | None = None,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        ms: float = 0.0,
        model_call: bool = False,
        parent: int | None = None,
    ) -> Event:
        """Record a step and hand it to every subscriber."""
        with self._lock:
            event = Event(
                step=len(self._events) + 1, turn=max(self.turn, 1), actor=actor, target=target, action=action,
                decided_by=decided_by, summary=self.scrub(" ".join(summary.split())),
                detail=self.scrub(dict(detail or {})), tokens_in=tokens_in, tokens_out=tokens_out,
                ms=round(ms, 2), model_call=model_call, parent=parent, at=round(time.perf_counter() - self.started, 4),
            )
            self._events.append(event)
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber(event)
        return event

    def adopt(self, events: Iterable[Mapping[str, Any]], parent: int) -> list[Event]:
        """Re-emit events recorded elsewhere (a Lambda's own trace) nested under step `parent`.

        Steps are renumbered in this trace; nesting inside the foreign trace is kept.
        """
        renumbered: dict[int, int] = {}
        adopted = []
        for raw in events:
            nested = renumbered.get(raw.get("parent")) if raw.get("parent") is not None else None
            action = raw.get("action") if raw.get("action") in ACTIONS else "answer"
            decided_by = raw.get("decided_by") if raw.get("decided_by") in DECIDERS else "sub-agent"
            event = self.emit(
                str(raw["actor"]), str(raw["target"]), action, decided_by, str(raw["summary"]),
                raw.get("detail") or {}, tokens_in=int(raw.get("tokens_in", 0)),
                tokens_out=int(raw.get("tokens_out", 0)),
                ms=float(raw.get("ms", 0.0)), model_call=bool(raw.get("model_call")), parent=nested or parent,
            )
            renumbered[int(raw.get("step", 0))] = event.step
            adopted.append(event)
        return adopted

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Receive every future event; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(subscriber)
        return lambda: self._unsubscribe(subscriber)

    def _unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

    def scrub(self, value: Any) -> Any:
        """`value` with every registered secret replaced by `***`."""
        if not self._secrets:
            return value
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, "***")
            return value
        if isinstance(value, Mapping):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        return value

    # Reading -----------------------------------------------------------------------------------

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event so far."""
        with self._lock:
            return tuple(self._events)

    def of_turn(self, turn: int) -> list[Event]:
        """The events of one user turn."""
        return [e for e in self.events if e.turn == turn]

    def metrics(self, events: Iterable[Event] | None = None) -> dict[str, Any]:
        """Counts for a run: model calls, tool calls, tokens and decisions per decider."""
        chosen = list(self.events if events is None else events)
        decisions = Counter(e.decided_by for e in chosen)
        prompts = self.prompts.totals(None if events is None else {e.turn for e in chosen})
        if not self.prompts.calls:  # not a local server: what the models' answers said they read
            prompts["prompt_tokens"] = sum(e.tokens_in for e in chosen)
        return {
            "llm_calls": sum(e.model_call for e in chosen),
            "tool_calls": sum(e.action == "execute_tool" for e in chosen),
            "tokens_in": sum(e.tokens_in for e in chosen),
            "tokens_out": sum(e.tokens_out for e in chosen),
            **prompts,
            "decisions": {d: decisions[d] for d in DECIDERS if decisions[d]},
        }

    # Export ------------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Every event as JSON-ready data (what a Lambda returns for its caller to `adopt`)."""
        return [e.to_dict() for e in self.events]

    def to_json(self, indent: int | None = 2) -> str:
        """The whole trace as JSON: events and metrics."""
        return json.dumps({"events": self.records(), "metrics": self.metrics()}, indent=indent)

    def to_mermaid(self) -> str:
        """The trace as a Mermaid sequence diagram, one arrow per step."""
        events = self.events
        actors: list[str] = []
        for event in events:
            for actor in (event.actor, event.target):
                if actor not in actors:
                    actors.append(actor)
        ids = {actor: f"p{n}" for n, actor in enumerate(actors, start=1)}
        lines = ["sequenceDiagram"]
        lines += [f"    participant {ids[a]} as {_mermaid_text(actor_label(a))}" for a in actors]
        for event in events:
            arrow = "-->>" if event.action in ("answer", "reply", "parse", "choose_tool", "model_error") else "->>"
            text = _mermaid_text(f"{event.step}. {event.summary} [{event.decided_by}]")
            lines.append(f"    {ids[event.actor]}{arrow}{ids[event.target]}: {text}")
        return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Text safe inside a Mermaid message: no line breaks, and its special characters as entities."""
    text = " ".join(text.split())[:160]
    return re.sub(r'[#;<>"]', lambda m: _MERMAID_ENTITIES[m.group()], text)


_MERMAID_ENTITIES = {"#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;", '"': "#quot;"}
