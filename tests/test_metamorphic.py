"""Metamorphic: reword every prompt, instruction, agent name and tool description, and nothing else changes.

A real model reads meaning. If a pattern, or the offline model standing in for one, depended on the
exact words of an instruction, a paraphrase would change what gets booked or what the user is told.
Each run replaces all of them at once with one paraphrase from the tables below (two per text),
runs the same conversations through all seven patterns, and compares the calendar and the facts
in the replies (courts, times, confirmation codes) with the run on the original words.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orchestration import tools
from orchestration.patterns import a_ai_as_service as a
from orchestration.patterns import b_bedrock_agent as b
from orchestration.patterns import c_function_calling as c
from orchestration.patterns import d_agents_sdk as d
from orchestration.patterns import e_workflow as e
from orchestration.patterns.f_manager_bedrock import manager as f
from orchestration.patterns.g_lambda_agents import availability_lambda as g_availability
from orchestration.patterns.g_lambda_agents import booking_lambda as g_booking
from orchestration.patterns.g_lambda_agents import manager as g

from .helpers import bookings_by, converse, new_calendar

CONVERSATIONS = {
    "dialogue": ("demo", ("Book a court for tomorrow", "3pm", "A")),
    "one message": ("empty", ("Book court B tomorrow at 9am",)),
    "question": ("demo", ("Any courts free tomorrow at 3pm?",)),
    "taken": ("demo", ("Book court C tomorrow at 3pm",)),
    "no such court": ("empty", ("Book court F tomorrow at 10am",)),
}

RULES = (
    "Always look up availability before you book anything. When more than one court is open and the member did not "
    "pick one, ask them which. If the day, the time or the court is missing, ask for it. Book at most once per "
    "request. After a booking succeeds, tell the member the court, the day, the time and the confirmation code. "
    "Every booking is made in the name of the member who is signed in.",
    "Rules: check first, then book. Missing day, time or court? Ask. Several open courts and no preference given? "
    "Let the member choose. One booking per request, never two. Confirm with court, day, time and confirmation "
    "code. Bookings belong to the signed-in member.",
)
TODAY_LINES = (
    lambda today: f"The current date is {today.isoformat()}, a {today:%A}.",
    lambda today: f"For reference, today's date: {today.isoformat()} ({today:%A}).",
)
PROMPTS: dict[tuple[Any, str], tuple[str, str]] = {
    (a, "PARSE_PROMPT"): (
        "Turn a tennis court booking message into data. {today} Given the user's message (and, if shown, the question "
        "it replies to), answer with a single JSON object and nothing else. Keys: intent (one of \"book\", \"check\", "
        "\"other\"), date (YYYY-MM-DD), time (24-hour HH:MM), court (\"A\" to \"D\", or \"any\"). Put null where the "
        "message is silent.",
        "{today} Your job is extraction only: read the message and return JSON with the keys intent (\"book\", "
        "\"check\" or \"other\"), date (as YYYY-MM-DD), time (as HH:MM on a 24-hour clock) and court (\"A\"-\"D\" or "
        "\"any\"). Anything not mentioned is null. No prose."),
    (c, "SYSTEM_PROMPT"): (
        "{today} You work the front desk of a tennis club that has four courts, A to D, and you handle bookings.\n{rules}",
        "Role: court reservations assistant for a tennis club (courts A, B, C and D). {today}\n{rules}"),
    (d, "INSTRUCTIONS"): (
        "You take court reservations for a tennis club whose courts are A, B, C and D. {today}\n{rules}",
        "{today} Members ask you to reserve tennis courts (the club has courts A to D).\n{rules}"),
    (f, "INSTRUCTIONS"): (
        "You run the booking desk of a tennis club with courts A to D. {today}\nYou have no calendar access; two "
        "specialists do. Send availability questions to the availability specialist and reservations to the booking "
        "specialist. To book, find the open slots first, then have the chosen one reserved. Sum up what they tell you "
        "for the member.\n{rules}",
        "{today} Tennis club, courts A, B, C and D. You coordinate: the availability specialist knows what is free, the "
        "booking specialist makes reservations. Ask the first before the second, and answer the member from what they "
        "report.\n{rules}"),
    (g, "INSTRUCTIONS"): (
        "You run the booking desk of a tennis club with courts A to D. {today}\nTwo functions do the work: one reports "
        "availability, one makes reservations. For a booking, ask the availability function for open slots first, "
        "then the booking function for the slot picked. Tell the member what came back.\n{rules}",
        "{today} You coordinate bookings for a tennis club (courts A, B, C and D) through two specialist functions: "
        "availability first, then booking. Summarise their answers for the member.\n{rules}"),
    (g_availability, "SYSTEM"): (
        "{today} You look up which tennis courts (A to D) are open, using check_availability, and report them.",
        "Find the open tennis courts with check_availability and say which are free. Courts: A, B, C and D. {today}"),
    (g_booking, "SYSTEM"): (
        "{today} You reserve tennis court slots using the book tool: reserve the one you are asked for and confirm it.",
        "Reserve exactly the requested tennis court slot with book, then confirm the reservation. {today}"),
}
AGENT_INSTRUCTIONS = [  # Agents SDK agents whose instructions are set on the agent itself
    (e.availability_agent, (
        "{today} Read the conversation and work out which day and time the member wants; ask in `message` if either "
        "is missing. Once both are known, call check_availability and list the open slots. Note any court the member "
        "asked for. Booking is not your job. Courts: A to D.",
        "Tennis availability step (courts A, B, C, D). {today} Establish the day and the time (ask for what is "
        "missing), check availability, report the open slots and the court requested, if any. Never book.")),
    (e.booking_agent, (
        "{today} Reserve a tennis court with the book tool, choosing from the slots given: the member's court if they "
        "asked for one; if they did not and more than one is open, ask which instead. Say whether it worked and give "
        "the confirmation code.",
        "Booking step. {today} From the listed slots, book the one the member wants; with several open and no "
        "preference, ask them to choose. Report the outcome and the confirmation code.")),
]
BEDROCK_AGENTS = {  # Bedrock agent definitions: instruction and name
    (b, "BOOKING_AGENT"): (
        ("tennis-desk-agent", "You take tennis court bookings for a club with courts A to D. Look up availability "
                              "first, ask for anything missing, and let the member choose when several are open."),
        ("club-reservations", "Book tennis courts A, B, C and D for members: check what is free before booking, "
                              "ask for missing details, and ask which court when more than one is free.")),
    (f, "AVAILABILITY_AGENT"): (
        ("slot-finder", "You find open tennis courts (A to D) with check_availability and report them. Booking is "
                        "not something you can do."),
        ("availability-desk", "Report which of the club's courts A, B, C and D are free, using check_availability. "
                              "You cannot make bookings.")),
    (f, "BOOKING_AGENT"): (
        ("reservation-maker", "You reserve tennis court slots. Reserve exactly the one requested with the book "
                              "function and confirm it."),
        ("booking-desk", "Make the tennis court reservation you are asked for, using book, and confirm what was "
                         "reserved.")),
}
AGENT_NAMES = [(d.booking_agent, ("Court helper", "Reservations")), (e.availability_agent, ("Slot checker", "Step one")),
               (e.booking_agent, ("Reserver", "Step two")), (f.manager, ("Front desk", "Coordinator")),
               (g.manager, ("Desk lead", "Dispatcher"))]
TOOL_DESCRIPTIONS = {
    "check_availability": ("List the free slots on the club's courts A to D for a given day, optionally at one hour.",
                           "Which tennis courts (A, B, C, D) are open on a day, and at what hours."),
    "book": ("Reserve one open slot, by its id, for the member who is signed in.",
             "Make a booking of a single free court slot; the booking is in the signed-in member's name."),
}
DELEGATE_DESCRIPTIONS = [
    (f.ask_availability_agent, ("Have the availability specialist find out which courts are open.",
                                "Query the Bedrock availability agent about free courts.")),
    (f.ask_booking_agent, ("Have the booking specialist reserve a court slot.",
                           "Send a reservation request to the Bedrock booking agent.")),
    (g.ask_availability_lambda, ("Ask the availability function which courts are open.",
                                 "Query the availability Lambda about free courts.")),
    (g.ask_booking_lambda, ("Ask the booking function to reserve a court slot.",
                            "Send a reservation request to the booking Lambda.")),
]
SDK_TOOLS = [tool for agent in (d.booking_agent, e.availability_agent, e.booking_agent) for tool in agent.tools]


def reword(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Replace every prompt, instruction, agent name and tool description with paraphrase `n`."""
    for module in (c, d, f, g):
        monkeypatch.setattr(module, "ASSISTANT_RULES", RULES[n])
    for module in (a, c, d, e, f, g, g_availability, g_booking):
        monkeypatch.setattr(module, "today_line", TODAY_LINES[n])
    for (module, name), texts in PROMPTS.items():
        monkeypatch.setattr(module, name, texts[n])
    for agent, texts in AGENT_INSTRUCTIONS:
        monkeypatch.setattr(agent, "instructions", _render(texts[n], TODAY_LINES[n]))
    for (module, name), versions in BEDROCK_AGENTS.items():
        agent_name, instruction = versions[n]
        monkeypatch.setattr(module, name, dataclasses.replace(getattr(module, name), name=agent_name, instruction=instruction))
    for agent, names in AGENT_NAMES:
        monkeypatch.setattr(agent, "name", names[n])
    for tool_name, texts in TOOL_DESCRIPTIONS.items():
        for strict in (True, False):
            monkeypatch.setattr(tools.schema(tool_name, strict), "description", texts[n])
        for tool in SDK_TOOLS:
            if tool.name == tool_name:
                monkeypatch.setattr(tool, "description", texts[n])
    for tool, texts in DELEGATE_DESCRIPTIONS:
        monkeypatch.setattr(tool, "description", texts[n])


def _render(text: str, today_line: Any) -> Any:
    def instructions(ctx: Any, agent: Any) -> str:
        today: date = ctx.context.calendar.clock.today()
        return text.format(today=today_line(today))
    return instructions


def facts(reply: str) -> tuple[frozenset[str], frozenset[str], bool, bool]:
    """What a reply tells the user: courts, times, whether it confirms a booking, and with a code."""
    times = {f"{int(h):02d}:{m}" for h, m in re.findall(r"\b(\d{1,2}):(\d{2})\b", reply)}
    return (frozenset(re.findall(r"\b[A-F]\b", reply)), frozenset(times), bool(re.search(r"\bbooked\b", reply, re.I)),
            bool(re.search(r"TC-[0-9A-F]{6}", reply)))


def run_all(tmp_path: Path) -> dict[tuple[str, str], tuple[list, list]]:
    outcomes = {}
    for letter in "ABCDEFG":
        for name, (seed, messages) in CONVERSATIONS.items():
            folder = tmp_path / f"{letter}-{name.replace(' ', '-')}"
            folder.mkdir()
            calendar = new_calendar(folder, seed)
            chat = converse(letter, calendar)
            replies = [chat.send(message) for message in messages]
            outcomes[letter, name] = (bookings_by(calendar, "alice"), [facts(r) for r in replies])
    return outcomes


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[list, list]]:
    return run_all(tmp_path_factory.mktemp("original"))


@pytest.mark.parametrize("n", [0, 1])
def test_paraphrased_prompts_book_the_same_and_tell_the_same(
    n: int, original: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reword(monkeypatch, n)
    reworded = run_all(tmp_path)
    differ = {key: (original[key], reworded[key]) for key in original if original[key] != reworded[key]}
    print(f"paraphrase {n + 1}: {len(original) - len(differ)}/{len(original)} conversations unchanged "
          f"({len({k[0] for k in original} - {k[0] for k in differ})}/7 patterns)")
    assert differ == {}
    assert original["A", "dialogue"][0] == [("A", "2025-12-04", "15:00")]  # the originals are what they should be
