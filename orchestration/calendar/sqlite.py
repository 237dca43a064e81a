"""The calendar's SQLite store (the default): one file, one connection per call, one transaction per booking.

A unique index on (court, date, time) holds a slot at most once, and a booking's check-and-insert runs
inside one `BEGIN IMMEDIATE` transaction, so two writers never race. Each calendar operation opens
its own connection (`operation`), which the store's calls within it share: sqlite3 connections must
not cross threads, and Streamlit serves each browser session on its own thread.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from time import sleep
from typing import TYPE_CHECKING

from .results import BookingRow
from .rules import Taken

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .backend import NewBooking

BUSY_TIMEOUT_S = 10.0
_OPEN: ContextVar[tuple[str, Database] | None] = ContextVar("calendar_connection", default=None)
"""The connection of the calendar operation running in this thread (or task), with its file."""
CODE_TRIES = 100
"""Random codes tried before giving up (16.7 million exist; a club uses a few thousand)."""


@dataclass(frozen=True)
class SqliteStore:
    """Bookings, notices and armed faults in the SQLite file at `path`."""

    path: str
    """SQLite file."""

    def create(self, seed: list[NewBooking]) -> None:
        """Make the tables and load `seed` if the file is new. Safe from many processes at once:
        creating is one write transaction that waits its turn, so exactly one of them creates it."""
        with self._db() as db:
            _use_wal(db)
            with _writing(db):
                if "bookings" not in db.table_names():
                    db["bookings"].create(
                        {"id": int, "court": str, "date": str, "time": str, "user": str,
                         "confirmation": str, "via": str, "created_at": str},
                        pk="id", not_null={"court", "date", "time", "user", "confirmation", "via", "created_at"},
                    )
                    db["bookings"].create_index(["court", "date", "time"],
                                                index_name="one_booking_per_slot", unique=True)
                    db["bookings"].create_index(["confirmation"], unique=True)
                    _insert_seed(db, seed)
                db["notices"].create({"date": str, "text": str}, not_null={"date", "text"}, if_not_exists=True)
                db["faults"].create({"name": str, "remaining": int}, pk="name", if_not_exists=True)

    def taken(self, day: str) -> Taken:
        with self._db() as db:
            return {tuple(row)
                    for row in db.execute("SELECT court, time FROM bookings WHERE date = ?", [day]).fetchall()}

    def holder(self, court: str, day: str, time: str) -> BookingRow | None:
        with self._db() as db:
            row = next(db["bookings"].rows_where("court = ? AND date = ? AND time = ?", [court, day, time]), None)
            return BookingRow(**row) if row else None

    def claim(self, new: NewBooking) -> BookingRow | None:
        """Store `new` under a fresh confirmation code, unless its slot is held (then None)."""
        with self._db() as db:
            try:
                with _writing(db):
                    if db.execute("SELECT 1 FROM bookings WHERE court = ? AND date = ? AND time = ?",
                                  [new.court, new.date, new.time]).fetchone():
                        return None
                    code = _new_code(db)
                    row_id = db["bookings"].insert({**new.fields(), "confirmation": code}).last_pk
            except sqlite3.IntegrityError:  # the unique index: held after all
                return None
        return BookingRow(id=row_id, confirmation=code, **new.fields())

    def rows(self, day: str | None, after_id: int) -> list[BookingRow]:
        where, args = "id > ?", [after_id]
        if day is not None:
            where, args = where + " AND date = ?", [*args, day]
        with self._db() as db:
            return [BookingRow(**row) for row in db["bookings"].rows_where(where, args, order_by="id")]

    def last_id(self) -> int:
        with self._db() as db:
            return db.execute("SELECT COALESCE(MAX(id), 0) FROM bookings").fetchone()[0]

    def reset(self, seed: list[NewBooking]) -> None:
        with self._db() as db, _writing(db):
            db.execute("DELETE FROM bookings")
            _insert_seed(db, seed)

    def add_notice(self, day: str, text: str) -> None:
        with self._db() as db:
            db["notices"].insert({"date": day, "text": text})

    def notices(self, day: str | None) -> list[str]:
        with self._db() as db:
            if day is None:
                return [row[0] for row in db.execute("SELECT text FROM notices ORDER BY rowid")]
            return [row[0]
                    for row in db.execute("SELECT text FROM notices WHERE date IN ('', ?) ORDER BY rowid", [day])]

    def arm(self, fault: str, times: int) -> None:
        with self._db() as db:
            db["faults"].upsert({"name": fault, "remaining": times}, pk="name")

    def trip(self, fault: str) -> bool:
        """Use up one time of `fault` if it is armed. The usual answer, no, is a plain read: no write lock."""
        with self._db() as db:
            if db.execute("SELECT 1 FROM faults WHERE name = ? AND remaining > 0", [fault]).fetchone() is None:
                return False
            with _writing(db):
                return db.execute("UPDATE faults SET remaining = remaining - 1 WHERE name = ? AND remaining > 0",
                                  [fault]).rowcount > 0

    def copy_to(self, path: str | Path) -> None:
        """Copy the whole file, as it is now, to `path` (SQLite's online backup)."""
        with closing(sqlite3.connect(str(path))) as target, self._db() as db:
            db.conn.backup(target)

    @contextmanager
    def operation(self) -> Iterator[None]:
        """One connection for every call made within: a booking's fault checks, claim and reads."""
        if _current(self.path) is not None:
            yield
            return
        with self._connect() as db:
            token = _OPEN.set((self.path, db))
            try:
                yield
            finally:
                _OPEN.reset(token)

    @contextmanager
    def _db(self) -> Iterator[Database]:
        """The operation's connection, or (outside one) a connection of this call's own."""
        db = _current(self.path)
        if db is not None:
            yield db
            return
        with self._connect() as db:
            yield db

    @contextmanager
    def _connect(self) -> Iterator[Database]:
        from sqlite_utils import Database  # imported on first use: it brings pandas and numpy, 0.7 s of a cold start

        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        with closing(connection):
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            yield Database(connection)


def _current(path: str) -> Database | None:
    open_now = _OPEN.get()
    return open_now[1] if open_now is not None and open_now[0] == path else None


@contextmanager
def _writing(db: Database) -> Iterator[None]:
    """One write transaction, taken at once (`BEGIN IMMEDIATE`): committed at the end, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _insert_seed(db: Database, seed: list[NewBooking]) -> None:
    for number, new in enumerate(seed, start=1):
        db["bookings"].insert({"id": number, **new.fields(), "confirmation": new.confirmation})


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


def _new_code(db: Database) -> str:
    """A fresh confirmation code: random (not derivable from the slot or the user) and unused.

    Called inside the booking's write transaction, so no other writer can take the same code meanwhile.
    """
    for _ in range(CODE_TRIES):
        code = "TC-" + secrets.token_hex(3).upper()
        if not db.execute("SELECT 1 FROM bookings WHERE confirmation = ?", [code]).fetchone():
            return code
    raise RuntimeError(f"no unused confirmation code in {CODE_TRIES} tries")
