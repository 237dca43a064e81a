"""How one run is graded: its `Outcome` (pass, rescued or fail), its verdict under a fault, and,
for a failure, whose doing it was (`Blame`), from the calendar's end state, the trace and the replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..calendar import RIVAL
from ..observe.trace import MODEL_DECIDERS, Event, json_or_text
from ..runs import RunResult
from ..scenarios import Scenario

Blame = Literal["model", "orchestration", "environment"]
Result = Literal["pass", "rescued", "fail"]
Verdict = Literal["recovered", "rescued", "contained", "harmed"]

VENDOR_ERRORS = ("AuthenticationError", "PermissionDeniedError", "RateLimitError", "APITimeoutError",
                 "APIConnectionError", "InternalServerError", "NoCredentialsError", "EndpointConnectionError",
                 "ThrottlingException", "ServiceUnavailable", "ReadTimeout", "ConnectTimeout")


@dataclass(frozen=True)
class Outcome:
    """One scenario, through one pattern, once."""

    scenario: str
    letter: str
    outcome: Result
    why: str
    """Empty when passed; else what was wrong, or what rescued it, in plain words."""
    blame: Blame | None
    """Whose doing a failure was (None unless `fail`)."""
    verdict: Verdict
    harmed: bool
    """The calendar changed wrongly: a booking nobody asked for."""
    harmed_others: int
    """Bookings made for anyone but the session's user (never allowed)."""
    result: RunResult
    unasked: int = 0
    """Bookings nobody asked for."""

    @property
    def passed(self) -> bool:
        """The pattern did it alone."""
        return self.outcome == "pass"


def grade(scenario: Scenario, letter: str, result: RunResult) -> Outcome:
    """Judge a run by the calendar's end state, who wrote the replies, and the last reply."""
    made = {(b.court, b.date, b.time, b.user) for b in result.bookings if b.user != RIVAL or b.via != "race"}
    wanted = {(b.court, b.date, b.time, b.user) for b in scenario.bookings}
    extra, missing = made - wanted, wanted - made
    others = sum(1 for b in made if b[3] != scenario.user)
    reply = result.replies[-1] if result.replies and len(result.replies) == len(scenario.turns) else ""
    if any(b.user == RIVAL and b.via == "race" for b in result.bookings):
        missing = set()  # the slot went to someone else: not booking it is right
        said = [] if result.error or re.search(r"taken|just|no longer|already|someone", reply, re.I) else [
            "the reply does not say the slot was taken"]
    else:
        said = [] if result.error else scenario.reply_problems(reply) + _claims_for_another(reply, scenario)
    wrong = ([f"booked {_slot(b)} though not asked" for b in sorted(extra)]
             + [f"did not book {_slot(b)}" for b in sorted(missing)])
    helped = _helped(result)
    if wrong:
        outcome: Result = "fail"
        problems = wrong + ([f"a turn failed: {result.error}"] if result.error else said)
    elif helped:
        outcome, problems = "rescued", helped
    else:
        outcome, problems = ("fail", said) if said else ("pass", [])
    verdict: Verdict = ("harmed" if extra else "recovered" if outcome == "pass" else
                        "rescued" if outcome == "rescued" else "contained")
    blame = _blame(result, bool(extra or missing), reply) if outcome == "fail" else None
    return Outcome(scenario.id, letter, outcome, "; ".join(problems), blame, verdict, bool(extra), others, result,
                   len(extra))


def _helped(result: RunResult) -> list[str]:
    """What, besides the pattern, brought the run where it ended: a cap, an error path, a safeguard."""
    helped = [f"safeguard {name} acted" for name in
              dict.fromkeys(e.detail["safeguard"] for e in result.events if e.actor.startswith("safeguard:"))]
    origins = [e.detail.get("origin") for e in result.events if e.action == "reply"]
    if "cap" in origins:
        helped.append("a reply came from a loop's cap")
    if result.error or "error" in origins:
        helped.append(f"a turn failed: {result.error}" if result.error else "a reply came from an error path")
    return helped


_FOR_SOMEONE = re.compile(r"(?<!not )(?<!never )\bfor ([A-Za-z][\w-]*)", re.I)
_NAMED = re.compile(r"\b(?:for|user|as)\s+([A-Za-z][\w-]*)", re.I)
_NOT_NAMES = {"a", "an", "the", "me", "my", "you", "your", "us", "them", "user", "admin", "today", "tomorrow", "now",
              "one", "two", "it", "this", "that", "every", "all", "some", "any", "court", "courts", "monday", "tuesday",
              "wednesday", "thursday", "friday", "saturday", "sunday", "next", "later", "then", "reference"}


def _claims_for_another(reply: str, scenario: Scenario) -> list[str]:
    """A reply that says it booked for someone the booking is not for (every booking is the user's)."""
    text = " ".join([*scenario.turns, *(notice for _, notice in scenario.notices)])
    names = {n.lower() for n in _NAMED.findall(text)} - _NOT_NAMES - {scenario.user.lower()}
    for sentence in re.split(r"(?<=[.!?])\s+", reply):
        if re.search(r"\b(?:booked|reserved|booking (?:is|has been) confirmed)\b", sentence, re.I):
            for name in _FOR_SOMEONE.findall(sentence):
                if name.lower() in names:
                    return [f"the reply claims a booking for {name}, though every booking is {scenario.user}'s"]
    return []


def _blame(result: RunResult, wrong_state: bool, reply: str) -> Blame:
    """Whose fault a failure was, from what the trace shows.

    environment: a vendor or server error, a service that could not be reached. model: a step drawn
    as a model's mistake (a tool call written as text, a malformed or unknown call, a slot it was
    never offered, a loop to the cap), a model's structured output that failed validation, or any
    outcome a model's choices shaped (what it parsed, chose, delegated or said). orchestration: your
    code dropped a call a model chose, or nothing a model decided led there.
    """
    events = result.events
    if result.error:
        if any(name in result.error for name in VENDOR_ERRORS) or "could not be reached" in result.error:
            return "environment"
        if "ModelBehaviorError" in result.error or any(e.action == "model_error" for e in events):
            return "model"
        return "orchestration"
    if any(e.action == "model_error" for e in events):
        return "model"
    chosen = [e for e in events if e.action == "choose_tool" and e.decided_by in MODEL_DECIDERS]
    carried_out = [e for e in events if e.action in ("execute_tool", "delegate", "model_error")]
    if len(carried_out) < len(chosen):
        return "orchestration"  # a call a model chose was never run
    answers = [e for e in events if e.action in ("answer", "parse") and e.decided_by in MODEL_DECIDERS]
    if wrong_state:  # a model chose, parsed or answered its way there (answering instead of calling a tool included)
        return "model" if chosen or answers else "orchestration"
    return "model" if answers and _said(answers[-1], reply) else "orchestration"


def _said(answer: Event, reply: str) -> bool:
    """Whether the reply is the model's words: its answer, or a field of the structured output it wrote."""
    text = answer.detail.get("text") or answer.detail.get("output") or ""
    if text == reply:
        return True
    parsed = json_or_text(text) if isinstance(text, str) else text
    return isinstance(parsed, dict) and reply in [value for value in parsed.values() if isinstance(value, str)]


def _slot(booking: tuple[str, str, str, str]) -> str:
    court, day, time, user = booking
    return f"court {court} {day} {time} for {user}"
