"""The calendar: the club's rules (`rules.py`) applied over a store that never holds a slot twice.

Two stores keep the bookings: a SQLite file (`sqlite.py`, the default) and a DynamoDB table
(`dynamodb.py`, named `dynamodb://TABLE`), for patterns that run as Lambdas with no shared disk. Both
claim a slot in one atomic step, so the rules read the same over either. Both implement the interface
in `backend.py`, which imports neither; `store_at`, here above them, picks one for a location.
Faults and notices live in the store too, so every caller — a pattern's own code, an SDK's tool, a
Lambda that opens the calendar by itself — meets them alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from .backend import NewBooking, Store
from .demo import RIVAL, demo_bookings, seed_code
from .dynamodb import DynamoStore, names_a_table
from .results import Availability, Booked, BookingRow, CalendarUnavailable, Refused, refuse
from .rules import (
    FIRST_HOUR,
    LAST_HOUR,
    Clock,
    bookable_day,
    hour_started,
    nearest,
    open_slots,
    parse_day,
    parse_hour,
    parse_slot,
    slot_id,
)
from .sqlite import BUSY_TIMEOUT_S, SqliteStore

__all__ = ["BUSY_TIMEOUT_S", "Calendar", "SeedName", "store_at"]

SeedName = Literal["demo", "empty"]


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
"""A location that starts as a URL does (`scheme://`): never a SQLite file's path."""


@lru_cache(maxsize=256)
def store_at(location: str) -> Store:
    """The store at `location`: `dynamodb://TABLE[?region=…&endpoint=…]` (the scheme in any case), or else a
    SQLite file. Any other `scheme://` is refused in words, not taken as the path of a file to create."""
    if names_a_table(location):
        return DynamoStore.at(location)
    url = _URL.match(location)
    if url:
        raise ValueError(f"{url.group(1)}:// is not a kind of calendar; use a SQLite file's path or dynamodb://TABLE")
    return SqliteStore(location)


@dataclass(frozen=True)
class Calendar:
    """A court calendar stored at `path`. Cheap to copy: it holds no connection."""

    path: str
    """Where the bookings are: a SQLite file, or `dynamodb://TABLE`."""
    clock: Clock = Clock()
    """Source of "today"."""

    @classmethod
    def open(cls, path: str | Path, clock: Clock = Clock(), seed: SeedName = "demo") -> Calendar:
        """Open the calendar at `path`, creating it with the starting state `seed` if it is new.

        Safe from many processes at once: exactly one of them creates and seeds it, and the others
        find it made.
        """
        calendar = cls(str(path), clock)
        calendar._store.create(calendar._seed(seed))
        return calendar

    @property
    def _store(self) -> Store:
        return store_at(self.path)

    # The two operations the tools expose ------------------------------------------------------

    def check_availability(self, day: str, time: str | None = None) -> Availability | Refused:
        """Open slots on `day` (YYYY-MM-DD), at `time` (HH:MM) if given, else the whole day."""
        with self._store.operation():
            return self._check_availability(day, time)

    def _check_availability(self, day: str, time: str | None) -> Availability | Refused:
        now = self.clock.now()
        self._trip("tool_error")
        when = parse_day(day)
        if isinstance(when, Refused):
            return when
        hours = list(range(FIRST_HOUR, LAST_HOUR + 1))
        if time is not None:
            hour = parse_hour(time)
            if isinstance(hour, Refused):
                return hour
            hours = [hour]
        refusal = bookable_day(when, now.date())
        if refusal:
            return refusal
        taken = self._store.taken(when.isoformat())
        notices = self._store.notices(when.isoformat())
        slots = open_slots(when, hours, taken, now)
        if time is not None and not slots and hour_started(when, hours[0], now):
            return refuse("in_the_past", f"{hours[0]:02d}:00 on {when.isoformat()} has already started.",
                          nearest(when, hours[0], taken, now))
        other_times = nearest(when, hours[0], taken, now) if time is not None and not slots else []
        return Availability(date=when.isoformat(), time=f"{hours[0]:02d}:00" if time else None,
                            slots=slots, other_times=other_times, notices=notices)

    def book(self, slot: str, user: str, via: str = "") -> Booked | Refused:
        """Book `slot` for `user` (bound by the caller from the session, never by a model).

        Booking a slot the same user already holds is idempotent: it returns that booking, marked
        `already_held`, so a retry after a lost reply recovers the confirmation instead of failing.
        """
        with self._store.operation():
            return self._book(slot, user, via)

    def _book(self, slot: str, user: str, via: str) -> Booked | Refused:
        now = self.clock.now()
        self._trip("tool_error")
        parsed = parse_slot(slot)
        if isinstance(parsed, Refused):
            return parsed
        court, when, hour = parsed
        day, time = when.isoformat(), f"{hour:02d}:00"
        refusal = bookable_day(when, now.date())
        if refusal:
            return refusal
        if hour_started(when, hour, now):
            return refuse("in_the_past", f"{time} on {day} has already started.",
                          nearest(when, hour, self._store.taken(day), now))
        created_at = now.isoformat(timespec="seconds")
        # someone else books this slot (and commits) just before this booking lands
        if self._trip("race", raises=False):
            self._store.claim(NewBooking(court, day, time, RIVAL, "race", created_at))
        row = self._store.claim(NewBooking(court, day, time, user, via, created_at))
        if row is None:
            held = self._store.holder(court, day, time)
            if held and held.user == user:  # a retry, e.g. after a lost reply: the same booking again
                return Booked(confirmation=held.confirmation, court=court, date=day, time=time, user=user,
                              already_held=True)
            taken = self._store.taken(day) | {(court, time)}
            return refuse("slot_taken", f"Court {court} at {time} on {day} is already booked.",
                          nearest(when, hour, taken, now, prefer_hour=True))
        return Booked(confirmation=row.confirmation, court=court, date=day, time=time, user=user)

    # Reading and resetting --------------------------------------------------------------------

    def bookings(self, *, day: str | None = None, after_id: int = 0) -> list[BookingRow]:
        """Stored bookings, oldest first; only those on `day`, or made after booking `after_id`."""
        return self._store.rows(day, after_id)

    def last_id(self) -> int:
        """Id of the newest booking (0 when there is none): a marker for `bookings(after_id=...)`."""
        return self._store.last_id()

    def copy_to(self, path: str | Path, clock: Clock | None = None) -> Calendar:
        """A copy of this calendar, as it is now, in the SQLite file `path` (SQLite's online backup)."""
        store = self._store
        if not isinstance(store, SqliteStore):
            raise ValueError(f"only a SQLite calendar can be copied; {self.path} is not one")
        store.copy_to(path)
        return Calendar(str(path), clock or self.clock)

    def reset(self, seed: SeedName = "demo") -> None:
        """Delete every booking and load a starting state: `demo` (club members' bookings) or `empty`."""
        self._store.reset(self._seed(seed))

    def _seed(self, seed: SeedName) -> list[NewBooking]:
        """A starting state's bookings, with their fixed codes."""
        rows = demo_bookings(self.clock.today()) if seed == "demo" else []
        return [NewBooking(court, day, time, user, "seed", f"{day}T00:00:00",
                           confirmation=seed_code(number, slot_id(court, day, time), user))
                for number, (court, day, time, user) in enumerate(rows, start=1)]

    # Notices and faults -----------------------------------------------------------------------

    def post_notice(self, text: str, day: str = "") -> None:
        """Post a notice on `day` (every day when empty); `check_availability` returns it with the slots."""
        self._store.add_notice(day, text)

    def notices(self) -> list[str]:
        """Every notice posted, on any day."""
        return self._store.notices(None)

    def arm(self, fault: Literal["tool_error", "race"], times: int = 1) -> None:
        """Make the next `times` operations meet a fault: `tool_error` (the calendar is unreachable)
        or `race` (someone else books the slot just before a booking lands). Stored in the calendar
        itself, so every caller — a pattern's code, an SDK tool, a Lambda — meets it alike."""
        self._store.arm(fault, times)

    def _trip(self, fault: Literal["tool_error", "race"], raises: bool = True) -> bool:
        """Use up one time of `fault` if it is armed; for `tool_error`, raise `CalendarUnavailable`."""
        tripped = self._store.trip(fault)
        if tripped and raises:
            raise CalendarUnavailable("The court calendar could not be reached just now; nothing was read or changed.")
        return tripped
