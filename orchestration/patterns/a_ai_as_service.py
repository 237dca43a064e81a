"""Pattern A — AI as a service: your code holds the state machine; the model only parses.

1. Your code keeps the conversation's state in its own store: intent, day, time, court, and the
   open slots it last found.
2. Each message goes to the model (Bedrock Converse) with one job: extract intent, date, time and
   court as JSON. The model decides nothing else.
3. Your code validates that JSON and merges it into the state.
4. Your code decides the next step from the state — ask for what is missing, call
   check_availability, ask which court, or call book — like any hand-written state machine.
5. Your code writes every reply from its own templates.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from time import perf_counter
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..calendar import Availability, Booked, Slot
from ..tools import ToolError, run_tool
from .base import Conversation, Deps, TurnFailed, court_list, human_when, today_line


class Parsed(BaseModel):
    """What the model may return: fields, never decisions."""

    intent: Literal["book", "check", "other"] | None = None
    date: datetime.date | None = None
    time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    court: str | None = Field(default=None, pattern=r"^([A-Za-z]|any)$")


@dataclass
class BookingState:
    """1. Your state store: everything the conversation has established so far."""

    intent: str | None = None
    date: str | None = None
    time: str | None = None
    court: str | None = None
    slots: list[Slot] | None = None
    asked: str = ""
    history: list[str] = field(default_factory=list)


def parse_prompt(today: datetime.date) -> str:
    """The model's only instruction: extract fields as JSON."""
    return (f"You extract tennis court booking requests. {today_line(today)} Read the user's message (and the "
            "question it answers, if given) and reply with only a JSON object with the keys intent (\"book\", "
            "\"check\" or \"other\"), date (YYYY-MM-DD), time (HH:MM, 24-hour) and court (\"A\"-\"D\", or \"any\"). "
            "Use null for anything the message does not say.")


class AiAsAService(Conversation):
    """Pattern A. State: yours. Decisions: yours. The model: a parser."""

    letter = "A"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.client = deps.clients.aws("bedrock-runtime")
        self.model = deps.clients.model_id("aws")
        self.model_actor = deps.clients.actor("aws")
        # 1. Your state store (a DynamoDB table or a session on a server; here, this object).
        self.state = BookingState()

    def respond(self, text: str) -> str:
        # 2. The model parses (and 3. your code validates what it returns).
        parsed = self._parse(text)
        if parsed is None:
            return self._ask("Sorry, I couldn't read that. Which day and time would you like to play?",
                             "the parse was unreadable → ask again; state unchanged")
        # 3. Your code merges the fields into the state.
        self._merge(parsed)
        # 4. Your code decides the next step, and 5. writes the reply.
        return self._next_step()

    def _parse(self, text: str) -> Parsed | None:
        question = f"Previous question: {self.state.asked}\n" if self.state.asked else ""
        self.trace.emit("code", self.model_actor, "call_model", "code", "parse: extract intent, date, time, court")
        started = perf_counter()
        response = self.client.converse(
            modelId=self.model, system=[{"text": parse_prompt(self.deps.clock.today())}],
            messages=[{"role": "user", "content": [{"text": f"{question}Message: {text}"}]}],
            inferenceConfig={"maxTokens": 200, "temperature": 0})
        raw = "".join(block.get("text", "") for block in response["output"]["message"]["content"])
        usage = response.get("usage", {})
        try:
            parsed = Parsed.model_validate(json.loads(_json_text(raw)))
        except (ValueError, ValidationError) as error:
            parsed, summary = None, f"unreadable output ({type(error).__name__})"
        else:
            summary = f"parsed {parsed.model_dump_json(exclude_none=True)}"
        self.trace.emit(self.model_actor, "code", "parse", "llm", summary, {"output": raw},
                        tokens_in=usage.get("inputTokens", 0), tokens_out=usage.get("outputTokens", 0),
                        ms=(perf_counter() - started) * 1000, model_call=True)
        return parsed

    def _merge(self, parsed: Parsed) -> None:
        state = self.state
        if parsed.intent in ("book", "check") and state.intent != "book":
            state.intent = parsed.intent
        if parsed.court and parsed.intent != "check" and state.asked.endswith(("Which one?", "Would you like to book one?",
                                                                                "Would you like to book it?")):
            state.intent = "book"  # naming a court in answer to "which one?" means: book it
        if parsed.date and parsed.date.isoformat() != state.date:
            state.date, state.slots = parsed.date.isoformat(), None
        if parsed.time and parsed.time != state.time:
            state.time, state.slots = parsed.time, None
        if parsed.court:
            state.court = parsed.court if parsed.court == "any" else parsed.court.upper()
        self._decide(f"merge → {json.dumps({k: getattr(state, k) for k in ('intent', 'date', 'time', 'court')})}")

    def _next_step(self) -> str:
        state = self.state
        if state.intent is None and not (state.date or state.time):
            return self._ask("I can check which courts are free or book one for you. Which day and time?",
                             "no intent, no day, no time → explain what I can do")
        if not state.date:
            return self._ask("Which day would you like to play?", "day missing → ask for it")
        if not state.time:
            return self._ask("What time would you like?", "time missing → ask for it")
        when = human_when(state.date, state.time)
        if state.court not in (None, "any", "A", "B", "C", "D"):
            unknown, state.court = state.court, None
            return self._ask(f"There is no court {unknown}; the club has courts A, B, C and D. Which would you like?",
                             f"court {unknown} does not exist → say so, ask again")
        if state.slots is None:
            self._decide("day and time known, availability unknown → call check_availability")
            result = self._run("check_availability", {"date": state.date, "time": state.time})
            if not isinstance(result, Availability):
                state.time = None
                return self._ask(f"{result.message} What time would you like instead?", "refused → explain, ask again")
            state.slots = result.slots
        free = [slot.court for slot in state.slots]
        if not free:
            state.time, state.slots = None, None
            return self._ask(f"Sorry, no courts are free on {when}. What other time would you like?",
                             "nothing free → ask for another time")
        if state.intent == "check":
            named = state.court if state.court in ("A", "B", "C", "D") else None
            answer = (f"Court {named} is free on {when}." if named in free else
                      (f"Court {named} is taken on {when}; " if named else "") +
                      f"{court_list(free) if named else _upper_first(court_list(free))} "
                      f"{'is' if len(free) == 1 else 'are'} free{'' if named else f' on {when}'}.")
            return self._ask(f"{answer} Would you like to book {'it' if named in free or len(free) == 1 else 'one'}?",
                             "only a question → answer it; no booking")
        court = free[0] if state.court == "any" or (state.court is None and len(free) == 1) else state.court
        if court is None:
            return self._ask(f"{_upper_first(court_list(free))} are available on {when}. Which one?",
                             f"{len(free)} courts free, none chosen → ask which")
        if court not in free:
            state.court = None
            return self._ask(f"Court {court} is taken on {when}; {court_list(free)} {'is' if len(free) == 1 else 'are'} free. "
                             "Which one?", f"court {court} not free → offer the free ones")
        self._decide(f"every field known, court {court} free → call book")
        result = self._run("book", {"slot_id": next(s.slot_id for s in state.slots if s.court == court)})
        self.state = BookingState()  # this request is done: start the next one clean
        if isinstance(result, Booked):
            return f"Booked! Court {result.court}, {human_when(result.date, result.time)}. Confirmation: {result.confirmation}."
        return f"That didn't work: {result.message}"

    def _run(self, name: str, arguments: dict) -> object:
        """Run a tool; your code retries once when the calendar could not be reached."""
        for attempt in (1, 2):
            started = perf_counter()
            outcome = run_tool(name, arguments, self.booking)
            self.trace.emit("code", "calendar", "execute_tool", "code", f"run {name} → {outcome.result.status}",
                            {"tool": name, "arguments": arguments, "result": outcome.as_dict()},
                            ms=(perf_counter() - started) * 1000)
            if not isinstance(outcome.result, ToolError):
                return outcome.result
            if attempt == 1:
                self._decide(f"{name} failed → try once more")
        raise TurnFailed(f"the calendar could not be reached ({outcome.result.message}); nothing was booked")

    def _ask(self, question: str, why: str) -> str:
        self.state.asked = question
        self._decide(why)
        return question

    def _decide(self, summary: str) -> None:
        self.trace.emit("code", "code", "decide", "code", summary)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _json_text(raw: str) -> str:
    """The JSON object in a model's text, without code fences or prose around it."""
    match = re.search(r"\{.*\}", raw, re.S)
    return match.group(0) if match else raw
