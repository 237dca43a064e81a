"""Reading a model request the way a model reads its context: who wants what, and what is known.

`replay` walks the messages in order and returns a `Dialogue`: the user's current goal (built up
over turns: a date in one, the time in the next), what tool results have said, and what the
assistant last asked, so a short answer ("3", "A", "yes") is read in the light of the question.
A message about something else (cancelling, looking up bookings, another language) leaves the goal
as it was. Where a caller keeps only the conversation and not the tool calls, the assistant's own
earlier confirmation (its code) shows which booking was made.

Tools are recognised by their schemas, not their names: one that takes a date checks availability,
one that takes a slot id books, one that takes a single free-text task is a delegate (a sub-agent,
a Lambda) whose plain-language answers are read back into the same facts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...formats import slot_id
from .protocol import Message, ModelRequest, ToolCall, ToolDef
from .understanding import Expecting, Facts, understand

_TODAY = re.compile(r"\b(?:today|(?:the\s+)?(?:current|present)\s+date|date\s+today|it)(?:'s| is|:)?\s*(?:date\s*)?"
                    r"(?:is|:)?\s*(?:[A-Za-z]+,?\s+)?\(?(\d{4}-\d{2}-\d{2})", re.I)


def read_today(system: str, messages: tuple[Message, ...]) -> tuple[date, bool]:
    """Today's date as the prompt states it ("Today is 2025-12-03"), and whether it was stated.

    Unstated, relative dates fall back to the machine's date, but nothing is judged "past" on that
    guess: a model that isn't told the date leaves that to the tools.
    """
    for text in (system, *(m.text for m in messages if m.role == "user")):
        match = _TODAY.search(text)
        if match:
            return date.fromisoformat(match.group(1)), True
    return date.today(), False


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
            elif free_text_param(tool):
                found.setdefault("ask_book" if about_booking else "ask_check", tool)
        return cls(**found)

    @property
    def can_check(self) -> bool:
        return self.check is not None or self.ask_check is not None

    @property
    def can_book(self) -> bool:
        return self.book is not None or self.ask_book is not None


def free_text_param(tool: ToolDef) -> str | None:
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
    on_behalf: str | None = None
    courts: list[str] = field(default_factory=list)
    """Every court asked for, in order, when the user wants more than one ("courts A and B")."""
    count: int | None = None
    """How many courts the user wants, when more than one and not named ("two courts", "both")."""

    @property
    def closed(self) -> bool:
        return self.booked is not None or self.declined

    def merge(self, facts: Facts) -> None:
        if facts.date is not None:
            self.date = facts.date
        if facts.time is not None:
            self.time = facts.time
        if facts.court is not None:
            self.court, self.any_court, self.pick, self.courts = facts.court, False, None, list(facts.courts)
        if facts.any_court:
            self.court, self.any_court, self.pick, self.courts = None, True, None, []
        if facts.pick is not None:
            self.court, self.any_court, self.pick, self.courts = None, False, facts.pick, []
        if facts.count is not None:
            self.count = facts.count
        if facts.on_behalf is not None:
            self.on_behalf = facts.on_behalf
        if facts.slot_id is not None:
            self.slot_id = facts.slot_id
        elif facts.court is not None or facts.date is not None or facts.time is not None:
            self.slot_id = None


@dataclass
class Known:
    """What tool results have told the brain in the current request."""

    open_slots: dict[tuple[str, str | None], list[dict[str, Any]]] = field(default_factory=dict)
    alternatives: dict[tuple[str, str | None], list[dict[str, Any]]] = field(default_factory=dict)
    """Per asked (date, time): open slots at other hours that day (a result's `other_times`)."""
    refusals: dict[tuple[str, str | None], dict[str, Any]] = field(default_factory=dict)
    failed_bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def wanted_courts(goal: Request, known: Known) -> list[str]:
    """The courts a request for more than one wants: the ones named, or, for "two courts", the free ones
    when there are just that many (or the user does not mind which)."""
    if len(goal.courts) > 1:
        return goal.courts
    if goal.count and goal.date and goal.time:
        free = [s["court"] for s in known.open_slots.get((goal.date.isoformat(), goal.time), [])]
        if goal.any_court or len(free) == goal.count:
            return free[:goal.count]
    return []


def courts_left(goal: Request, known: Known) -> list[str]:
    """Of a booked request's wanted courts, the ones still to book: one booking per request, so the rest
    are offered afterwards — those free when last checked (or never checked)."""
    if goal.booked is None:
        return []
    key = (str(goal.booked.get("date")), goal.booked.get("time"))
    free = {s["court"] for s in known.open_slots[key]} if key in known.open_slots else None
    return [c for c in wanted_courts(goal, known) if c != goal.booked.get("court") and (free is None or c in free)]


@dataclass
class Dialogue:
    """The conversation replayed: the open request, what is known, what the assistant last asked."""

    today: date
    today_stated: bool = True
    request: Request | None = None
    known: Known = field(default_factory=Known)
    last_user: Facts = field(default_factory=Facts)
    expecting: Expecting | None = None
    offer: list[dict[str, Any]] = field(default_factory=list)
    last_role: str = "user"
    fresh_result: str | None = None
    made: list[dict[str, Any]] = field(default_factory=list)
    """Every booking the conversation shows being made, in order (tool results, or the assistant's own word)."""


def replay(request: ModelRequest, today: date, tools: Tools, today_stated: bool = True) -> Dialogue:
    """Walk the messages in order, as a model reads its context, and return where things stand."""
    dialogue = Dialogue(today, today_stated)
    calls: dict[str, ToolCall] = {}
    for message in request.messages:
        dialogue.last_role = message.role
        if message.role == "user":
            _hear_user(dialogue, message.text, tools)
        elif message.role == "assistant":
            calls.update({c.id: c for c in message.tool_calls})
            if message.text and not message.tool_calls:
                _hear_own_word(dialogue, message.text)
                dialogue.expecting = expecting_from(message.text)
                dialogue.offer = _options_on_the_table(dialogue)
        else:
            for result in message.tool_results:
                call = calls.get(result.call_id)
                _hear_result(dialogue, call, result.name or (call.name if call else ""), result.content, tools)
    return dialogue


def _hear_user(dialogue: Dialogue, text: str, tools: Tools) -> None:
    offered = [] if tools.can_check else slots_in(text)
    if offered:  # with no way to check, slots the message lists are the ones to choose from
        facts = understand(_SLOT_IN_TEXT.sub(" ", text), dialogue.today, dialogue.expecting)
    else:
        facts = understand(payload(text), dialogue.today, dialogue.expecting)
    dialogue.last_user, dialogue.fresh_result = facts, None
    if facts.intent in ("cancel", "recall", "other_language"):
        return  # not about the open request: answered for itself, and the request is left as it was
    request = dialogue.request
    wants = facts.intent in ("book", "check")
    taken_up = facts.intent == "confirm" and dialogue.expecting == "confirm" and len(dialogue.offer) == 1
    still = courts_left(request, dialogue.known)[1:] if request is not None and taken_up else []
    if request is None or request.closed:
        if not (wants or taken_up or (facts.intent is None and facts.has_booking_facts)):
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
            if still:  # the next of several courts asked for, taken up: the ones after it are still wanted
                request.courts = [only["court"], *still]
        elif request.count and not request.court and len(dialogue.offer) > 1 and not facts.has_booking_facts:
            request.courts = [o["court"] for o in dialogue.offer]  # fewer free than wanted, and yes to those
    elif facts.intent == "check" and facts.asks:  # a question is answered, never taken as a booking
        request.intent = "check"
    elif facts.intent is None and (facts.court or facts.any_court or facts.pick is not None or facts.count) \
            and dialogue.expecting in ("court", "confirm"):
        request.intent = "book"
    request.merge(facts)
    if offered:
        _offered(dialogue, request, offered)
    if facts.pick is not None and dialogue.offer:
        chosen = dialogue.offer[facts.pick] if -len(dialogue.offer) <= facts.pick < len(dialogue.offer) else None
        if chosen:
            request.court, request.pick = chosen["court"], None
            request.time, request.date = chosen["time"], date.fromisoformat(chosen["date"])


def _offered(dialogue: Dialogue, request: Request, offered: list[dict[str, Any]]) -> None:
    """Slots a message lists for booking (a workflow's "book from these"): the open ones, as far as is known."""
    keys = sorted({(s["date"], s["time"]) for s in offered})
    for key in keys:
        dialogue.known.open_slots[key] = [s for s in offered if (s["date"], s["time"]) == key]
    if len(keys) == 1:
        request.date, request.time = date.fromisoformat(keys[0][0]), keys[0][1]
    named_another = request.court is not None and request.court != offered[0]["court"]
    if len(offered) == 1 and not named_another:  # one slot named in full, and no other court named: that one is meant
        request.court, request.slot_id, request.any_court = offered[0]["court"], offered[0]["slot_id"], False


def slots_in(text: str) -> list[dict[str, Any]]:
    """The slots a text names by id, each once, in order."""
    found = {m.group(0).upper(): m for m in _SLOT_IN_TEXT.finditer(text)}
    return [{"slot_id": slot, "court": m.group(1).upper(), "date": m.group(2), "time": f"{m.group(3)}:{m.group(4)}"}
            for slot, m in found.items()]


def _options_on_the_table(dialogue: Dialogue) -> list[dict[str, Any]]:
    """The slots the assistant's last answer put forward: the free ones, or the nearest alternatives; after
    a booking, the next of the courts the user asked for."""
    goal = dialogue.request
    if goal is not None and goal.booked is not None and (left := courts_left(goal, dialogue.known)):
        return [{"court": left[0], "date": str(goal.booked.get("date")), "time": goal.booked.get("time")}]
    if goal is None or goal.date is None or goal.closed:
        return []
    key = (goal.date.isoformat(), goal.time)
    return dialogue.known.open_slots.get(key) or dialogue.known.alternatives.get(key, [])


def _hear_own_word(dialogue: Dialogue, text: str) -> None:
    """The assistant's own earlier answer, where it told the user a booking was made (a confirmation code):
    a caller that keeps only the conversation, and not the tool calls, still shows that the request is done."""
    code = _CODE_IN_TEXT.search(text)
    request = dialogue.request
    if code is None or any(b.get("confirmation") == code.group(1) for b in dialogue.made):
        return
    said = understand(text[:code.end()], dialogue.today)  # the words up to the code: what it confirmed
    booked = {"status": "booked", "confirmation": code.group(1), "court": said.court,
              "date": said.date.isoformat() if said.date else None, "time": said.time}
    dialogue.made.append(booked)
    if request is None or request.booked is not None or request.declined:
        return
    courts = {request.court, *request.courts} - {None}
    other_court = bool(courts) and said.court not in courts
    other_time = any(value is not None and _value_of(request, key) not in (None, value)
                     for key, value in (("date", booked["date"]), ("time", said.time)))
    if other_court or other_time:
        return  # a booking it mentions, but not this request's
    request.booked = {key: value if value is not None else _value_of(request, key) for key, value in booked.items()}


def _value_of(request: Request, key: str) -> Any:
    value = getattr(request, key, None)
    return value.isoformat() if isinstance(value, date) else value


def payload(text: str) -> str:
    """The user's words inside an instruction wrapper such as 'Extract ... from: <text>'."""
    match = re.search(r"(?:from|message|input|text|request)\s*:\s*(.+)$", text, re.I | re.S)
    return match.group(1).strip().strip("\"'") if match else text


def expecting_from(text: str) -> Expecting | None:
    """What an assistant's message asks the user for, judged from its words alone."""
    lowered = text.lower()
    if re.search(r"what time|which time|what hour|time would you like|would one of those work|"
                 r"would \d{2}:\d{2} or \d{2}:\d{2} work", lowered):
        return "time"
    if re.search(r"which day|what day|which date|what date|when would you like", lowered):
        return "date"
    if re.search(r"which (one|two|three|court)|shall i book one|like me to book one|which would you", lowered):
        return "court"
    if re.search(r"shall i|should i|would you like me to|want me to|would one of those", lowered):
        return "confirm"
    return None


def _hear_result(dialogue: Dialogue, call: ToolCall | None, name: str, content: str, tools: Tools) -> None:
    known, request = dialogue.known, dialogue.request
    args = _arguments(call)
    asked = _asked_about(args, tools, name, dialogue.today)
    payload = json_object(content)
    if payload is None:
        payload = _read_text_result(content, asked, name, tools, args, dialogue.today)
    status = payload.get("status")
    key = asked
    if status in ("open", "full"):  # an availability answer: what is free, or that nothing is at the time asked
        day, time = payload.get("date") or (key[0] if key else None), payload.get("time")
        key = (day, time if time is not None else (key[1] if key and "time" not in payload else None))
        slots = _slots(payload.get("slots"))
        known.open_slots[key] = slots
        other_times = _slots(payload.get("other_times"))
        known.alternatives[key] = sorted(other_times, key=lambda s: str(s.get("time")))  # the order they are offered in
        dialogue.fresh_result = status
    elif status == "booked" and request is not None:
        request.booked = payload
        dialogue.made.append(payload)
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
        known.errors.setdefault(call_key(name, args), []).append(message)
        dialogue.fresh_result = "error"


def _slots(listed: Any) -> list[dict[str, Any]]:
    """Slots a result lists, as objects or by id alone."""
    if not isinstance(listed, list):
        return []
    return [s for item in listed for s in ([item] if isinstance(item, dict) else slots_in(str(item)))]


def _arguments(call: ToolCall | None) -> dict[str, Any]:
    if call is None:
        return {}
    parsed = json_object(call.arguments)
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
            if facts.court and facts.date and facts.time:
                return slot_id(facts.court, facts.date.isoformat(), facts.time)
    return None


def call_key(name: str, args: dict[str, Any]) -> str:
    return name + json.dumps(args, sort_keys=True)


def json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


_SLOT_IN_TEXT = re.compile(r"\b([A-Za-z])-(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})\b")
_CODE_IN_TEXT = re.compile(r"\b(TC-[0-9A-F]{6})\b")
_COURT_LIST = re.compile(r"\bcourts?\s+([A-Z](?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*&\s*)[A-Z])*)\b", re.I)
_NOT_FREE = re.compile(r"\b(?:taken|already booked|not (?:free|available|open)|no longer|unavailable)\b", re.I)
_NOTHING_FREE = re.compile(r"\bno (?:courts?|slots?)\b|fully booked|nothing (?:is )?(?:free|open|available)"
                           r"|\bnone\b", re.I)
_REFUSED = re.compile(r"too far ahead|up to \d+ days|in the past|already passed|outside opening|not a (?:time|date)|"
                      r"no court [E-Z]\b|open from \d|(?:isn't|is not|not) possible|open for slots", re.I)
_CLOCK = re.compile(r"\b(\d{2}):(\d{2})\b")


def _read_text_result(text: str, asked: tuple[str, str | None] | None, name: str, tools: Tools,
                      task: dict[str, Any], today: date) -> dict[str, Any]:
    """A delegate's plain-language answer, read back into the fields a structured result would have."""
    lowered = text.lower()
    code = _CODE_IN_TEXT.search(text)
    if code:  # a confirmation: what was booked, from the answer, else from the task it answers
        said, wanted = understand(_CODE_IN_TEXT.sub(" ", text), today), _task_facts(task, today)
        day, time = said.date or wanted.date, said.time or wanted.time
        return {"status": "booked", "confirmation": code.group(1), "court": said.court or wanted.court,
                "date": day.isoformat() if day else None, "time": time,
                "already_held": bool(re.search(r"\balready (?:theirs|yours|had|have|held)\b"
                                               r"|you already have", lowered))}
    if re.search(r"already booked|taken|not available|could not|couldn't|unable|refused|no court [e-z]\b|past|closed|"
                 r"outside opening", lowered) and (tools.ask_book and name == tools.ask_book.name):
        return {"status": "refused", "reason": "unknown", "message": text.strip()}
    slots = slots_in(text) or _slots_said(text, asked, today)
    if not slots and _REFUSED.search(text):  # a specialist that explains why it could not check
        return {"status": "refused", "reason": "unknown", "message": text.strip()}
    if slots or _NOTHING_FREE.search(text):
        day, time = asked or (slots[0]["date"] if slots else None, None)
        asked_slots = [s for s in slots if s["date"] == day and (time is None or s["time"] == time)]
        other_times = [s for s in slots if s not in asked_slots]
        return {"status": "open" if asked_slots else "full", "date": day, "time": time, "slots": asked_slots,
                "other_times": other_times}
    return {"status": "error", "message": text.strip()}


def _slots_said(text: str, asked: tuple[str, str | None] | None, today: date) -> list[dict[str, Any]]:
    """Open slots a text states in prose ("Courts A and B are free tomorrow at 15:00"), sentence by sentence."""
    slots = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        courts = [c.upper() for m in _COURT_LIST.finditer(sentence) for c in re.findall(r"\b[A-Za-z]\b", m.group(1))]
        if not courts or _NOT_FREE.search(sentence):
            continue
        when = understand(sentence, today).date
        day = when.isoformat() if when else (asked[0] if asked else None)
        times = [f"{h}:{m}" for h, m in _CLOCK.findall(sentence)] or [asked[1] if asked else None]
        paired = zip(courts, times) if len(times) == len(courts) else ((c, times[0]) for c in courts)
        slots += [{"slot_id": slot_id(c, day, t), "court": c, "date": day, "time": t} for c, t in paired if day and t]
    return slots


def _task_facts(task: dict[str, Any], today: date) -> Facts:
    """What a delegation's task asked for (court, day, time)."""
    text = " ".join(v for v in task.values() if isinstance(v, str))
    return understand(text, today)
