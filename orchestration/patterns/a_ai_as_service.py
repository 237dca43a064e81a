"""Pattern A — AI as a service: your code holds the state machine; the model only parses.

1. Your code keeps the request's state in its own store: intent, day, time, courts, open slots, the messages so far.
2. Each message goes to the model (Bedrock Converse), after the request's earlier messages, with one job: extract
   intent, date, time and courts, as structured output (a JSON schema). The model decides nothing else.
3. Your code validates that JSON and merges it into the state; to a message about anything else, it says what it does.
4. Your code's hand-written state machine decides the next step: ask what is missing, check, ask which court, or book.
5. Your code writes every reply from its own templates."""
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
CAN_DO = "I can find a free court and book it, in English; I can't cancel or look up bookings. Tell me a day and time."

class Parsed(BaseModel):
    """What the model may return: fields, never decisions."""
    intent: Literal["book", "check", "other"] | None = None
    date: datetime.date | None = None
    time: str | None = Field(default=None, pattern=r"^[0-9]{2}:[0-9]{2}$")
    court: str | None = Field(default=None, pattern=r"^([A-Za-z]|any)$")
    other_courts: list[str] = Field(default=[], description="more courts the user wants besides `court`, if any")

@dataclass
class BookingState:
    """1. Your state store: everything the conversation has established so far."""
    intent: str | None = None
    date: str | None = None
    time: str | None = None
    court: str | None = None
    slots: list[Slot] | None = None
    more: list[str] = field(default_factory=list)  # other courts asked for: one booking per request, so offered next
    exchange: list[tuple[str, str]] = field(default_factory=list)  # this request's (role, text) so far, for the parser

class AiAsAService(Conversation):
    """Pattern A. State: yours. Decisions: yours. The model: a parser."""
    letter = "A"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.client, self.model = deps.clients.aws("bedrock-runtime"), deps.clients.model_id("aws")
        self.state = BookingState()  # 1. Your state store (a DynamoDB table or a server session; here, this object).

    def respond(self, text: str) -> str:
        state, parsed = self.state, self.parse(text)  # 2. The model parses, and 3. your code validates it ...
        if parsed is None or parsed.intent == "other":  # unreadable, or not a booking (cancel, look up, small talk ...)
            reply = self.ask(CAN_DO, "no parse, or neither booking nor checking → say what I can do; the state stays")
        else:  # ... merges it into the state, 4. decides the next step, and 5. writes the reply.
            reply = self.next_step(self.merge(parsed))
        if self.state is state:  # 1. The request goes on: the store keeps this exchange for the next parse.
            state.exchange += [("user", text), ("assistant", reply)]
        return reply

    def parse(self, text: str) -> Parsed | None:
        response = self.client.converse(  # 2. the request's exchange so far, then this message
            modelId=self.model, system=[{"text": PARSE_PROMPT.format(today=today_line(self.deps.clock.today()))}],
            messages=[{"role": role, "content": [{"text": said}]}
                      for role, said in [*self.state.exchange, ("user", text)]],
            inferenceConfig={"maxTokens": 200, "temperature": 0},
            outputConfig={"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {
                "name": "booking_request", "schema": json.dumps(Parsed.model_json_schema())}}}})
        try:
            return Parsed.model_validate_json("".join(b.get("text", "")
                                                      for b in response["output"]["message"]["content"]))
        except ValidationError:
            return None

    def merge(self, parsed: Parsed) -> BookingState:
        state = self.state
        if parsed.intent in ("book", "check"):  # a question after a booking request is answered, never booked
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
            state.more = [c.upper() for c in parsed.other_courts if c.upper() != state.court]
        decided(f"merge → {json.dumps({k: getattr(state, k) for k in ('intent', 'date', 'time', 'court')})}")
        return state

    def next_step(self, state: BookingState) -> str:
        if not state.date:
            return self.ask("Which day would you like to play?", "day missing → ask for it")
        if not state.time:
            return self.ask("What time would you like?", "time missing → ask for it")
        when = human_when(state.date, state.time)
        if state.court not in (None, "any", *COURTS):
            unknown, state.court = state.court, None
            return self.ask(f"There is no court {unknown}; the club has {court_list(list(COURTS))}. "
                            "Which would you like?", f"court {unknown} does not exist → say so, ask again")
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
            return self.ask(f"Sorry, no courts are free on {when}. What other time would you like?",
                            "nothing free → ask")
        named = state.court if state.court in COURTS else None
        if state.intent != "book":  # a question, or no "book" at all ("court A tomorrow at 3pm?"): answer only
            answer = (f"Court {named} is free on {when}." if named in free else
                      f"Court {named} is taken on {when}; {court_list(free)} {are} free." if named else
                      f"{court_list(free, capital=True)} {are} free on {when}.")
            return self.ask(f"{answer} Would you like to book {'it' if named in free or len(free) == 1 else 'one'}?",
                            "not asked to book → answer it; no booking")
        court = free[0] if state.court == "any" or (state.court is None and len(free) == 1) else named
        if court is None:
            return self.ask(f"{court_list(free, capital=True)} are available on {when}. Which one?",
                            "none chosen → ask")
        if court not in free:
            state.court = None
            return self.ask(f"Court {court} is taken on {when}; {court_list(free)} {are} free. Which one?",
                            f"court {court} not free → offer the free ones")
        decided(f"every field known, court {court} free → call book")
        result = self.run("book", {"slot_id": next(s.slot_id for s in state.slots if s.court == court)})
        self.state = BookingState()  # this request is done: start the next one clean
        if not isinstance(result, Booked):
            return f"That didn't work: {result.message}"
        reply = (f"Booked! Court {result.court}, {human_when(result.date, result.time)}. "
                 f"Confirmation: {result.confirmation}.")
        if state.more:  # one booking per request: the next court asked for waits for a yes, in this request's state
            self.state, state.intent, state.court, state.more, state.slots = (state, None, state.more[0],
                                                                              state.more[1:], None)
            reply += f" I book one court per request, so court {state.court} is not booked yet. Shall I book it too?"
        return reply

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
