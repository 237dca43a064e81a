"""Cross-process race: 8 processes × 20 conversations, all booking the same few slots on one new calendar file.

The processes start together behind a barrier, and each opens (so one of them creates) the same new
file with `Calendar.open`. Process i runs its 20 conversations through the patterns A to G in turn,
each for its own user, each asking for one of 8 slots — courts A to D tomorrow at 15:00 and 16:00 —
by name or as "any court" at that hour: 160 contenders for 8 slots. The first conversation of every
process asks for the same slot, so eight patterns' check-then-book sequences meet head on. Every
worker reports, for each conversation, its replies, the confirmation codes in them and any exception.

Afterwards the calendar file must show: no crash, no slot booked twice, every slot booked, no lost
confirmation (every code a user was told is in the database for that user and a slot they asked for,
and every booking in the database was told to its user), and no user with two bookings.
"""

from __future__ import annotations

import multiprocessing
import re
import traceback
from pathlib import Path
from typing import Any

import pytest

from orchestration.calendar import Calendar, Clock

from .helpers import TODAY, TOMORROW

PROCESSES = 8
CONVERSATIONS = 20
LETTERS = "ABCDEFG"
CODE = re.compile(r"TC-[0-9A-F]{6}")
HOURS = {"3pm": "15:00", "4pm": "16:00"}
SLOTS = {(court, TOMORROW, time) for court in "ABCD" for time in HOURS.values()}
TIMEOUT_S = 240


def plan(process: int) -> list[dict[str, Any]]:
    """Process `process`'s conversations: pattern, user, message, and the slots the message asks for."""
    conversations = []
    for number in range(CONVERSATIONS):
        at = list(HOURS)[(process + number) % 2]
        if number == 0:  # the first conversation of every process: the same slot, all at once
            message, courts = "Book court A tomorrow at 3pm", "A"
        elif number % 5 == 4:  # every fifth asks for any court at that hour
            message, courts = f"Book any court tomorrow at {at}", "ABCD"
        else:
            court = "ABCD"[(process + number // 2) % 4]
            message, courts = f"Book court {court} tomorrow at {at}", court
        conversations.append({"pattern": LETTERS[(process + number) % len(LETTERS)], "user": f"p{process}-u{number}",
                              "message": message, "asks": sorted((c, TOMORROW, HOURS[at]) for c in courts)})
    return conversations


def _worker(path: str, process: int, start: Any) -> list[dict[str, Any]]:
    """One process: wait for the others, open the shared calendar, run its conversations."""
    from orchestration.patterns import PATTERNS, Deps
    from orchestration.patterns import start as start_pattern
    from orchestration.vendors.settings import Settings

    from . import netguard

    netguard.install()
    for info in PATTERNS.values():  # imported before the barrier, so the conversations overlap
        info.conversation_class()
    start.wait()
    calendar = Calendar.open(path, Clock.on(TODAY), seed="empty")
    results = []
    for conversation in plan(process):
        replies: list[str] = []
        error, chat = None, None
        try:
            chat = start_pattern(conversation["pattern"], Deps.of(calendar, conversation["user"], Settings()))
            replies.append(chat.send(conversation["message"]))
        except Exception:  # noqa: BLE001 - reported to the test, which fails on it
            error = traceback.format_exc()
        results.append({**conversation, "replies": replies, "error": error,
                        "codes": sorted({code for reply in replies for code in CODE.findall(reply)}),
                        "lost_at_book": _lost_at_book(chat)})
    return results


def _lost_at_book(chat: Any) -> bool:
    """Whether a `book` call of this conversation found its slot taken: it lost the race after checking."""
    return chat is not None and any(
        event.action == "execute_tool" and event.detail.get("tool") == "book"
        and event.detail.get("result", {}).get("reason") == "slot_taken" for event in chat.trace.events)


def test_eight_processes_racing_for_eight_slots_book_each_once_and_lose_no_confirmation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    context = multiprocessing.get_context("spawn")  # not fork: the SDKs hold threads
    path = str(tmp_path / "shared.db")
    with context.Manager() as manager:
        start = manager.Barrier(PROCESSES)
        with context.Pool(PROCESSES) as pool:
            outcome = pool.starmap_async(_worker, [(path, process, start) for process in range(PROCESSES)])
            results = [result for process in outcome.get(timeout=TIMEOUT_S) for result in process]

    rows = Calendar(path).bookings()
    by_code = {row.confirmation: row for row in rows}
    told = {code: result["user"] for result in results for code in result["codes"]}
    crashes = [f"{r['pattern']} {r['user']} {r['message']!r}:\n{r['error']}" for r in results if r["error"]]
    crashes += [f"{r['pattern']} {r['user']} {r['message']!r}: empty reply" for r in results
                if not r["error"] and not (r["replies"] and r["replies"][0].strip())]
    slots = [(row.court, row.date, row.time) for row in rows]
    doubles = [slot for slot in set(slots) if slots.count(slot) > 1]
    lost = [f"{r['pattern']} {r['user']} was told {code}, not in the calendar for them and a slot they asked for"
            for r in results for code in r["codes"]
            if code not in by_code or by_code[code].user != r["user"]
            or (by_code[code].court, by_code[code].date, by_code[code].time) not in map(tuple, r["asks"])]
    lost += [f"{row.user} holds {row.confirmation} ({row.court} {row.date} {row.time}) but was never told it"
             for row in rows if told.get(row.confirmation) != row.user]
    twice = [user for user in {row.user for row in rows} if sum(row.user == user for row in rows) > 1]

    summary = (f"race: {PROCESSES} processes × {CONVERSATIONS} conversations, {len(rows)} booked, "
               f"{len(doubles)} double bookings, {len(lost)} lost confirmations, {len(crashes)} crashes")
    by_pattern = {letter: sum(row.via == letter for row in rows) for letter in LETTERS}
    lost_at_book = sum(result["lost_at_book"] for result in results)
    with capsys.disabled():
        print(f"\n{summary}; {lost_at_book} conversations found their slot taken at `book` time, after checking; "
              f"bookings by pattern: {by_pattern}")
    assert len(results) == PROCESSES * CONVERSATIONS, summary
    assert not crashes, summary + "\n" + "\n".join(crashes)
    assert not doubles, f"{summary}: {doubles}"
    assert not lost, summary + "\n" + "\n".join(lost)
    assert not twice, f"{summary}: users with two bookings: {twice}"
    assert set(slots) == SLOTS, f"{summary}: every slot had contenders, yet {sorted(SLOTS - set(slots))} is free"
