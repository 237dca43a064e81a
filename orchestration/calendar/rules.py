"""The club's rules, as plain functions: which courts, which hours, how far ahead, what a slot id is.

Nothing here touches the database: each function judges a request against the rules and the clock,
and answers with the parsed value or a `Refused` that says why, in words a model can repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..formats import slot_id
from .results import Refused, Slot, refuse

COURTS = ("A", "B", "C", "D")
FIRST_HOUR = 7
LAST_HOUR = 21
HORIZON_DAYS = 30

_SLOT_ID = re.compile(r"^([A-Za-z])-(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

Taken = set[tuple[str, str]]
"""(court, HH:MM) pairs already booked on a day."""


@dataclass(frozen=True)
class Clock:
    """What time it is. Fixed for tests, the CLI's `--today` and the app's override."""

    fixed: datetime | None = None
    """The frozen "now"; None means the machine's local time."""

    @classmethod
    def on(cls, day: date) -> Clock:
        """A clock frozen at the start of `day`, so every slot of that day is still ahead."""
        return cls(datetime(day.year, day.month, day.day))

    def now(self) -> datetime:
        """The current local time."""
        return self.fixed or datetime.now()

    def today(self) -> date:
        """Today's date."""
        return self.now().date()


def parse_day(day: str) -> date | Refused:
    """A YYYY-MM-DD day."""
    try:
        return date.fromisoformat(day)
    except (TypeError, ValueError):
        return refuse("malformed_input", f"{day!r} is not a date; use YYYY-MM-DD.")


def parse_hour(time: str) -> int | Refused:
    """The start hour of an HH:MM time that is on the hour and within opening hours."""
    match = _TIME.match(time or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return refuse("malformed_input", f"{time!r} is not a time; use HH:MM on the 24-hour clock.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute:
        return refuse("no_such_slot",
                      f"Slots start on the hour; {time} is not a start time. Try {hour:02d}:00 or {hour + 1:02d}:00.")
    if not FIRST_HOUR <= hour <= LAST_HOUR:
        return refuse("outside_opening_hours",
                      f"The courts are open from {FIRST_HOUR:02d}:00; the last slot starts at {LAST_HOUR:02d}:00.")
    return hour


def parse_slot(slot: str) -> tuple[str, date, int] | Refused:
    """(court, day, hour) of a slot id that names a real court, date and bookable hour."""
    match = _SLOT_ID.match(slot.strip() if isinstance(slot, str) else "")
    if not match:
        return refuse("malformed_id", f"{slot!r} is not a slot id; ids look like <court>-<YYYY-MM-DD>-<HHMM>.")
    court, day, hh, mm = match.group(1).upper(), match.group(2), match.group(3), match.group(4)
    if court not in COURTS:
        return refuse("no_such_court", f"There is no court {court}; the courts are {', '.join(COURTS)}.")
    when = parse_day(day)
    if isinstance(when, Refused):
        return refuse("malformed_id", f"{slot!r} names no real date.")
    if int(hh) > 23 or int(mm) > 59:
        return refuse("malformed_id", f"{slot!r} names no real time.")
    hour = parse_hour(f"{hh}:{mm}")
    if isinstance(hour, Refused):
        return hour
    return court, when, hour


def bookable_day(when: date, today: date) -> Refused | None:
    """Why `when` cannot be booked today (in the past, too far ahead), or None."""
    if when < today:
        return refuse("in_the_past", f"{when.isoformat()} is in the past; today is {today.isoformat()}.")
    if when > today + timedelta(days=HORIZON_DAYS):
        last = (today + timedelta(days=HORIZON_DAYS)).isoformat()
        return refuse("too_far_ahead", f"Courts can be booked up to {HORIZON_DAYS} days ahead (until {last}).")
    return None


def hour_started(when: date, hour: int, now: datetime) -> bool:
    """Whether the slot at `hour` on `when` has begun."""
    return datetime(when.year, when.month, when.day, hour) <= now


def open_slots(when: date, hours: list[int], taken: Taken, now: datetime) -> list[Slot]:
    """The slots at `hours` on `when` that are neither taken nor started."""
    day = when.isoformat()
    return [
        Slot(slot_id=slot_id(court, day, f"{hour:02d}:00"), court=court, date=day, time=f"{hour:02d}:00")
        for hour in hours if not hour_started(when, hour, now)
        for court in COURTS if (court, f"{hour:02d}:00") not in taken
    ]


def nearest(when: date, hour: int, taken: Taken, now: datetime, prefer_hour: bool = False) -> list[Slot]:
    """Up to three open slots that day: other courts at `hour` first (if asked), then nearest hours."""
    same_hour = open_slots(when, [hour], taken, now) if prefer_hour else []
    others = sorted((h for h in range(FIRST_HOUR, LAST_HOUR + 1) if h != hour), key=lambda h: (abs(h - hour), h))
    nearby = [slot for h in others for slot in open_slots(when, [h], taken, now)[:1]]
    return (same_hour + nearby)[:3]
