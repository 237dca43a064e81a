"""The court calendar: four courts, one-hour slots, stored in SQLite through sqlite-utils.

Rules of the club (`rules.py`):
- Courts A, B, C and D; slots start on the hour from 07:00 to 21:00.
- A slot can be booked from today up to `HORIZON_DAYS` days ahead, never once it has started.

The store (`store.py`) books a slot at most once: a unique index on (court, date, time) enforces it,
and the check-and-insert runs inside one `BEGIN IMMEDIATE` transaction, so two writers never race.
Every call opens its own connection: sqlite3 connections must not cross threads, and Streamlit
serves each browser session on its own thread. "Today" comes from an injected `Clock`.

`results.py` holds what the calendar answers (what a model reads); `demo.py` the demo starting state.
Slot ids and the way days and courts are written come from `orchestration/formats.py`.
"""

from .demo import MEMBERS, RIVAL, demo_bookings
from .results import Availability, Booked, BookingRow, CalendarUnavailable, RefusalReason, Refused, Result, Slot
from .rules import COURTS, FIRST_HOUR, HORIZON_DAYS, LAST_HOUR, Clock, slot_id
from .store import BUSY_TIMEOUT_S, Calendar, SeedName
from ..formats import court_list, human_day, human_when

__all__ = [
    "BUSY_TIMEOUT_S", "COURTS", "FIRST_HOUR", "HORIZON_DAYS", "LAST_HOUR", "MEMBERS", "RIVAL", "Availability", "Booked",
    "BookingRow", "Calendar", "CalendarUnavailable", "Clock", "RefusalReason", "Refused", "Result", "SeedName", "Slot",
    "court_list", "demo_bookings", "human_day", "human_when", "slot_id",
]
