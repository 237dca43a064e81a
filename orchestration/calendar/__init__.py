"""The court calendar: four courts, one-hour slots, kept in SQLite (default) or DynamoDB.

Rules of the club (`rules.py`):
- Courts A, B, C and D; slots start on the hour from 07:00 to 21:00.
- A slot can be booked from today up to `HORIZON_DAYS` days ahead, never once it has started.

`store.py` applies the rules over a store that claims a slot in one atomic step, so a slot is never
booked twice: a SQLite file (`sqlite.py`: a unique index, and `BEGIN IMMEDIATE` around each
check-and-insert; a connection per call, since sqlite3 connections must not cross threads) or a
DynamoDB table (`dynamodb.py`: a conditional transaction), both behind the interface in `backend.py`.
"Today" comes from an injected `Clock`.

`results.py` holds what the calendar answers (what a model reads); `demo.py` the demo starting state.
Slot ids and the way days and courts are written come from `orchestration/formats.py`.

May import: `formats` only (and the storage libraries). Everything else imports the calendar.
"""

from ..formats import court_list, human_day, human_when
from .demo import MEMBERS, RIVAL, demo_bookings
from .results import Availability, Booked, BookingRow, CalendarUnavailable, RefusalReason, Refused, Result, Slot
from .rules import COURTS, FIRST_HOUR, HORIZON_DAYS, LAST_HOUR, Clock, slot_id
from .store import BUSY_TIMEOUT_S, Calendar, SeedName

__all__ = [
    "BUSY_TIMEOUT_S", "COURTS", "FIRST_HOUR", "HORIZON_DAYS", "LAST_HOUR", "MEMBERS", "RIVAL", "Availability", "Booked",
    "BookingRow", "Calendar", "CalendarUnavailable", "Clock", "RefusalReason", "Refused", "Result", "SeedName", "Slot",
    "court_list", "demo_bookings", "human_day", "human_when", "slot_id",
]
