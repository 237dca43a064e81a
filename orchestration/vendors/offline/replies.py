"""The offline model's words: the sentences the brain says once it has decided what to say.

`brain.py` decides (which tool to call, what to ask for, when to answer); the sentences built apart
from a decision are here: small talk, the booking confirmation, what is left of a request for several
courts, why a request was refused, what it cannot do (cancel, look up bookings, read another
language), and how days, times and lists of courts are written. Nothing here decides or calls a tool;
each function turns facts it is given into text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ...formats import court_list, human_day, slot_id
from .dialogue import Dialogue, Request, Tools, courts_left, wanted_courts

NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}


def say_small_talk(intent: str | None, tools: Tools, goal: Request | None) -> str:
    offer = _can_do(tools)
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


def say_rest_of(goal: Request, dialogue: Dialogue) -> str:
    """After a booking for a request that wanted several courts: which were not booked, and why."""
    wanted = wanted_courts(goal, dialogue.known)
    booked = goal.booked or {}
    if len(wanted) < 2:
        return ""
    left = courts_left(goal, dialogue.known)
    gone = [c for c in wanted if c != booked.get("court") and c not in left]
    key = (str(booked.get("date")), booked.get("time"))
    when = say_when(key, dialogue.today) if booked.get("date") and booked.get("time") else "then"
    text = ""
    for court in gone:
        failed = dialogue.known.failed_bookings.get(slot_id(court, key[0], key[1] or ""))
        text += f" Court {court} {'was just taken' if failed else 'is already booked'} {when}, so I couldn't book it."
    if left:
        text += (f" I make one booking per request, so {court_list(left)} {'is' if len(left) == 1 else 'are'} "
                 f"not booked yet. Shall I book court {left[0]} {when} as well?")
    return text


def _can_do(tools: Tools) -> str:
    return ("check which courts are free and book one for you" if tools.can_book else
            "check which courts are free" if tools.can_check else "talk about court bookings")


def say_out_of_reach(intent: str, dialogue: Dialogue, tools: Tools) -> str:
    """Cancelling, or looking up bookings: neither is a tool here. Say so, say what is possible, and tell
    what the conversation itself shows was booked."""
    made = [b for b in dialogue.made if b.get("court") and b.get("date") and b.get("time")]
    held = "; ".join(f"court {b['court']} {say_when((str(b['date']), b['time']), dialogue.today)} "
                     f"(confirmation {b.get('confirmation')})" for b in made)
    if intent == "cancel":
        text = f"I can't cancel bookings: I can {_can_do(tools)}."
        if made:
            several = len(made) > 1
            return (f"{text} Your booking{'s' if several else ''} — {held} — still stand{'' if several else 's'}. "
                    "To cancel, please contact the club.")
        return f"{text} I don't see a booking in this conversation; to cancel an earlier one, please contact the club."
    if made:
        return f"In this conversation you booked {held}. I can't look up other bookings: I can {_can_do(tools)}."
    return (f"I can't look up bookings: I can {_can_do(tools)}. I don't see a booking in this conversation; "
            "the confirmation code you were given is your record of a booking.")


def say_other_language(language: str | None) -> str:
    looks = f"that looks like {language}, but I" if language else "I"
    return (f"Sorry — {looks} can only read English. Please write your request in English: the day, the time and, "
            "if you like, the court.")


def say_confirmation(booked: dict[str, Any], today: date) -> str:
    court, day, time = booked.get("court"), booked.get("date"), booked.get("time")
    when = say_day(date.fromisoformat(day), today) if day else ""
    code = booked.get("confirmation", "")
    if booked.get("already_held"):
        return (f"You already have court {court} booked {when} at {time} — confirmation code {code}. "
                "Nothing new was booked.")
    return f"Booked! Court {court}, {when} at {time}. Your confirmation code is {code}."


_REFUSAL_WORDS = {
    "slot_taken": "Sorry — that slot was just taken.",
    "in_the_past": "That time has already passed.",
    "too_far_ahead": "That's too far ahead —",
    "outside_opening_hours": "That's outside opening hours —",
    "no_such_court": "That court doesn't exist —",
    "no_such_slot": "That isn't a bookable slot —",
}


def say_refusal(refusal: dict[str, Any], today: date) -> str:
    message = str(refusal.get("message", "")).strip()
    if refusal.get("reason") == "unknown" and message:  # a specialist's own explanation: pass it on as it is
        return message if message.endswith("?") else f"{message} What would you like instead?"
    lead = _REFUSAL_WORDS.get(str(refusal.get("reason")), "I couldn't do that —")
    alternatives = refusal.get("alternatives") or []
    tail = ""
    if alternatives:
        tail = " Open nearby: " + ", ".join(f"{a['time']} (court {a['court']})"
                                            for a in sorted(alternatives, key=lambda a: a["time"])) + "."
    return f"{lead} {message}{tail} What would you like instead?"


def say_day(day: date, today: date, bare: bool = False) -> str:
    name = human_day(day, today)
    if bare:
        return name
    relative = {0: "today", 1: "tomorrow"}.get((day - today).days)
    return f"{relative} ({name})" if relative else f"on {name}"


def say_when(key: tuple[str, str | None], today: date) -> str:
    day = say_day(date.fromisoformat(key[0]), today)
    return f"{day} at {key[1]}" if key[1] else day


def say_courts(courts: list[str], verb: bool = False, bare: bool = False) -> str:
    listed = court_list(courts, capital=not bare)
    return listed + ((" is" if len(set(courts)) == 1 else " are") if verb else "")
