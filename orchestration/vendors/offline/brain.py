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
  and offers alternatives, never books twice for one request, and confirms with the code. Tools are
  recognised by their schemas (see `dialogue.Tools`); a delegate (a sub-agent, a Lambda) is given a
  plain-language task. Nothing is left silently half done: a request for several courts books the
  first free one and says which are not booked and why (taken, or one booking per request: then the
  next is offered); a question is answered, never booked; cancelling and looking up bookings, which
  no tool does, get an answer that says so and what the conversation shows was booked; a message in
  a language it does not read gets a sentence saying it reads English only.
- Chat: no tools, no JSON — it answers small talk and says it cannot see the calendar.

This module holds the deciding: from the understood facts of the conversation, which tool to call
with which arguments (or which delegate to give which task), what to ask for, and when to answer.
The sentences built apart from a decision (small talk, confirmations, refusals, how days and courts
are written) are in `replies.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ...formats import slot_id
from .dialogue import Dialogue, Request, Tools, call_key, free_text_param, read_today, replay, wanted_courts
from .protocol import ModelReply, ModelRequest, ToolCall, ToolDef, Usage, reply_tokens, request_tokens
from .replies import (
    NUMBER_WORDS,
    say_confirmation,
    say_courts,
    say_day,
    say_other_language,
    say_out_of_reach,
    say_refusal,
    say_rest_of,
    say_small_talk,
    say_when,
)
from .structured import extract, fill_schema, schema_in, wants_extraction
from .understanding import Expecting

MAX_ATTEMPTS_PER_CALL = 2
"""A call that came back as an error is tried once more, then the brain explains instead."""


# --- Deciding what to say or do ---------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """The brain's decision: text to say, or tool calls to make."""

    text: str = ""
    """What to say (empty when calling tools)."""
    calls: tuple[ToolCall, ...] = ()
    """Tool calls to make."""
    expecting: Expecting | None = None
    """What the text asks the user for. The next call has only the text to go on, so reading it
    back with `expecting_from` must give the same answer (tests hold the two together)."""
    facts: dict[str, Any] = field(default_factory=dict)
    """What the step established, for a structured final answer."""


class Brain:
    """The rule-based booking assistant. Stateless: safe to share across threads and sessions."""

    def reply(self, request: ModelRequest) -> ModelReply:
        """Answer one model request."""
        if request.output_schema == {}:  # "any JSON object": the shape, if any, is spelled out in the prompt
            request = replace(request, output_schema=schema_in(request.system) or {})
        elif request.output_schema is None and (written := schema_in(request.system)) is not None:
            request = replace(request, output_schema=written)  # a JSON schema to answer in, written in the prompt
        today, stated = read_today(request.system, request.messages)
        tools = Tools.of(request.tools if request.tool_choice != "none" else ())
        if wants_extraction(request, tools):
            text = json.dumps(extract(request, today))
            calls: tuple[ToolCall, ...] = ()
        else:
            dialogue = replay(request, today, tools, stated)
            step = decide(dialogue, tools, request)
            calls, text = step.calls, step.text
            if not calls and request.output_schema is not None:
                text = json.dumps(fill_schema(request.output_schema,
                                              {**_facts_of(dialogue), **step.facts, "message": text}))
        return ModelReply(text=text, tool_calls=calls,
                          usage=Usage(request_tokens(request), reply_tokens(text, calls)))


def decide(dialogue: Dialogue, tools: Tools, request: ModelRequest) -> Step:
    """The next step of the conversation."""
    if dialogue.last_role == "assistant":
        return Step(text="Is there anything else I can help with?")
    said, goal = dialogue.last_user, dialogue.request
    if said.intent == "other_language":
        return _aside(say_other_language(said.language), said.intent)
    if said.intent in ("cancel", "recall"):  # what the two tools cannot do: say so, and what they can
        return _aside(say_out_of_reach(said.intent, dialogue, tools), said.intent)
    aside = said.intent in ("greet", "thanks", "bye") and not said.has_booking_facts and dialogue.fresh_result is None
    if goal is None or (goal.closed and dialogue.fresh_result is None) or aside:
        return Step(text=say_small_talk(said.intent, tools, goal))
    if goal.declined:
        return Step(text="No problem — I haven't booked anything. Let me know if you'd like another time.")
    if goal.booked:
        text = say_confirmation(goal.booked, dialogue.today)
        holder = goal.booked.get("user")
        if goal.on_behalf and holder and goal.on_behalf.lower() != str(holder).lower():
            text += (f" It is booked for {holder}: bookings are always made for the signed-in user, "
                     f"not for {goal.on_behalf}.")
        rest = say_rest_of(goal, dialogue)  # several courts asked for: the others, and why they are not booked
        return Step(text=text + rest, expecting="confirm" if rest.endswith("?") else None,
                    facts=_booked_facts(goal.booked))
    return _work_toward(goal, dialogue, tools, request.system)


def _work_toward(goal: Request, dialogue: Dialogue, tools: Tools, system: str) -> Step:
    today, known = dialogue.today, dialogue.known
    if goal.date is None:
        what = "play" if goal.intent == "book" else "check"
        return Step(text=f"Which day would you like to {what}? I can book up to a month ahead.", expecting="date")
    if goal.date < today and dialogue.today_stated:
        return Step(text=f"{say_day(goal.date, today, bare=True)} has already passed — today is "
                         f"{say_day(today, today, bare=True)}. "
                         "Which day would you like instead?", expecting="date")
    club = _club_courts(tools, system)
    unknown = next((c for c in (goal.court, *goal.courts) if c and club and c not in club), None)
    if unknown:
        return Step(text=f"There's no court {unknown} — the club has {say_courts(club, bare=True)}. "
                         "Which would you like?", expecting="court")
    if goal.time is not None:
        problem = _time_problem(goal.time, tools)
        if problem:
            return Step(text=problem, expecting="time")
    if goal.time is None and goal.intent == "book" and (goal.date.isoformat(), None) not in known.open_slots:
        return Step(text="What time would you like?", expecting="time")
    key = (goal.date.isoformat(), goal.time)
    refusal = known.refusals.get(key)
    if refusal:
        return Step(text=say_refusal(refusal, today),
                    expecting="date" if refusal.get("reason") != "outside_opening_hours" else "time")
    if key not in known.open_slots:
        return _look_up(goal, key, dialogue, tools)
    return _choose(goal, key, dialogue, tools, club)


def _look_up(goal: Request, key: tuple[str, str | None], dialogue: Dialogue, tools: Tools) -> Step:
    """Find out which courts are free, or book directly when only a booking tool is offered."""
    if tools.check is not None:
        args = {"date": key[0], "time": key[1]}
        why = (f"Checking which courts are free {say_when(key, dialogue.today)}"
               + (" before booking." if goal.intent == "book" else "."))
        return _call(tools.check, args, dialogue, why) or _gave_up(dialogue, "check availability")
    if tools.ask_check is not None:
        when = f" at {key[1]}" if key[1] else ""
        task = f"Check which courts are free on {key[0]}{when}."
        why = f"Asking {tools.ask_check.name} which courts are free {say_when(key, dialogue.today)}."
        return (_call(tools.ask_check, {free_text_param(tools.ask_check): task}, dialogue, why)
                or _gave_up(dialogue, "check availability"))
    if goal.intent == "book" and tools.can_book and key[1] and (goal.court or goal.slot_id):
        court = goal.court or goal.slot_id[0]
        refused = dialogue.known.failed_bookings.get(slot_id(court, key[0], key[1] or ""))
        if refused:  # no way to look for another slot here: say what happened
            return Step(text=say_refusal(refused, dialogue.today), expecting="time")
        return _book(court, key, goal, dialogue, tools)
    if goal.intent == "book" and tools.can_book and key[1]:
        return Step(text="Which court would you like: A, B, C or D?", expecting="court")
    return Step(text="I can't see the court calendar from here, so I can't tell which courts are free.")


def _choose(goal: Request, key: tuple[str, str | None], dialogue: Dialogue, tools: Tools, club: list[str]) -> Step:
    """Act on known availability: answer a question, book, or ask the user to pick."""
    today, known = dialogue.today, dialogue.known
    slots = known.open_slots[key]
    when = say_when(key, today)
    if key[1] is None:
        return _whole_day(goal, key, slots, dialogue)
    named = goal.court or (goal.slot_id[0] if goal.slot_id else None)
    failed = known.failed_bookings.get(slot_id(named, key[0], key[1])) if named else None
    if not slots and failed:  # the one slot it knew of was taken: say so, not "nothing is free"
        return Step(text=say_refusal(failed, today), expecting="time")
    if not slots:
        return _nothing_free(key, known.alternatives.get(key, []), today)
    free = [s["court"] for s in slots]
    wanted = wanted_courts(goal, known)
    if wanted and goal.intent == "check":
        return _several_asked(wanted, free, key, slots, today)
    if wanted and any(c in free for c in wanted):  # several courts wanted: one booking per request, the first free one
        named = next(c for c in wanted if c in free)
    elif wanted:
        named = wanted[0]
    if goal.count and not wanted and not named and goal.intent == "book" and tools.can_book:
        return _how_many(goal.count, free, key, slots, today)
    if named and named not in free:
        if club and named not in club:
            lead = f"There's no court {named} — the club has {say_courts(club, bare=True)}."
        elif failed:
            lead = f"Sorry — court {named} {when} was just taken."
        elif len(wanted) > 1:
            lead = f"{say_courts(wanted)} {'are both' if len(wanted) == 2 else 'are all'} already booked {when}."
        else:
            lead = f"Court {named} is already booked {when}."
        rest = (f"{say_courts(free, verb=True)} free. "
                + ("Shall I book it?" if len(free) == 1 else "Which one would you like?"))
        return Step(text=f"{lead} {rest}", expecting="confirm" if len(free) == 1 else "court",
                    facts=_open_facts(key, slots))
    if goal.intent == "check" and not tools.can_book:
        return Step(text=f"{say_courts([named] if named else free, verb=True)} free {when}.",
                    facts=_open_facts(key, slots))
    if goal.intent == "check":
        if named:
            text = f"Yes — court {named} is free {when}. Shall I book it for you?"
            return Step(text=text, expecting="confirm",
                        facts=_open_facts(key, slots))
        text = (f"{say_courts(free, verb=True)} free {when}. "
                f"Would you like me to book {'it' if len(free) == 1 else 'one'}?")
        return Step(text=text, expecting="court" if len(free) > 1 else "confirm", facts=_open_facts(key, slots))
    chosen = named or (free[0] if goal.any_court or len(free) == 1 else None)
    if chosen is None and goal.pick is not None and -len(free) <= goal.pick < len(free):
        chosen = free[goal.pick]
    if chosen is None:
        text = f"{say_courts(free, verb=True)} free {when}. Which one would you like?"
        return Step(text=text, expecting="court", facts=_open_facts(key, slots))
    if not tools.can_book:
        return Step(text=f"Court {chosen} is free {when}.",
                    facts=_open_facts(key, slots))
    return _book(chosen, key, goal, dialogue, tools)


def _book(court: str, key: tuple[str, str | None], goal: Request, dialogue: Dialogue, tools: Tools) -> Step:
    slot = goal.slot_id if goal.slot_id and goal.slot_id[0] == court else slot_id(court, key[0], key[1] or "")
    why = f"Booking court {court} {say_when(key, dialogue.today)}."
    if tools.book is not None:
        return _call(tools.book, {"slot_id": slot}, dialogue, why) or _gave_up(dialogue, "book the court")
    task = f"Book court {court} on {key[0]} at {key[1]} (slot {slot})."
    why = f"Asking {tools.ask_book.name} to book court {court} {say_when(key, dialogue.today)}."
    return (_call(tools.ask_book, {free_text_param(tools.ask_book): task}, dialogue, why)
            or _gave_up(dialogue, "book the court"))


def _several_asked(wanted: list[str], free: list[str], key: tuple[str, str | None], slots: list[dict[str, Any]],
                   today: date) -> Step:
    """A question about several courts at once: which of them are free."""
    when = say_when(key, today)
    open_, shut = [c for c in wanted if c in free], [c for c in wanted if c not in free]
    if not open_:
        text = f"No — {say_courts(shut, bare=True)} {'are' if len(shut) > 1 else 'is'} already booked {when}."
        if free:
            text += (f" {say_courts(free, verb=True)} free. "
                     f"Would you like me to book {'it' if len(free) == 1 else 'one'}?")
        return Step(text=text, expecting="court" if len(free) > 1 else "confirm", facts=_open_facts(key, slots))
    text = f"{say_courts(open_, verb=True)} free {when}"
    text += f", but {say_courts(shut, bare=True)} {'are' if len(shut) > 1 else 'is'} already booked." if shut else "."
    return Step(text=f"{text} Shall I book {'it' if len(open_) == 1 else 'them'}?", expecting="confirm",
                facts=_open_facts(key, slots))


def _how_many(count: int, free: list[str], key: tuple[str, str | None], slots: list[dict[str, Any]],
              today: date) -> Step:
    """A number of courts asked for, and not that many free, or more free than wanted: ask."""
    when, number = say_when(key, today), NUMBER_WORDS.get(count, str(count))
    if len(free) > count:
        return Step(text=f"{say_courts(free, verb=True)} free {when}. Which {number} would you like?",
                    expecting="court", facts=_open_facts(key, slots))
    if not free:
        return _nothing_free(key, [], today)
    return Step(text=f"Only {say_courts(free, bare=True)} {'is' if len(free) == 1 else 'are'} free {when}, "
                     f"not {number}. "
                     f"Shall I book {'it' if len(free) == 1 else 'those'}?",
                expecting="confirm", facts=_open_facts(key, slots))


def _whole_day(goal: Request, key: tuple[str, str | None], slots: list[dict[str, Any]], dialogue: Dialogue) -> Step:
    day = say_day(date.fromisoformat(key[0]), dialogue.today)
    if not slots:
        return Step(text=f"Every court is booked {day}. Would another day work?", expecting="date")
    by_hour: dict[str, list[str]] = {}
    for slot in slots:
        by_hour.setdefault(slot["time"], []).append(slot["court"])
    listing = ", ".join(f"{time} ({'/'.join(courts)})" for time, courts in sorted(by_hour.items()))
    ask = "What time would you like?" if goal.intent == "book" else "Which time would you like me to book?"
    return Step(text=f"Open {day}: {listing}. {ask}", expecting="time", facts=_open_facts(key, slots))


def _nothing_free(key: tuple[str, str | None], alternatives: list[dict[str, Any]], today: date) -> Step:
    text = f"Sorry, no courts are free {say_when(key, today)}."
    if alternatives:
        options = ", ".join(f"{a['time']} (court {a['court']})" for a in sorted(alternatives, key=lambda a: a["time"]))
        text += f" The nearest open times that day: {options}. Would one of those work?"
    else:
        text += " Would another day or time work?"
    return Step(text=text, expecting="time",
                facts={"date": key[0], "time": key[1], "slots": [], "alternatives": alternatives})


def _call(tool: ToolDef, args: dict[str, Any], dialogue: Dialogue, why: str) -> Step | None:
    """A tool call with a one-line rationale, unless the same call already failed too often."""
    if len(dialogue.known.errors.get(call_key(tool.name, args), [])) >= MAX_ATTEMPTS_PER_CALL:
        return None
    return Step(text=why, calls=(ToolCall(name=tool.name, arguments=json.dumps(args)),))


def _gave_up(dialogue: Dialogue, what: str) -> Step:
    last = next(iter(reversed([m for ms in dialogue.known.errors.values() for m in ms])), "")
    detail = f" The system said: {last}" if last else ""
    return Step(text=f"Sorry — I couldn't {what} just now; the booking system kept returning an error.{detail} "
                     "Nothing was booked. Please try again in a moment.")


def _time_problem(time: str, tools: Tools) -> str | None:
    """Why a time can't be a slot start, judged by the opening hours the tool description states."""
    hour, minute = int(time[:2]), int(time[3:])
    if minute:
        return ("Courts are booked by the hour, starting on the hour. "
                f"Would {hour:02d}:00 or {(hour + 1) % 24:02d}:00 work?")
    hours = _opening_hours(tools)
    if hours and not hours[0] <= hour <= hours[1]:
        return (f"The courts are open for slots starting {hours[0]:02d}:00 to {hours[1]:02d}:00, "
                f"so {time} isn't possible. "
                "What time within opening hours would you like?")
    return None


def _opening_hours(tools: Tools) -> tuple[int, int] | None:
    """The first and last start hours a tool's description or parameters give ("from 07:00 to 21:00",
    "between 7:00 and 21:00", "07:00-21:00")."""
    for tool in (tools.check, tools.ask_check, tools.book):
        if tool is None:
            continue
        text = tool.description + " " + json.dumps(tool.parameters)
        match = re.search(r"(\d{1,2}):00\s*(?:to|until|till|and|-|–)\s*(\d{1,2}):00", text)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def _aside(text: str, intent: str) -> Step:
    """An answer to a message that is not about the request at hand: its structured facts say so too."""
    return Step(text=text, facts={"intent": intent, "date": None, "time": None, "court": None, "any_court": False})


def _club_courts(tools: Tools, system: str = "") -> list[str]:
    """The courts the prompt or the tool descriptions say the club has, however the list is written:
    "courts A, B, C and D", "courts A-D", "four courts (A, B, C, D)", "the courts are A to D", "courts: A or B"."""
    texts = [system] + [tool.description for tool in (tools.check, tools.ask_check, tools.book, tools.ask_book) if tool]
    for text in texts:
        said = _COURTS_SAID.search(text)
        if said and said.group("first"):
            return [chr(c) for c in range(ord(said.group("first")), ord(said.group("last")) + 1)]
        if said:
            return re.findall(r"\b[A-Z]\b", said.group("listed"))
    return []


_COURTS_SAID = re.compile(
    r"\bcourts?\b[^.;\n]{0,30}?(?:(?P<first>\b[A-Z])\s*(?:-|–|to|through)\s*(?P<last>[A-Z])\b"
    r"|(?P<listed>\b[A-Z](?:\s*(?:,|\band\b|\bor\b|&)\s*[A-Z]\b)+))")


# --- Facts for a structured final answer ------------------------------------------------------

def _facts_of(dialogue: Dialogue) -> dict[str, Any]:
    goal = dialogue.request
    if goal is None:
        return {}
    wanted = wanted_courts(goal, dialogue.known)
    court = " and ".join(wanted) if wanted else goal.court  # "the court the user asked for": all of them, when several
    return {"intent": goal.intent, "date": goal.date.isoformat() if goal.date else None, "time": goal.time,
            "court": court, "any_court": goal.any_court}

def _open_facts(key: tuple[str, str | None], slots: list[dict[str, Any]]) -> dict[str, Any]:
    return {"date": key[0], "time": key[1], "slots": slots, "free_courts": [s["court"] for s in slots]}

def _booked_facts(booked: dict[str, Any]) -> dict[str, Any]:
    return {**booked, "booked": True}
