"""The offline model's brain: a rule-based booking assistant that reads a request like a model does.

It gets what a hosted model gets — system prompt, messages with tool calls and results, tool
schemas, an optional output format — and answers with tool calls or text. It keeps no state between
calls: every call re-reads the whole conversation, as a model re-reads its context window. It never
learns which orchestration pattern is calling; it only sees the request.

Three ways to answer, chosen from the request alone:
- Extraction: asked for JSON (an output schema, or a prompt that says JSON and names the fields),
  with no tools — it returns exactly those fields for the latest user message.
- Assistant: tools are offered — it works toward the user's goal like a careful assistant: asks for
  what is missing, checks before booking, lets the user choose between courts, explains refusals
  and offers alternatives, never books twice for one request, and confirms with the code.
  Tools are recognised by their schemas: one that takes a date checks availability, one that takes
  a slot id books; one that takes a single free-text task is a delegate (a sub-agent, a Lambda),
  given plain-language tasks and read back from plain-language answers.
- Chat: no tools, no JSON — it answers small talk and says it cannot see the calendar.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .protocol import (
    Message,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolDef,
    Usage,
    reply_tokens,
    request_tokens,
)
from .understanding import Expecting, Facts, understand

MAX_ATTEMPTS_PER_CALL = 2
"""A call that came back as an error is tried once more, then the brain explains instead."""


# --- Reading the request ----------------------------------------------------------------------


def read_today(system: str, messages: tuple[Message, ...]) -> date:
    """Today's date as the prompt states it ("Today is 2025-12-03"); the machine's date otherwise."""
    for text in (system, *(m.text for m in messages if m.role == "user")):
        match = re.search(r"\btoday(?:'s date)?\s*(?:is|:)\s*(?:[A-Za-z]+,?\s+)?(\d{4}-\d{2}-\d{2})", text, re.I)
        if match:
            return date.fromisoformat(match.group(1))
    return date.today()


@dataclass(frozen=True)
class Tools:
    """The offered tools, by the role their schema shows."""

    check: ToolDef | None = None
    """Takes a date (and time): checks availability."""
    book: ToolDef | None = None
    """Takes a slot id: books it."""
    ask_check: ToolDef | None = None
    """Takes a free-text task about availability: a delegate."""
    ask_book: ToolDef | None = None
    """Takes a free-text task about booking: a delegate."""

    @classmethod
    def of(cls, tools: tuple[ToolDef, ...]) -> Tools:
        found: dict[str, ToolDef] = {}
        for tool in tools:
            props = tool.parameters.get("properties", {}) or {}
            words = f"{tool.name} {tool.description}".lower()
            about_booking = bool(re.search(r"\bbook|reserv", words)) and "availab" not in tool.name.lower()
            if "date" in props and "slot_id" not in props:
                found.setdefault("check", tool)
            elif "slot_id" in props:
                found.setdefault("book", tool)
            elif _free_text_param(tool):
                found.setdefault("ask_book" if about_booking else "ask_check", tool)
        return cls(**found)

    @property
    def can_check(self) -> bool:
        return self.check is not None or self.ask_check is not None

    @property
    def can_book(self) -> bool:
        return self.book is not None or self.ask_book is not None


def _free_text_param(tool: ToolDef) -> str | None:
    """The single string parameter of a delegate tool, if the tool is one."""
    props = tool.parameters.get("properties", {}) or {}
    strings = [name for name, prop in props.items() if prop.get("type") == "string" or "anyOf" in prop]
    return strings[0] if len(props) == 1 and strings else None


# --- What the conversation has established ----------------------------------------------------


@dataclass
class Request:
    """The user's current goal, built up over turns."""

    intent: str = "check"
    date: date | None = None
    time: str | None = None
    court: str | None = None
    any_court: bool = False
    pick: int | None = None
    slot_id: str | None = None
    booked: dict[str, Any] | None = None
    declined: bool = False

    @property
    def closed(self) -> bool:
        return self.booked is not None or self.declined

    def merge(self, facts: Facts) -> None:
        if facts.date is not None:
            self.date = facts.date
        if facts.time is not None:
            self.time = facts.time
        if facts.court is not None:
            self.court, self.any_court, self.pick = facts.court, False, None
        if facts.any_court:
            self.court, self.any_court, self.pick = None, True, None
        if facts.pick is not None:
            self.court, self.any_court, self.pick = None, False, facts.pick
        if facts.slot_id is not None:
            self.slot_id = facts.slot_id
        elif facts.court is not None or facts.date is not None or facts.time is not None:
            self.slot_id = None


@dataclass
class Known:
    """What tool results have told the brain in the current request."""

    open_slots: dict[tuple[str, str | None], list[dict[str, Any]]] = field(default_factory=dict)
    alternatives: dict[tuple[str, str | None], list[dict[str, Any]]] = field(default_factory=dict)
    refusals: dict[tuple[str, str | None], dict[str, Any]] = field(default_factory=dict)
    failed_bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Dialogue:
    """The conversation replayed: the open request, what is known, what the assistant last asked."""

    today: date
    request: Request | None = None
    known: Known = field(default_factory=Known)
    last_user: Facts = field(default_factory=Facts)
    expecting: Expecting | None = None
    offer: list[dict[str, Any]] = field(default_factory=list)
    last_role: str = "user"
    fresh_result: str | None = None


def replay(request: ModelRequest, today: date, tools: Tools) -> Dialogue:
    """Walk the messages in order, as a model reads its context, and return where things stand."""
    dialogue = Dialogue(today)
    calls: dict[str, ToolCall] = {}
    for message in request.messages:
        dialogue.last_role = message.role
        if message.role == "user":
            _hear_user(dialogue, message.text)
        elif message.role == "assistant":
            calls.update({c.id: c for c in message.tool_calls})
            if message.text and not message.tool_calls:
                dialogue.expecting = _expecting(message.text)
                dialogue.offer = _options_on_the_table(dialogue)
        else:
            for result in message.tool_results:
                call = calls.get(result.call_id)
                _hear_result(dialogue, call, result.name or (call.name if call else ""), result.content, tools)
    return dialogue


def _hear_user(dialogue: Dialogue, text: str) -> None:
    facts = understand(_payload(text), dialogue.today, dialogue.expecting)
    dialogue.last_user, dialogue.fresh_result = facts, None
    request = dialogue.request
    wants = facts.intent in ("book", "check")
    if request is None or request.closed:
        if not (wants or (facts.intent is None and facts.has_booking_facts)):
            return
        request = dialogue.request = Request(intent=facts.intent or "check")
        dialogue.known = Known()
    if facts.intent == "book":
        request.intent = "book"
    elif facts.intent == "deny":
        request.declined = True
    elif facts.intent == "confirm" and dialogue.expecting in ("confirm", "court"):
        request.intent = "book"
        if len(dialogue.offer) == 1 and not facts.has_booking_facts:
            only = dialogue.offer[0]
            request.date, request.time, request.court = date.fromisoformat(only["date"]), only["time"], only["court"]
    elif facts.intent is None and (facts.court or facts.any_court or facts.pick is not None) \
            and dialogue.expecting in ("court", "confirm"):
        request.intent = "book"
    request.merge(facts)
    if facts.pick is not None and dialogue.offer:
        chosen = dialogue.offer[facts.pick] if -len(dialogue.offer) <= facts.pick < len(dialogue.offer) else None
        if chosen:
            request.court, request.pick = chosen["court"], None
            request.time, request.date = chosen["time"], date.fromisoformat(chosen["date"])


def _options_on_the_table(dialogue: Dialogue) -> list[dict[str, Any]]:
    """The slots the assistant's last answer put forward: the free ones, or the nearest alternatives."""
    goal = dialogue.request
    if goal is None or goal.date is None or goal.closed:
        return []
    key = (goal.date.isoformat(), goal.time)
    return dialogue.known.open_slots.get(key) or dialogue.known.alternatives.get(key, [])


def _payload(text: str) -> str:
    """The user's words inside an instruction wrapper such as 'Extract ... from: <text>'."""
    match = re.search(r"(?:from|message|input|text|request)\s*:\s*(.+)$", text, re.I | re.S)
    return match.group(1).strip().strip("\"'") if match else text


def _expecting(text: str) -> Expecting | None:
    lowered = text.lower()
    if re.search(r"what time|which time|what hour|time would you like", lowered):
        return "time"
    if re.search(r"which day|what day|which date|what date|when would you like", lowered):
        return "date"
    if re.search(r"which (one|court)|shall i book one|like me to book one|which would you", lowered):
        return "court"
    if re.search(r"shall i|should i|would you like me to|want me to|would one of those", lowered):
        return "confirm"
    return None


def _hear_result(dialogue: Dialogue, call: ToolCall | None, name: str, content: str, tools: Tools) -> None:
    known, request = dialogue.known, dialogue.request
    args = _arguments(call)
    asked = _asked_about(args, tools, name, dialogue.today)
    payload = _json_object(content)
    if payload is None:
        payload = _read_text_result(content, asked, name, tools)
    status = payload.get("status")
    key = asked
    if status == "open":
        day, time = payload.get("date") or (key[0] if key else None), payload.get("time")
        key = (day, time if time is not None else (key[1] if key and "time" not in payload else None))
        slots = [s for s in payload.get("slots", []) if isinstance(s, dict)]
        known.open_slots[key] = slots
        known.alternatives[key] = [s for s in payload.get("alternatives", []) if isinstance(s, dict)]
        dialogue.fresh_result = "open"
    elif status == "booked" and request is not None:
        request.booked = payload
        dialogue.fresh_result = "booked"
    elif status == "refused":
        slot = args.get("slot_id") or _slot_from_task(args, dialogue.today)
        if slot:
            known.failed_bookings[slot] = payload
            for slots in known.open_slots.values():
                slots[:] = [s for s in slots if s.get("slot_id") != slot]
        elif key:
            known.refusals[key] = payload
        dialogue.fresh_result = "refused"
    else:
        message = str(payload.get("message") or payload.get("error") or content)[:300]
        known.errors.setdefault(_call_key(name, args), []).append(message)
        dialogue.fresh_result = "error"


def _arguments(call: ToolCall | None) -> dict[str, Any]:
    if call is None:
        return {}
    parsed = _json_object(call.arguments)
    return parsed or {}


def _asked_about(args: dict[str, Any], tools: Tools, name: str, today: date) -> tuple[str, str | None] | None:
    """The (date, time) a check call asked about, read from its arguments or its task text."""
    if "date" in args:
        return str(args["date"]), args.get("time")
    for value in args.values():
        if isinstance(value, str):
            facts = understand(value, today)
            if facts.date:
                return facts.date.isoformat(), facts.time
    return None


def _slot_from_task(args: dict[str, Any], today: date) -> str | None:
    for value in args.values():
        if isinstance(value, str) and re.search(r"\bbook|reserv", value, re.I):
            facts = understand(value, today)
            if facts.slot_id:
                return facts.slot_id
    return None


def _call_key(name: str, args: dict[str, Any]) -> str:
    return name + json.dumps(args, sort_keys=True)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


_SLOT_IN_TEXT = re.compile(r"\b([A-Z])-(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})\b")
_CODE_IN_TEXT = re.compile(r"\b(TC-[0-9A-F]{6})\b")


def _read_text_result(text: str, asked: tuple[str, str | None] | None, name: str, tools: Tools) -> dict[str, Any]:
    """A delegate's plain-language answer, read back into the fields a structured result would have."""
    slots = [{"slot_id": m.group(0), "court": m.group(1), "date": m.group(2), "time": f"{m.group(3)}:{m.group(4)}"}
             for m in _SLOT_IN_TEXT.finditer(text)]
    code = _CODE_IN_TEXT.search(text)
    lowered = text.lower()
    if code and slots:
        return {"status": "booked", "confirmation": code.group(1), **{k: slots[0][k] for k in ("court", "date", "time")}}
    if re.search(r"already booked|taken|not available|could not|couldn't|unable|refused|no court [e-z]\b|past|closed|"
                 r"outside opening", lowered) and (tools.ask_book and name == tools.ask_book.name):
        return {"status": "refused", "reason": "unknown", "message": text.strip()}
    if slots or re.search(r"\bno (?:courts?|slots?)\b|fully booked|nothing (?:is )?(?:free|open|available)|none", lowered):
        day, time = asked or (slots[0]["date"] if slots else None, None)
        asked_slots = [s for s in slots if s["date"] == day and (time is None or s["time"] == time)]
        alternatives = [s for s in slots if s not in asked_slots]
        return {"status": "open", "date": day, "time": time, "slots": asked_slots, "alternatives": alternatives}
    return {"status": "error", "message": text.strip()}


# --- Deciding what to say or do ---------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """The brain's decision: text to say, or tool calls to make."""

    text: str = ""
    calls: tuple[ToolCall, ...] = ()
    expecting: Expecting | None = None
    facts: dict[str, Any] = field(default_factory=dict)


class Brain:
    """The rule-based booking assistant. Stateless: safe to share across threads and sessions."""

    def reply(self, request: ModelRequest) -> ModelReply:
        """Answer one model request."""
        today = read_today(request.system, request.messages)
        tools = Tools.of(request.tools if request.tool_choice != "none" else ())
        if _wants_extraction(request, tools):
            text = json.dumps(extract(request, today))
            calls: tuple[ToolCall, ...] = ()
        else:
            dialogue = replay(request, today, tools)
            step = decide(dialogue, tools, request)
            calls, text = step.calls, step.text
            if not calls and request.output_schema is not None:
                text = json.dumps(fill_schema(request.output_schema, {**_facts_of(dialogue), **step.facts, "message": text}))
        return ModelReply(text=text, tool_calls=calls,
                          usage=Usage(request_tokens(request), reply_tokens(text, calls)))


def decide(dialogue: Dialogue, tools: Tools, request: ModelRequest) -> Step:
    """The next step of the conversation."""
    wants_ids = bool(re.search(r"slot[ _-]?ids?", request.system, re.I))
    if dialogue.last_role == "assistant":
        return Step(text="Is there anything else I can help with?")
    goal = dialogue.request
    if goal is None or (goal.closed and dialogue.fresh_result is None):
        return Step(text=_small_talk(dialogue.last_user.intent, tools, goal))
    if goal.declined:
        return Step(text="No problem — I haven't booked anything. Let me know if you'd like another time.")
    if goal.booked:
        return Step(text=_confirmation(goal.booked, dialogue.today, wants_ids), facts=_booked_facts(goal.booked))
    return _work_toward(goal, dialogue, tools, wants_ids)


def _work_toward(goal: Request, dialogue: Dialogue, tools: Tools, wants_ids: bool) -> Step:
    today, known = dialogue.today, dialogue.known
    if goal.date is None:
        what = "play" if goal.intent == "book" else "check"
        return Step(text=f"Which day would you like to {what}? I can book up to a month ahead.", expecting="date")
    if goal.date < today:
        return Step(text=f"{_day(goal.date, today, bare=True)} has already passed — today is {_day(today, today, bare=True)}. "
                         "Which day would you like instead?", expecting="date")
    club = _club_courts(tools)
    if goal.court and club and goal.court not in club:
        return Step(text=f"There's no court {goal.court} — the club has {_courts(club, bare=True)}. Which would you like?",
                    expecting="court")
    if goal.time is not None:
        problem = _time_problem(goal.time, tools)
        if problem:
            return Step(text=problem, expecting="time")
    if goal.time is None and goal.intent == "book" and (goal.date.isoformat(), None) not in known.open_slots:
        return Step(text="What time would you like?", expecting="time")
    key = (goal.date.isoformat(), goal.time)
    refusal = known.refusals.get(key)
    if refusal:
        return Step(text=_explain_refusal(refusal, today), expecting="date" if refusal.get("reason") != "outside_opening_hours" else "time")
    if key not in known.open_slots:
        return _look_up(goal, key, dialogue, tools)
    return _choose(goal, key, dialogue, tools, wants_ids)


def _look_up(goal: Request, key: tuple[str, str | None], dialogue: Dialogue, tools: Tools) -> Step:
    """Find out which courts are free, or book directly when only a booking tool is offered."""
    if tools.check is not None:
        args = {"date": key[0], "time": key[1]}
        return _call(tools.check, args, dialogue) or _gave_up(dialogue, "check availability")
    if tools.ask_check is not None:
        when = f" at {key[1]}" if key[1] else ""
        task = f"Check which courts are free on {key[0]}{when}."
        return _call(tools.ask_check, {_free_text_param(tools.ask_check): task}, dialogue) or _gave_up(dialogue, "check availability")
    if goal.intent == "book" and tools.can_book and key[1] and (goal.court or goal.slot_id):
        court = goal.court or goal.slot_id[0]
        return _book(court, key, goal, dialogue, tools)
    if goal.intent == "book" and tools.can_book and key[1]:
        return Step(text="Which court would you like: A, B, C or D?", expecting="court")
    return Step(text="I can't see the court calendar from here, so I can't tell which courts are free.")


def _choose(goal: Request, key: tuple[str, str | None], dialogue: Dialogue, tools: Tools, wants_ids: bool) -> Step:
    """Act on known availability: answer a question, book, or ask the user to pick."""
    today, known = dialogue.today, dialogue.known
    slots = known.open_slots[key]
    when = _when(key, today)
    if key[1] is None:
        return _whole_day(goal, key, slots, dialogue, wants_ids)
    if not slots:
        return _nothing_free(key, known.alternatives.get(key, []), today, wants_ids)
    free = [s["court"] for s in slots]
    named = goal.court or (goal.slot_id[0] if goal.slot_id else None)
    if named and named not in free:
        failed = known.failed_bookings.get(_slot_of(named, key))
        club = _club_courts(tools)
        if club and named not in club:
            lead = f"There's no court {named} — the club has {_courts(club, bare=True)}."
        elif failed:
            lead = f"Sorry — court {named} {when} was just taken."
        else:
            lead = f"Court {named} is already booked {when}."
        rest = f"{_courts(free, verb=True)} free. " + ("Shall I book it?" if len(free) == 1 else "Which one would you like?")
        return Step(text=f"{lead} {rest}{_ids(slots, wants_ids)}", expecting="confirm" if len(free) == 1 else "court",
                    facts=_open_facts(key, slots))
    if goal.intent == "check":
        if named:
            text = f"Yes — court {named} is free {when}. Shall I book it for you?"
            return Step(text=text + _ids([s for s in slots if s["court"] == named], wants_ids), expecting="confirm",
                        facts=_open_facts(key, slots))
        text = f"{_courts(free, verb=True)} free {when}. Would you like me to book {'it' if len(free) == 1 else 'one'}?"
        return Step(text=text + _ids(slots, wants_ids), expecting="court" if len(free) > 1 else "confirm", facts=_open_facts(key, slots))
    chosen = named or (free[0] if goal.any_court or len(free) == 1 else None)
    if chosen is None and goal.pick is not None and -len(free) <= goal.pick < len(free):
        chosen = free[goal.pick]
    if chosen is None:
        text = f"{_courts(free, verb=True)} free {when}. Which one would you like?"
        return Step(text=text + _ids(slots, wants_ids), expecting="court", facts=_open_facts(key, slots))
    if not tools.can_book:
        return Step(text=f"Court {chosen} is free {when}.{_ids([s for s in slots if s['court'] == chosen], wants_ids)}",
                    facts=_open_facts(key, slots))
    return _book(chosen, key, goal, dialogue, tools)


def _book(court: str, key: tuple[str, str | None], goal: Request, dialogue: Dialogue, tools: Tools) -> Step:
    slot = goal.slot_id if goal.slot_id and goal.slot_id[0] == court else _slot_of(court, key)
    if tools.book is not None:
        return _call(tools.book, {"slot_id": slot}, dialogue) or _gave_up(dialogue, "book the court")
    task = f"Book court {court} on {key[0]} at {key[1]} (slot {slot})."
    return _call(tools.ask_book, {_free_text_param(tools.ask_book): task}, dialogue) or _gave_up(dialogue, "book the court")


def _whole_day(goal: Request, key: tuple[str, str | None], slots: list[dict[str, Any]], dialogue: Dialogue, wants_ids: bool) -> Step:
    day = _day(date.fromisoformat(key[0]), dialogue.today)
    if not slots:
        return Step(text=f"Every court is booked {day}. Would another day work?", expecting="date")
    by_hour: dict[str, list[str]] = {}
    for slot in slots:
        by_hour.setdefault(slot["time"], []).append(slot["court"])
    listing = ", ".join(f"{time} ({'/'.join(courts)})" for time, courts in sorted(by_hour.items()))
    ask = "What time would you like?" if goal.intent == "book" else "Would you like me to book one of them?"
    return Step(text=f"Open {day}: {listing}. {ask}{_ids(slots, wants_ids)}", expecting="time", facts=_open_facts(key, slots))


def _nothing_free(key: tuple[str, str | None], alternatives: list[dict[str, Any]], today: date, wants_ids: bool) -> Step:
    text = f"Sorry, no courts are free {_when(key, today)}."
    if alternatives:
        options = ", ".join(f"{a['time']} (court {a['court']})" for a in sorted(alternatives, key=lambda a: a["time"]))
        text += f" The nearest open times that day: {options}. Would one of those work?"
    else:
        text += " Would another day or time work?"
    return Step(text=text + _ids(alternatives, wants_ids), expecting="time",
                facts={"date": key[0], "time": key[1], "slots": [], "alternatives": alternatives})


def _call(tool: ToolDef, args: dict[str, Any], dialogue: Dialogue) -> Step | None:
    """A tool call, unless the same call already failed too often."""
    if len(dialogue.known.errors.get(_call_key(tool.name, args), [])) >= MAX_ATTEMPTS_PER_CALL:
        return None
    return Step(calls=(ToolCall(name=tool.name, arguments=json.dumps(args)),))


def _gave_up(dialogue: Dialogue, what: str) -> Step:
    last = next(iter(reversed([m for ms in dialogue.known.errors.values() for m in ms])), "")
    detail = f" The system said: {last}" if last else ""
    return Step(text=f"Sorry — I couldn't {what} just now; the booking system kept returning an error.{detail} "
                     "Nothing was booked. Please try again in a moment.")


def _time_problem(time: str, tools: Tools) -> str | None:
    """Why a time can't be a slot start, judged by the opening hours the tool description states."""
    hour, minute = int(time[:2]), int(time[3:])
    if minute:
        return f"Courts are booked by the hour, starting on the hour. Would {hour:02d}:00 or {(hour + 1) % 24:02d}:00 work?"
    hours = _opening_hours(tools)
    if hours and not hours[0] <= hour <= hours[1]:
        return (f"The courts are open for slots starting {hours[0]:02d}:00 to {hours[1]:02d}:00, so {time} isn't possible. "
                "What time within opening hours would you like?")
    return None


def _opening_hours(tools: Tools) -> tuple[int, int] | None:
    for tool in (tools.check, tools.ask_check, tools.book):
        if tool is None:
            continue
        text = tool.description + json.dumps(tool.parameters)
        match = re.search(r"from (\d{2}):00 to (\d{2}):00", text)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


# --- Words ------------------------------------------------------------------------------------


def _small_talk(intent: str | None, tools: Tools, goal: Request | None) -> str:
    offer = "check which courts are free and book one for you" if tools.can_book else (
        "check which courts are free" if tools.can_check else "talk about court bookings")
    if intent == "greet":
        return f"Hi! I can {offer} — courts A to D, one-hour slots from 07:00. What would you like?"
    if intent == "thanks":
        return "You're welcome! Enjoy your game." if goal and goal.booked else "You're welcome!"
    if intent == "bye":
        return "Goodbye — see you on court!"
    if intent in ("confirm", "deny") and goal and goal.booked:
        return "You're all set. Anything else?"
    if intent == "deny":
        return "No problem. Let me know if you'd like to book something."
    return f"I can only help with tennis court bookings: I can {offer}. Which day and time are you thinking of?"


def _confirmation(booked: dict[str, Any], today: date, wants_ids: bool) -> str:
    court, day, time = booked.get("court"), booked.get("date"), booked.get("time")
    when = _day(date.fromisoformat(day), today) if day else ""
    code = booked.get("confirmation", "")
    ids = f" (slot {court}-{day}-{str(time).replace(':', '')})" if wants_ids and day and time else ""
    return f"Booked! Court {court}, {when} at {time}. Your confirmation code is {code}.{ids}"


_REFUSAL_WORDS = {
    "in_the_past": "That time has already passed.",
    "too_far_ahead": "That's too far ahead —",
    "outside_opening_hours": "That's outside opening hours —",
    "no_such_court": "That court doesn't exist —",
    "no_such_slot": "That isn't a bookable slot —",
}


def _explain_refusal(refusal: dict[str, Any], today: date) -> str:
    lead = _REFUSAL_WORDS.get(str(refusal.get("reason")), "I couldn't do that —")
    message = str(refusal.get("message", "")).strip()
    alternatives = refusal.get("alternatives") or []
    tail = ""
    if alternatives:
        tail = " Open nearby: " + ", ".join(f"{a['time']} (court {a['court']})"
                                            for a in sorted(alternatives, key=lambda a: a["time"])) + "."
    return f"{lead} {message}{tail} What would you like instead?"


def _day(day: date, today: date, bare: bool = False) -> str:
    name = f"{day:%A} {day.day} {day:%B}" + (f" {day.year}" if day.year != today.year else "")
    if bare:
        return name
    relative = {0: "today", 1: "tomorrow"}.get((day - today).days)
    return f"{relative} ({name})" if relative else f"on {name}"


def _when(key: tuple[str, str | None], today: date) -> str:
    day = _day(date.fromisoformat(key[0]), today)
    return f"{day} at {key[1]}" if key[1] else day


def _courts(courts: list[str], verb: bool = False, bare: bool = False) -> str:
    names = sorted(dict.fromkeys(courts))
    if len(names) == 1:
        return f"Court {names[0]}" + (" is" if verb else "")
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return ("courts " if bare else "Courts ") + listed + (" are" if verb else "")


def _club_courts(tools: Tools) -> list[str]:
    """The courts the tool descriptions say the club has ("courts A, B, C and D")."""
    for tool in (tools.check, tools.ask_check, tools.book, tools.ask_book):
        if tool is None:
            continue
        match = re.search(r"courts? ((?:[A-Z], )*[A-Z](?:,? (?:and|or) [A-Z])?)\b", tool.description)
        if match:
            return re.findall(r"\b[A-Z]\b", match.group(1))
    return []


def _ids(slots: list[dict[str, Any]], wants_ids: bool) -> str:
    if not wants_ids or not slots:
        return ""
    return " Slot ids: " + ", ".join(s["slot_id"] for s in slots if "slot_id" in s) + "."


def _slot_of(court: str, key: tuple[str, str | None]) -> str:
    return f"{court}-{key[0]}-{(key[1] or '').replace(':', '')}"


# --- Structured output ------------------------------------------------------------------------


def _wants_extraction(request: ModelRequest, tools: Tools) -> bool:
    if tools.can_check or tools.can_book:
        return False
    if request.output_schema is not None:
        return True
    prompt = request.system + " " + (request.messages[-1].text if request.messages else "")
    return bool(re.search(r"\bjson\b", prompt, re.I)) and bool(_named_fields(prompt))


_KNOWN_FIELDS = ("intent", "date", "time", "court", "slot_id", "any_court")


def _named_fields(prompt: str) -> list[str]:
    return [name for name in _KNOWN_FIELDS if re.search(rf"\b{name}\b", prompt)]


def extract(request: ModelRequest, today: date) -> dict[str, Any]:
    """The fields the prompt asks for, read from the latest user message."""
    users = [m for m in request.messages if m.role == "user"]
    last_assistant = next((m for m in reversed(request.messages) if m.role == "assistant" and m.text), None)
    expecting = _expecting(last_assistant.text) if last_assistant else None
    facts = understand(_payload(users[-1].text), today, expecting) if users else Facts()
    values = _fact_values(facts)
    if request.output_schema:
        return fill_schema(request.output_schema, values)
    prompt = request.system + " " + (users[-1].text if users else "")
    return {name: values.get(name) for name in _named_fields(prompt)}


def _fact_values(facts: Facts) -> dict[str, Any]:
    return {
        "intent": facts.intent,
        "date": facts.date.isoformat() if facts.date else None,
        "time": facts.time,
        "court": "any" if facts.any_court else facts.court,
        "slot_id": facts.slot_id,
        "any_court": facts.any_court,
    }


def _facts_of(dialogue: Dialogue) -> dict[str, Any]:
    goal = dialogue.request
    if goal is None:
        return {}
    return {"intent": goal.intent, "date": goal.date.isoformat() if goal.date else None, "time": goal.time,
            "court": goal.court}


def _open_facts(key: tuple[str, str | None], slots: list[dict[str, Any]]) -> dict[str, Any]:
    return {"date": key[0], "time": key[1], "slots": slots, "free_courts": [s["court"] for s in slots]}


def _booked_facts(booked: dict[str, Any]) -> dict[str, Any]:
    return {**booked, "booked": True}


_INTENT_SYNONYMS = {
    "book": ("book", "booking", "reserve", "reservation"),
    "check": ("check", "check_availability", "availability", "query", "ask"),
    "confirm": ("confirm", "yes", "book"),
    "deny": ("deny", "no", "cancel"),
    "greet": ("greet", "greeting", "smalltalk", "small_talk", "chitchat"),
    "thanks": ("thanks", "smalltalk", "small_talk", "chitchat"),
    "bye": ("bye", "goodbye", "smalltalk", "small_talk", "chitchat"),
    "off_topic": ("off_topic", "other", "unknown"),
    None: ("provide_info", "info", "answer", "none", "unknown", "other"),
}


def fill_schema(schema: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A JSON object for `schema`, filled from known values by field name; unknown fields are null."""
    defs = schema.get("$defs", {})
    properties = _resolve(schema, defs).get("properties", {})
    result: dict[str, Any] = {}
    for name, prop in properties.items():
        prop = _resolve(prop, defs)
        value = _value_for(name, values)
        if name == "intent" and prop.get("enum"):
            value = next((v for v in _INTENT_SYNONYMS.get(values.get("intent"), ()) if v in prop["enum"]), None)
        elif prop.get("enum") and value not in prop["enum"]:
            value = None
        result[name] = _coerce(value, prop, defs)
    return result


def _value_for(name: str, values: dict[str, Any]) -> Any:
    aliases = {"reply": "message", "text": "message", "summary": "message", "answer": "message",
               "response": "message", "open_slots": "slots", "available_slots": "slots", "courts": "free_courts",
               "confirmation_code": "confirmation", "code": "confirmation"}
    return values.get(name, values.get(aliases.get(name, ""), None))


def _coerce(value: Any, prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    kinds = {prop.get("type")} | {_resolve(o, defs).get("type") for o in prop.get("anyOf", [])}
    if value is None:
        return [] if kinds == {"array"} else None
    if "array" in kinds and not isinstance(value, list):
        return [value]
    if "boolean" in kinds and not isinstance(value, bool):
        return bool(value)
    if kinds & {"string"} and not kinds & {"array", "object"} and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    if "array" in kinds and isinstance(value, list):
        items = _resolve(prop.get("items", {}), defs) or _resolve(next(
            (o.get("items", {}) for o in prop.get("anyOf", []) if o.get("type") == "array"), {}), defs)
        if items.get("type") == "string":
            return [v if isinstance(v, str) else v.get("slot_id", json.dumps(v)) for v in value]
        if items.get("properties"):
            return [{k: (v.get(k) if isinstance(v, dict) else None) for k in items["properties"]} for v in value]
    return value


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if ref and ref.startswith("#/$defs/"):
        return defs.get(ref.split("/")[-1], {})
    return node if isinstance(node, dict) else {}


