"""What every pattern shares: its dependencies, its conversation interface, and how a turn is framed.

A pattern is a `Conversation` subclass. It is started with `Deps` — calendar, user, SDK clients,
trace, clock — built at the edge (the CLI, a page, a test), and then `send` is called once per user
message. `send` records the user's message and the reply in the trace, and observes everything in
between (`orchestration.observe`): the pattern's `respond` only does its work, noting with
`decided(...)` where its own code makes a decision.
"""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from time import perf_counter
from typing import TYPE_CHECKING, Any, ClassVar

from ..aws.lambdas import AwsLambdaRuntime, LambdaRuntime, LocalLambdaRuntime, environment_for
from ..calendar import BookingRow, Calendar, Clock
from ..identity import BookingContext
from ..observe import Scope, current, observing
from ..observe.lambdas import ObservedLambdas
from ..observe.trace import Trace
from ..safeguards import calendar_word
from ..vendors.clients import Clients
from ..vendors.settings import Settings

if TYPE_CHECKING:
    from ..observe.sdk_trace import Roles

MAX_STEPS = 8
"""Default cap on model calls per user turn, in every loop of every pattern."""
MAX_MESSAGE_CHARS = 2000
"""Longer messages are cut to this many characters before any model sees them."""

ASSISTANT_RULES = """\
Check availability before booking. If several courts are free and the user named none, ask which one.
Ask for anything missing (day, time, court). Never book twice for one request. When a booking is
confirmed, state the court, day, time and confirmation code. Bookings are always for the signed-in user."""
"""The rules every user-facing booking assistant is given, whatever the pattern."""


def today_line(today: date) -> str:
    """How prompts state the date, e.g. "Today is 2025-12-03 (Wednesday)."."""
    return f"Today is {today.isoformat()} ({today:%A})."


@dataclass(frozen=True)
class Deps:
    """Everything a pattern needs from outside. Built once per conversation at the edge."""

    calendar: Calendar
    """The court calendar."""
    user: str
    """The signed-in user; bound to every booking by code, never chosen by a model."""
    clients: Clients = field(default_factory=Clients)
    """SDK clients for this session, each wired to its vendor or the offline model."""
    trace: Trace = field(default_factory=Trace)
    """Where the pattern's steps go."""
    clock: Clock = Clock()
    """Source of "today"."""
    max_steps: int = MAX_STEPS
    """Cap on model calls per user turn."""

    @classmethod
    def of(cls, calendar: Calendar, user: str, settings: Settings, max_steps: int = MAX_STEPS) -> Deps:
        """Dependencies for a conversation: clients built from `settings`, a trace that scrubs their
        secrets, and the calendar's own clock."""
        return cls(calendar=calendar, user=user, clients=Clients(settings), trace=Trace(settings.secrets()),
                   clock=calendar.clock, max_steps=max_steps)

    def booking(self, via: str) -> BookingContext:
        """The tools' context for this session: calendar and user, labelled with the pattern."""
        return BookingContext(calendar=self.calendar, user=self.user, via=via)

    def lambdas(self) -> LambdaRuntime:
        """How your code invokes the project's Lambda functions, its invocations observed."""
        return ObservedLambdas(self.lambda_runtime())

    def lambda_runtime(self) -> LambdaRuntime:
        """How this session's functions are invoked: in-process, or on AWS when configured. Unobserved:
        this is also what an agent service calls its action groups through."""
        settings = self.clients.settings
        if settings.lambda_mode == "aws":
            return AwsLambdaRuntime(self.clients.aws("lambda"), settings.lambda_prefix)
        today = self.clock.fixed.date().isoformat() if self.clock.fixed else ""
        return LocalLambdaRuntime(environment_for(self.calendar.path, today, settings.as_env()))


class TurnFailed(Exception):
    """A turn could not finish (a vendor error, a timeout). The message says why, in plain words."""


class Conversation(ABC):
    """One conversation through one pattern."""

    letter: ClassVar[str]
    """The pattern's letter, A to G."""
    hands_over_to: ClassVar[str] = "code"
    """Where your code's `decided(...)` notes point: the actor it hands the work to next."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.trace = deps.trace
        self.id = f"pattern-{self.letter.lower()}-{uuid.uuid4().hex[:12]}"
        self.roles: Roles | None = None
        """How the Agents SDK run's agents read in the trace; set by the patterns that use the SDK."""
        self._first_booking = deps.calendar.last_id()
        self.reply_origin = "pattern"
        """Who wrote this turn's reply: `pattern`, `cap` (a loop's cap), `safeguard`, or `error`."""

    def send(self, text: str) -> str:
        """Send one user message; returns the reply. Steps stream into `deps.trace` meanwhile."""
        text = text.strip()[:MAX_MESSAGE_CHARS]
        unreadable = not _is_text(text)
        if unreadable:  # lone surrogates (a paste of broken bytes): say so; no model or service could read them
            text = text.encode("utf-8", "replace").decode("utf-8")
        self.trace.begin_turn()
        self.trace.emit("user", "code", "message", "user", _quote(text), {"text": text})
        started, self._first_booking, self.reply_origin = perf_counter(), self.deps.calendar.last_id(), "pattern"
        try:
            with observing(Scope(self.trace, notes_to=self.hands_over_to)), self._sdk_trace():
                reply = ("Part of that message is not readable text (broken characters). Please type it again."
                         if unreadable else self.respond(text) if text else
                         "Please type a message — for example, “Book a court for tomorrow at 3pm”.")
                reply = self.checked_against_calendar(reply)
        except Exception as error:  # a vendor SDK or network error: say which (and, with calendar-word, what it holds)
            told = str(error) if isinstance(error, TurnFailed) else describe_error(error, self.trace.scrub)
            if self.safeguards_on:
                with observing(Scope(self.trace)):
                    told = calendar_word(told, self.made_this_turn(), "the turn failed")
            self.trace.emit("code", "user", "reply", "code", f"failed: {told}", {"error": told, "origin": "error"},
                            ms=(perf_counter() - started) * 1000)
            raise TurnFailed(told) from error
        self.trace.emit("code", "user", "reply", "code", _quote(reply), {"text": reply, "origin": self.reply_origin},
                        ms=(perf_counter() - started) * 1000)
        return reply

    @abstractmethod
    def respond(self, text: str) -> str:
        """Everything between the user's message and the reply."""

    def made_this_turn(self) -> list[BookingRow]:
        """This user's bookings made during this turn, as the calendar holds them."""
        return [b for b in self.deps.calendar.bookings(after_id=self._first_booking) if b.user == self.deps.user]

    @property
    def safeguards_on(self) -> bool:
        """Whether the playground's own checks run around this pattern (`orchestration.safeguards`)."""
        return self.deps.clients.settings.safeguards_on

    def checked_against_calendar(self, reply: str) -> str:
        """Observe whether the reply contradicts the calendar; with the calendar-word safeguard, say what it holds.

        Two ways a reply can: it claims a booking the calendar does not hold ("I have booked court A",
        or a code that is not this user's), or it leaves out one this turn made ("Sorry, I can't help"
        after booking court B). The trace marks either in both settings; only the safeguard changes
        what the user reads."""
        codes = set(_CODE.findall(reply))
        made = self.made_this_turn()
        problem = None
        if codes or _CLAIMS_A_BOOKING.search(reply):
            held = {b.confirmation for b in self.deps.calendar.bookings() if b.user == self.deps.user}
            if (codes and not codes <= held) or (not codes and not made):
                problem = "the reply claims a booking the calendar does not hold"
        if problem is None and any(b.confirmation not in codes for b in made):
            problem = "the reply leaves out a booking made in this turn"
        if problem is None:
            return reply
        scope = current()
        if scope is not None:
            scope.emit(scope.caller, "user", "model_error", "code", f"{problem} (checked against the calendar)",
                       {"contradicts_calendar": problem})
        if not self.safeguards_on:
            return reply
        if self.reply_origin == "pattern":
            self.reply_origin = "safeguard"
        return calendar_word(reply, made, problem)

    def stopped(self, who: str, reason: str = "") -> str:
        """The reply when a loop ends before the model answered: your code's words, saying why.

        Without `reason`, the loop reached its cap; a safeguard that stops a loop gives its reason."""
        if reason:
            self.reply_origin = "safeguard"
            return f"{who} stopped because {reason}. Please try again or rephrase."
        cap = self.deps.max_steps
        calls = f"{cap} model call{'s' * (cap != 1)}"
        scope = current()
        if scope is not None:
            scope.emit(scope.caller, scope.caller, "model_error", "code", f"stop: the cap of {calls} was reached",
                       {"max_steps": cap})
        self.reply_origin = "cap"
        return f"{who} stopped after {calls} without an answer (the cap per message). Please try again or rephrase."

    def _sdk_trace(self) -> Any:
        """The Agents SDK trace of this turn, for the patterns whose agents run on the SDK."""
        if self.roles is None:
            return nullcontext()
        from ..observe.sdk_trace import traced_run

        return traced_run(self.trace, f"Pattern {self.letter}", self.roles, group_id=self.id)

    @property
    def booking(self) -> BookingContext:
        """The tools' context: this session's calendar and user, labelled with this pattern."""
        return self.deps.booking(self.letter)


_CODE = re.compile(r"\bTC-[0-9A-F]{6}\b")
_CLAIMS_A_BOOKING = re.compile(r"\b(?:I|we)(?:'ve| have)?\s+(?:just\s+|now\s+|successfully\s+)?(?:booked|reserved)\b"
                               r"|\b(?:booking|reservation) (?:is|has been) confirmed\b|^\s*booked\b", re.I)
"""Words that say a booking was made: "I have booked …", "Booked! …", "your booking is confirmed"."""


def describe_error(error: BaseException, scrub: Callable[[str], str] = lambda text: text) -> str:
    """A vendor error in plain words: what kind, and what the service said, scrubbed by `scrub` before it
    is cut short (so no key is left half in)."""
    kind = type(error).__name__
    hints = {
        "AuthenticationError": "the API key was rejected",
        "PermissionDeniedError": "the key may not use this model",
        "RateLimitError": "the service is rate-limiting requests; wait a moment",
        "APITimeoutError": "the service did not answer in time",
        "APIConnectionError": "the service could not be reached",
        "NotFoundError": "the model id was not found, or the server lacks this API (a server without the Responses "
                         "API needs OPENAI_AGENTS_API=chat_completions)",
        "NoCredentialsError": "no AWS credentials were found",
        "EndpointConnectionError": "the AWS endpoint could not be reached",
    }
    message = scrub(" ".join(str(error).split()))[:300]
    hint = hints.get(kind)
    if kind == "ClientError" and hasattr(error, "response"):
        code = error.response.get("Error", {}).get("Code", "")  # type: ignore[attr-defined]
        hint = {"AccessDeniedException": "these AWS credentials may not call this model or agent",
                "ThrottlingException": "AWS is throttling requests; wait a moment",
                "ResourceNotFoundException": "the model, agent or alias id was not found",
                "ValidationException": "the request was not accepted"}.get(code, hint)
    return f"{kind}: {hint} — {message}" if hint else f"{kind}: {message}"


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _quote(text: str, limit: int = 90) -> str:
    one_line = " ".join(text.split())
    return f"“{one_line[:limit]}{'…' if len(one_line) > limit else ''}”"
