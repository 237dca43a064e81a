"""The court calendar: availability, every refusal, the demo state, and no double booking under load.

Every test runs on both stores: a SQLite file, and a DynamoDB table on moto's server on loopback.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from orchestration.calendar import (
    Availability,
    Booked,
    Calendar,
    CalendarUnavailable,
    Clock,
    Refused,
    Slot,
    demo_bookings,
    slot_id,
)

TODAY = date(2025, 12, 3)


_tables = itertools.count()


@pytest.fixture(params=["sqlite", "dynamodb"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Where a new calendar named `name` goes: a file in tmp_path, or a new table on moto's DynamoDB."""
    if request.param == "sqlite":
        return lambda name: str(tmp_path / f"{name}.db")
    endpoint = request.getfixturevalue("dynamodb")
    return lambda name: f"dynamodb://{name}-{next(_tables)}?endpoint={endpoint}"


@pytest.fixture
def calendar(place: Callable[[str], str]) -> Calendar:
    return Calendar.open(place("calendar"), Clock.on(TODAY), seed="empty")


@pytest.fixture
def demo(place: Callable[[str], str]) -> Calendar:
    return Calendar.open(place("demo"), Clock.on(TODAY), seed="demo")


def slot(court: str, day: str, time: str) -> Slot:
    return Slot(slot_id=slot_id(court, day, time), court=court, date=day, time=time)


def test_an_empty_calendar_has_every_court_free(calendar: Calendar) -> None:
    assert calendar.check_availability("2025-12-04", "09:00") == Availability(
        date="2025-12-04", time="09:00", slots=[slot(c, "2025-12-04", "09:00") for c in "ABCD"])
    assert len(calendar.check_availability("2025-12-04").slots) == 4 * 15


def test_demo_tomorrow_at_three_leaves_courts_a_and_b_as_in_the_article(demo: Calendar) -> None:
    assert demo.check_availability("2025-12-04", "15:00") == Availability(
        date="2025-12-04", time="15:00", slots=[slot("A", "2025-12-04", "15:00"), slot("B", "2025-12-04", "15:00")])


def test_a_full_hour_says_full_and_offers_other_times(demo: Calendar) -> None:
    full = demo.check_availability("2025-12-04", "18:00")
    assert isinstance(full, Availability) and full.slots == [] and full.status == "full"
    assert [a.time for a in full.other_times] == ["17:00", "16:00", "20:00"]
    sent = json.loads(str(full))  # what a model reads: "full", and the other hours under their own name
    assert sent["status"] == "full" and sent["slots"] == [] and "alternatives" not in sent
    assert sent["other_times"] == [s.slot_id for s in full.other_times]


def test_an_hour_with_a_free_court_is_open_without_other_times(demo: Calendar) -> None:
    found = demo.check_availability("2025-12-04", "15:00")
    assert isinstance(found, Availability) and found.status == "open" and found.other_times == []


def test_a_day_with_nothing_free_is_full(tmp_path: Path) -> None:
    late = Calendar.open(tmp_path / "late.db", Clock(datetime(2025, 12, 4, 21, 30)), seed="empty")
    day = late.check_availability("2025-12-04")  # every slot of the day has started
    assert isinstance(day, Availability) and day.slots == [] and day.status == "full" and day.other_times == []
    assert Availability(date="2025-12-04", slots=[]).status == "full"
    assert Availability(date="2025-12-04", slots=[], status="open").status == "full"  # it follows the slots


def test_demo_state_is_the_same_relative_to_any_today() -> None:
    shift = lambda rows, base: [(c, (date.fromisoformat(d) - base).days, t, u) for c, d, t, u in rows]  # noqa: E731
    assert shift(demo_bookings(TODAY), TODAY) == shift(demo_bookings(date(2026, 7, 1)), date(2026, 7, 1))


def test_booking_confirms_and_records_who_and_through_which_pattern(calendar: Calendar) -> None:
    booked = calendar.book("A-2025-12-04-1500", "alice", via="C")
    assert booked == Booked(confirmation=booked.confirmation, court="A", date="2025-12-04", time="15:00", user="alice")
    assert booked.confirmation.startswith("TC-") and len(booked.confirmation) == 9
    [row] = calendar.bookings()
    assert (row.court, row.date, row.time, row.user, row.via, row.confirmation) == (
        "A", "2025-12-04", "15:00", "alice", "C", booked.confirmation)
    assert calendar.check_availability("2025-12-04", "15:00").slots == [slot(c, "2025-12-04", "15:00") for c in "BCD"]


@pytest.mark.parametrize(
    ("slot_id", "reason"),
    [
        ("A-2025-12-04-1500", "slot_taken"),
        ("E-2025-12-04-1500", "no_such_court"),
        ("A-2025-12-04-1530", "no_such_slot"),
        ("A-2025-12-02-1500", "in_the_past"),
        ("A-2025-12-04-0600", "outside_opening_hours"),
        ("A-2025-12-04-2200", "outside_opening_hours"),
        ("A-2026-01-03-1500", "too_far_ahead"),
        ("court A at 3", "malformed_id"),
        ("A-2025-02-30-1500", "malformed_id"),
    ],
)
def test_each_refusal_kind(calendar: Calendar, slot_id: str, reason: str) -> None:
    calendar.book("A-2025-12-04-1500", "bob")
    refused = calendar.book(slot_id, "carol")
    assert isinstance(refused, Refused)
    assert refused.reason == reason
    assert refused.message  # plain words a model can repeat


def test_a_taken_slot_offers_other_courts_at_the_same_hour_first(calendar: Calendar) -> None:
    calendar.book("A-2025-12-04-1500", "bob")
    refused = calendar.book("A-2025-12-04-1500", "alice")
    assert refused.alternatives[:3] == [slot(c, "2025-12-04", "15:00") for c in "BCD"]


def test_slots_that_already_started_today_are_in_the_past(place: Callable[[str], str]) -> None:
    afternoon = Calendar.open(place("afternoon"), Clock(datetime(2025, 12, 3, 15, 20)), seed="empty")
    assert afternoon.book("A-2025-12-03-1500", "alice").reason == "in_the_past"
    assert isinstance(afternoon.book("A-2025-12-03-1600", "alice"), Booked)
    assert [s.time for s in afternoon.check_availability("2025-12-03").slots][:4] == ["16:00"] * 3 + ["17:00"]
    assert afternoon.check_availability("2025-12-03", "09:00").reason == "in_the_past"


@pytest.mark.parametrize(("day", "time", "reason"), [
    ("2025-12-01", None, "in_the_past"),
    ("2026-02-01", None, "too_far_ahead"),
    ("2025-12-04", "06:00", "outside_opening_hours"),
    ("2025-12-04", "15:30", "no_such_slot"),
    ("tomorrow", None, "malformed_input"),
    ("2025-12-04", "3pm", "malformed_input"),
])
def test_availability_refusals(calendar: Calendar, day: str, time: str | None, reason: str) -> None:
    refused = calendar.check_availability(day, time)
    assert isinstance(refused, Refused) and refused.reason == reason


def test_bookings_after_a_marker_lists_only_new_ones(demo: Calendar) -> None:
    marker = demo.last_id()
    assert marker > 0
    demo.book("A-2025-12-04-1500", "alice")
    assert [(b.court, b.user) for b in demo.bookings(after_id=marker)] == [("A", "alice")]


def test_reset_restores_a_starting_state(demo: Calendar) -> None:
    demo.book("A-2025-12-04-1500", "alice")
    demo.reset("empty")
    assert demo.bookings() == []
    demo.reset("demo")
    assert len(demo.bookings()) == len(demo_bookings(TODAY))


def test_eight_threads_racing_for_the_same_slots_never_double_book(calendar: Calendar) -> None:
    """Regression guard for the unique index + BEGIN IMMEDIATE check-and-book."""
    slots = [f"{c}-2025-12-04-{h:02d}00" for c in "AB" for h in (9, 10, 11)]
    results: list[Booked | Refused] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        barrier.wait()
        for _ in range(5):
            for slot in slots:
                outcome = calendar.book(slot, f"user{n}")
                with lock:
                    results.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    booked = [r for r in results if isinstance(r, Booked)]
    rows = calendar.bookings()
    assert len(results) == 8 * 5 * len(slots)
    assert len(rows) == len(slots)  # one booking per slot: no double booking
    assert sum(not r.already_held for r in booked) == len(slots)  # each slot confirmed as new exactly once
    assert {(r.confirmation, r.user) for r in booked} == {(row.confirmation, row.user) for row in rows}  # none lost
    assert all(r.reason == "slot_taken" for r in results if isinstance(r, Refused))


def test_rebooking_your_own_slot_returns_the_same_booking(calendar: Calendar) -> None:
    first = calendar.book("A-2025-12-04-1500", "alice")
    again = calendar.book("A-2025-12-04-1500", "alice")
    assert again == first.model_copy(update={"already_held": True})
    assert len(calendar.bookings()) == 1
    assert calendar.book("A-2025-12-04-1500", "bob").reason == "slot_taken"


def test_results_read_as_json_when_an_sdk_stringifies_them(calendar: Calendar) -> None:
    booked = calendar.book("A-2025-12-04-1500", "alice")
    assert str(booked) == booked.model_dump_json()


def _open_and_book(path: str, court: str, user: str, start: object) -> str:
    start.wait()  # type: ignore[attr-defined]
    calendar = Calendar.open(path, Clock.on(date(2025, 12, 3)), seed="empty")
    return calendar.book(f"{court}-2025-12-04-0900", user).status


def test_many_processes_creating_one_new_file_at_once_do_not_crash(place: Callable[[str], str]) -> None:
    """Regression: 8 processes opening one new --db failed with
    "database is locked" or "table bookings already exists"."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    path = place("new")
    with context.Manager() as manager:
        start = manager.Barrier(8)
        with context.Pool(8) as pool:
            statuses = pool.starmap(_open_and_book,
                                    [(path, court, f"user-{n}", start) for n, court in enumerate("ABCDABCD")])
    assert sorted(statuses) == ["booked"] * 4 + ["refused"] * 4
    assert sorted(b.court for b in Calendar(path).bookings()) == list("ABCD")


def test_everyone_opening_a_new_calendar_at_once_finds_it_whole(place: Callable[[str], str]) -> None:
    """Of eight threads opening one new calendar with the demo state, one loads it;
    the others wait until it is all there."""
    location, counts = place("opened-at-once"), []
    barrier = threading.Barrier(8)

    def opener() -> None:
        barrier.wait()
        counts.append(len(Calendar.open(location, Clock.on(TODAY), seed="demo").bookings()))

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == [len(demo_bookings(TODAY))] * 8


def test_a_dynamodb_location_that_names_no_table_is_refused_in_words() -> None:
    for location in ("dynamodb://", "dynamodb://ab", "dynamodb://t/x", "dynamodb://table?regoin=eu-west-1"):
        with pytest.raises(ValueError, match="write dynamodb://TABLE"):
            Calendar(location).last_id()


def test_an_unreachable_dynamodb_says_the_calendar_could_not_be_reached(dynamodb: str) -> None:
    closed_port = "http://127.0.0.1:9"  # discard: nothing listens there
    with pytest.raises(CalendarUnavailable, match="could not be reached.*nothing was read or changed"):
        Calendar(f"dynamodb://nowhere?endpoint={closed_port}").check_availability("2025-12-04")


def test_the_dynamodb_scheme_reads_in_any_case(dynamodb: str) -> None:
    """Regression: `DYNAMODB://…` was taken as the path of a SQLite file. URL schemes are case-insensitive."""
    upper = Calendar.open(f"DYNAMODB://Club-Case?endpoint={dynamodb}", Clock.on(TODAY), seed="empty")
    booked = upper.book(slot_id("A", "2025-12-04", "09:00"), "alice")
    lower = Calendar(f"dynamodb://Club-Case?endpoint={dynamodb}", Clock.on(TODAY))
    assert isinstance(booked, Booked) and [b.confirmation for b in lower.bookings()] == [booked.confirmation]


def test_another_scheme_is_refused_in_words_not_made_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for location in ("s3://bucket/calendar", "Postgres://club", "sqlite://club.db"):
        with pytest.raises(ValueError,
                           match=r"^\w+:// is not a kind of calendar; use a SQLite file's path or dynamodb://"):
            Calendar.open(location)
    assert list(tmp_path.iterdir()) == []


def test_a_dynamodb_error_page_becomes_one_line_that_names_a_doubtful_region(dynamodb: str) -> None:
    """Regression: with a region moto does not serve, the error carried moto's HTML page, over six lines."""
    with pytest.raises(CalendarUnavailable) as refused:
        Calendar(f"dynamodb://club?region=nowhere&endpoint={dynamodb}").check_availability("2025-12-04")
    assert "\n" not in str(refused.value) and "<" not in str(refused.value)
    assert ("an HTML page titled '500 Internal Server Error' (the region 'nowhere' is not one botocore knows for "
            "DynamoDB). So nothing was read or changed.") in str(refused.value)
