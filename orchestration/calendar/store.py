"""The calendar's store: bookings in SQLite, one connection per call, one transaction per booking.

Faults and notices live in the store too, so every caller — a pattern's own code, an SDK's tool, a
Lambda that opens the calendar by itself — meets them alike.
"""

from __future__ import annotations

import secrets
import sqlite3
from time import sleep
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlite_utils import Database

from .demo import RIVAL, demo_bookings, seed_code
from .results import Availability, Booked, BookingRow, CalendarUnavailable, Refused, refuse
from .rules import (
    FIRST_HOUR,
    LAST_HOUR,
    Clock,
    Taken,
    bookable_day,
    hour_started,
    nearest,
    open_slots,
    parse_day,
    parse_hour,
    parse_slot,
    slot_id,
)

BUSY_TIMEOUT_S = 10.0
SeedName = Literal["demo", "empty"]


@dataclass(frozen=True)
class Calendar:
    """A court calendar stored at `path`. Cheap to copy; opens a connection per call."""

    path: str
    """SQLite file."""
    clock: Clock = Clock()
    """Source of "today"."""

    @classmethod
    def open(cls, path: str | Path, clock: Clock = Clock(), seed: SeedName = "demo") -> Calendar:
        """Open the calendar at `path`, creating and seeding it if it is new.

        Safe from many processes at once: creating is one write transaction that waits its turn, so
        exactly one of them creates and seeds the file and the others find it made.
        """
        calendar = cls(str(path), clock)
        with calendar._db() as db:
            _use_wal(db)
            db.execute("BEGIN IMMEDIATE")
            try:
                if "bookings" not in db.table_names():
                    db["bookings"].create(
                        {"id": int, "court": str, "date": str, "time": str, "user": str,
                         "confirmation": str, "via": str, "created_at": str},
                        pk="id", not_null={"court", "date", "time", "user", "confirmation", "via", "created_at"},
                    )
                    db["bookings"].create_index(["court", "date", "time"], index_name="one_booking_per_slot", unique=True)
                    db["bookings"].create_index(["confirmation"], unique=True)
                    calendar._seed(db, seed)
                db["notices"].create({"date": str, "text": str}, not_null={"date", "text"}, if_not_exists=True)
                db["faults"].create({"name": str, "remaining": int}, pk="name", if_not_exists=True)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return calendar

    # The two operations the tools expose ------------------------------------------------------

    def check_availability(self, day: str, time: str | None = None) -> Availability | Refused:
        """Open slots on `day` (YYYY-MM-DD), at `time` (HH:MM) if given, else the whole day."""
        now = self.clock.now()
        with self._db() as db:
            _trip(db, "tool_error")
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
            taken = _taken(db, when.isoformat())
            notices = [row[0] for row in db.execute(
                "SELECT text FROM notices WHERE date IN ('', ?) ORDER BY rowid", [when.isoformat()])]
        slots = open_slots(when, hours, taken, now)
        if time is not None and not slots and hour_started(when, hours[0], now):
            return refuse("in_the_past", f"{hours[0]:02d}:00 on {when.isoformat()} has already started.",
                          nearest(when, hours[0], taken, now))
        alternatives = nearest(when, hours[0], taken, now) if time is not None and not slots else []
        return Availability(date=when.isoformat(), time=f"{hours[0]:02d}:00" if time else None,
                            slots=slots, alternatives=alternatives, notices=notices)

    def book(self, slot: str, user: str, via: str = "") -> Booked | Refused:
        """Book `slot` for `user` (bound by the caller from the session, never by a model).

        Booking a slot the same user already holds is idempotent: it returns that booking, marked
        `already_held`, so a retry after a lost reply recovers the confirmation instead of failing.
        """
        now = self.clock.now()
        with self._db() as db:
            _trip(db, "tool_error")
            parsed = parse_slot(slot)
            if isinstance(parsed, Refused):
                return parsed
            court, when, hour = parsed
            day, time = when.isoformat(), f"{hour:02d}:00"
            refusal = bookable_day(when, now.date())
            if refusal:
                return refusal
            if hour_started(when, hour, now):
                return refuse("in_the_past", f"{time} on {day} has already started.", nearest(when, hour, _taken(db, day), now))
            self._race(db, court, day, time)
            db.execute("BEGIN IMMEDIATE")
            try:
                taken = _taken(db, day)
                if (court, time) in taken:
                    held = next(db["bookings"].rows_where("court = ? AND date = ? AND time = ?", [court, day, time]), None)
                    db.execute("ROLLBACK")
                    if held and held["user"] == user:  # a retry, e.g. after a lost reply: same booking again
                        return Booked(confirmation=held["confirmation"], court=court, date=day,
                                      time=time, user=user, already_held=True)
                    return refuse("slot_taken", f"Court {court} at {time} on {day} is already booked.",
                                  nearest(when, hour, taken, now, prefer_hour=True))
                code = _new_code(db)
                db["bookings"].insert({"court": court, "date": day, "time": time, "user": user, "confirmation": code,
                                       "via": via, "created_at": now.isoformat(timespec="seconds")})
                db.execute("COMMIT")
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                return refuse("slot_taken", f"Court {court} at {time} on {day} was just booked.")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Booked(confirmation=code, court=court, date=day, time=time, user=user)

    # Reading and resetting --------------------------------------------------------------------

    def bookings(self, *, day: str | None = None, after_id: int = 0) -> list[BookingRow]:
        """Stored bookings, oldest first; only those on `day`, or made after booking `after_id`."""
        where, args = "id > ?", [after_id]
        if day is not None:
            where, args = where + " AND date = ?", [*args, day]
        with self._db() as db:
            rows = db["bookings"].rows_where(where, args, order_by="id")
            return [BookingRow(**row) for row in rows]

    def last_id(self) -> int:
        """Id of the newest booking (0 when there is none): a marker for `bookings(after_id=...)`."""
        with self._db() as db:
            return db.execute("SELECT COALESCE(MAX(id), 0) FROM bookings").fetchone()[0]

    def copy_to(self, path: str | Path, clock: Clock | None = None) -> Calendar:
        """A copy of this calendar, as it is now, at `path` (SQLite's online backup)."""
        with closing(sqlite3.connect(str(path))) as target, self._db() as db:
            db.conn.backup(target)
        return Calendar(str(path), clock or self.clock)

    def reset(self, seed: SeedName = "demo") -> None:
        """Delete every booking and load a starting state: `demo` (club members' bookings) or `empty`."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM bookings")
            self._seed(db, seed)
            db.execute("COMMIT")

    def _seed(self, db: Database, seed: SeedName) -> None:
        """Insert a starting state's bookings, inside the caller's write transaction."""
        rows = demo_bookings(self.clock.today()) if seed == "demo" else []
        for number, (court, day, time, user) in enumerate(rows, start=1):
            db["bookings"].insert({
                "id": number, "court": court, "date": day, "time": time, "user": user,
                "confirmation": seed_code(number, slot_id(court, day, time), user),
                "via": "seed", "created_at": f"{day}T00:00:00",
            })

    # Notices and faults -----------------------------------------------------------------------

    def post_notice(self, text: str, day: str = "") -> None:
        """Post a notice on `day` (every day when empty); `check_availability` returns it with the slots."""
        with self._db() as db:
            db["notices"].insert({"date": day, "text": text})

    def notices(self) -> list[str]:
        """Every notice posted, on any day."""
        with self._db() as db:
            return [row[0] for row in db.execute("SELECT text FROM notices ORDER BY rowid")]

    def arm(self, fault: Literal["tool_error", "race"], times: int = 1) -> None:
        """Make the next `times` operations meet a fault: `tool_error` (the calendar is unreachable)
        or `race` (someone else books the slot just before a booking lands). Stored in the calendar
        itself, so every caller — a pattern's code, an SDK tool, a Lambda — meets it alike."""
        with self._db() as db:
            db["faults"].upsert({"name": fault, "remaining": times}, pk="name")

    def _race(self, db: Database, court: str, day: str, time: str) -> None:
        """With `race` armed, someone else books this slot (and commits) just before the booking lands."""
        if not _armed(db, "race"):
            return
        db.execute("BEGIN IMMEDIATE")
        if _use_up(db, "race") and (court, time) not in _taken(db, day):
            db["bookings"].insert({"court": court, "date": day, "time": time, "user": RIVAL,
                                   "confirmation": _new_code(db), "via": "race",
                                   "created_at": self.clock.now().isoformat(timespec="seconds")})
        db.execute("COMMIT")

    @contextmanager
    def _db(self) -> Iterator[Database]:
        from sqlite_utils import Database  # imported on first use: it brings pandas and numpy, 0.7 s of a cold start

        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        with closing(connection):
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            yield Database(connection)


def _use_wal(db: Database) -> None:
    """Switch the file to write-ahead logging. SQLite does not wait on a lock for this, so retry."""
    for attempt in range(200):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 199:
                raise
            sleep(0.05)


def _taken(db: Database, day: str) -> Taken:
    return {tuple(row) for row in db.execute("SELECT court, time FROM bookings WHERE date = ?", [day]).fetchall()}


def _armed(db: Database, fault: str) -> bool:
    """Whether `fault` is armed (a plain read: the usual answer, no, takes no write lock)."""
    return db.execute("SELECT 1 FROM faults WHERE name = ? AND remaining > 0", [fault]).fetchone() is not None


def _use_up(db: Database, fault: str) -> bool:
    """Use up one time of an armed `fault`, inside the caller's write transaction; False if none is left."""
    return db.execute("UPDATE faults SET remaining = remaining - 1 WHERE name = ? AND remaining > 0",
                      [fault]).rowcount > 0


def _trip(db: Database, fault: str) -> None:
    """Raise `CalendarUnavailable` if `fault` is armed, using up one of its times."""
    if not _armed(db, fault):
        return
    db.execute("BEGIN IMMEDIATE")
    tripped = _use_up(db, fault)
    db.execute("COMMIT")
    if tripped:
        raise CalendarUnavailable("The court calendar could not be reached just now; nothing was read or changed.")


def _new_code(db: Database) -> str:
    """A fresh confirmation code: random (not derivable from the slot or the user) and unused.

    Called inside the booking's write transaction, so no other writer can take the same code meanwhile.
    """
    while True:
        code = "TC-" + secrets.token_hex(3).upper()
        if not db.execute("SELECT 1 FROM bookings WHERE confirmation = ?", [code]).fetchone():
            return code
