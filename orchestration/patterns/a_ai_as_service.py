"""Pattern A — AI as a service: your code holds the state machine; the model only parses.

1. Your code keeps the conversation's state in its own store: intent, day, time, court, the open
   slots it last found, and the messages of the request so far.
2. Each message goes to the model (Bedrock Converse), after the request's earlier messages, with one
   job: extract intent, date, time and court, as structured output (a JSON schema). The model
   decides nothing else.
3. Your code validates that JSON and merges it into the state.
4. Your code decides the next step from the state: ask for what is missing, check availability,
   ask which court, or book. A hand-written state machine.
5. Your code writes every reply from its own templates.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..calendar import COURTS, Availability, Booked, Slot, court_list, human_when
from ..observe import decided
from ..tools import ToolError, run_tool
from .base import Conversation, Deps, TurnFailed, today_line

PARSE_PROMPT = ("You extract tennis court booking requests. {today} Read the conversation and reply with only a JSON "
                "object describing the user's request as it stands after their latest message, with the keys intent "
                "(\"book\", \"check\" or \"other\"), date (YYYY-MM-DD), time (HH:MM, 24-hour) and court (\"A\"-\"D\"; "
                "\"any\" only if the user says any court will do). Use null for anything the user has not said.")


class Parsed(BaseModel):
    """What the model may return: fields, never decisions."""
    intent: Literal["book", "check", "other"] | None = None
    date: datetime.date | None = None
    time: str | None = Field(default=None, pattern=r"^[0-9]{2}:[0-9]{2}$")
    court: str | None = Field(default=None, pattern=r"^([A-Za-z]|any)$")


@dataclass
class BookingState:
    """1. Your state store: everything the conversation has established so far."""
    intent: str | None = None
    date: str | None = None
    time: str | None = None
    court: str | None = None
    slots: list[Slot] | None = None
    exchange: list[tuple[str, str]] = field(default_factory=list)  # this request's (role, text) so far, for the parser


class AiAsAService(Conversation):
    """Pattern A. State: yours. Decisions: yours. The model: a parser."""

    letter = "A"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.client = deps.clients.aws("bedrock-runtime")
        self.model = deps.clients.model_id("aws")
        self.state = BookingState()  # 1. Your state store (a DynamoDB table or a server session; here, this object).

    def respond(self, text: str) -> str:
        state, parsed = self.state, self.parse(text)  # 2. The model parses, and 3. your code validates it ...
        if parsed is None:
            reply = self.ask("Sorry, I couldn't read that. Which day and time would you like?", "unreadable parse → ask")
        else:  # ... merges it into the state, 4. decides the next step, and 5. writes the reply.
            reply = self.next_step(self.merge(parsed))
        if self.state is state:  # 1. The request goes on: the store keeps this exchange for the next parse.
            state.exchange += [("user", text), ("assistant", reply)]
        return reply

    def parse(self, text: str) -> Parsed | None:
        turns = [*self.state.exchange, ("user", text)]
        response = self.client.converse(
            modelId=self.model, system=[{"text": PARSE_PROMPT.format(today=today_line(self.deps.clock.today()))}],
            messages=[{"role": role, "content": [{"text": said}]} for role, said in turns],
            inferenceConfig={"maxTokens": 200, "temperature": 0},
            outputConfig={"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {
                "name": "booking_request", "schema": json.dumps(Parsed.model_json_schema())}}}})
        try:
            return Parsed.model_validate_json("".join(b.get("text", "") for b in response["output"]["message"]["content"]))
        except ValidationError:
            return None

    def merge(self, parsed: Parsed) -> BookingState:
        state = self.state
        if parsed.intent in ("book", "check") and state.intent != "book":
            state.intent = parsed.intent
        asked = state.exchange[-1][1] if state.exchange else ""  # your last question
        if parsed.court and parsed.intent != "check" and asked.endswith(("Which one?", "book one?", "book it?")):
            state.intent = "book"  # naming a court in answer to "which one?" means: book it
        if parsed.date and parsed.date.isoformat() != state.date:
            state.date, state.slots = parsed.date.isoformat(), None
        if parsed.time and parsed.time != state.time:
            state.time, state.slots = parsed.time, None
        if parsed.court:
            state.court = parsed.court if parsed.court == "any" else parsed.court.upper()
        decided(f"merge → {json.dumps({k: getattr(state, k) for k in ('intent', 'date', 'time', 'court')})}")
        return state

    def next_step(self, state: BookingState) -> str:
        if state.intent is None and not (state.date or state.time):
            return self.ask("I can only check which courts are free and book one for you. Tell me a day and a time.",
                            "no booking, no day, no time → say what I can do")
        if not state.date:
            return self.ask("Which day would you like to play?", "day missing → ask for it")
        if not state.time:
            return self.ask("What time would you like?", "time missing → ask for it")
        when = human_when(state.date, state.time)
        if state.court not in (None, "any", *COURTS):
            unknown, state.court = state.court, None
            return self.ask(f"There is no court {unknown}; the club has {court_list(list(COURTS))}. Which would you like?",
                            f"court {unknown} does not exist → say so, ask again")
        if state.slots is None:
            decided("day and time known, availability unknown → call check_availability")
            result = self.run("check_availability", {"date": state.date, "time": state.time})
            if not isinstance(result, Availability):
                state.time = None
                return self.ask(f"{result.message} What time would you like instead?", "refused → explain, ask again")
            state.slots = result.slots
        free = [slot.court for slot in state.slots]
        are = "is" if len(free) == 1 else "are"
        if not free:
            state.time, state.slots = None, None
            return self.ask(f"Sorry, no courts are free on {when}. What other time would you like?", "nothing free → ask")
        named = state.court if state.court in COURTS else None
        if state.intent != "book":  # a question, or no "book" at all ("Cancel my booking for court A ..."): answer only
            answer = (f"Court {named} is free on {when}." if named in free else
                      f"Court {named} is taken on {when}; {court_list(free)} {are} free." if named else
                      f"{court_list(free, capital=True)} {are} free on {when}.")
            return self.ask(f"{answer} Would you like to book {'it' if named in free or len(free) == 1 else 'one'}?",
                            "not asked to book → answer it; no booking")
        court = free[0] if state.court == "any" or (state.court is None and len(free) == 1) else named
        if court is None:
            return self.ask(f"{court_list(free, capital=True)} are available on {when}. Which one?", "none chosen → ask")
        if court not in free:
            state.court = None
            return self.ask(f"Court {court} is taken on {when}; {court_list(free)} {are} free. Which one?",
                            f"court {court} not free → offer the free ones")
        decided(f"every field known, court {court} free → call book")
        result = self.run("book", {"slot_id": next(s.slot_id for s in state.slots if s.court == court)})
        self.state = BookingState()  # this request is done: start the next one clean
        if isinstance(result, Booked):
            return f"Booked! Court {result.court}, {human_when(result.date, result.time)}. Confirmation: {result.confirmation}."
        return f"That didn't work: {result.message}"

    def run(self, name: str, arguments: dict) -> object:  # your code retries once when the calendar is unreachable
        result = run_tool(name, arguments, self.booking).result
        if isinstance(result, ToolError):
            decided(f"{name} failed → try once more")
            result = run_tool(name, arguments, self.booking).result
        if isinstance(result, ToolError):
            raise TurnFailed(f"the calendar could not be reached ({result.message})")
        return result

    def ask(self, question: str, why: str) -> str:
        decided(why)
        return question
