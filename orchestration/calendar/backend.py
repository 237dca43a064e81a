"""What a store is: the interface the SQLite store (`sqlite.py`) and the DynamoDB store (`dynamodb.py`)
implement, and the booking they are handed to keep. It imports neither store; `store.py`, above them
both, picks one for a calendar's location (`store_at`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Protocol

from .results import BookingRow
from .rules import Taken

__all__ = ["NewBooking", "Store"]


@dataclass(frozen=True)
class NewBooking:
    """A booking about to be stored; the store gives it its id (and, unless seeded, its code)."""

    court: str
    date: str
    time: str
    user: str
    via: str
    created_at: str
    confirmation: str = ""
    """Only for a starting state's bookings, whose codes are fixed."""

    def fields(self) -> dict[str, str]:
        """Everything but the code."""
        return {name: value for name, value in asdict(self).items() if name != "confirmation"}


class Store(Protocol):
    """Where the bookings are. `claim` is the one write that matters: atomic, so a slot is held once."""

    def operation(self) -> AbstractContextManager[None]: ...
    def create(self, seed: list[NewBooking]) -> None: ...
    def taken(self, day: str) -> Taken: ...
    def holder(self, court: str, day: str, time: str) -> BookingRow | None: ...
    def claim(self, new: NewBooking) -> BookingRow | None: ...
    def rows(self, day: str | None, after_id: int) -> list[BookingRow]: ...
    def last_id(self) -> int: ...
    def reset(self, seed: list[NewBooking]) -> None: ...
    def add_notice(self, day: str, text: str) -> None: ...
    def notices(self, day: str | None) -> list[str]: ...
    def arm(self, fault: str, times: int) -> None: ...
    def trip(self, fault: str) -> bool: ...
