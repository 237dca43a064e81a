"""Who a booking is for: the signed-in user id, checked once where it enters (the CLI, the sidebar, a
Lambda's event) and passed on byte for byte after that. No layer rewrites it; a model never names it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .calendar import Calendar

MAX_USER_CHARS = 64


def user_problem(user: object) -> str | None:
    """Why `user` cannot be a user id, in one sentence; None when it can."""
    if not isinstance(user, str) or not user:
        return "the user id is empty"
    if len(user) > MAX_USER_CHARS:
        return f"the user id is longer than {MAX_USER_CHARS} characters"
    if user != user.strip():
        return "the user id starts or ends with a space"
    hidden = [ch for ch in user if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
              or (unicodedata.category(ch) == "Zs" and ch != " ")]
    if hidden:
        return f"the user id holds a control or invisible character (U+{ord(hidden[0]):04X})"
    return None


@dataclass(frozen=True)
class BookingContext:
    """What the tools need from the session. Built by code; never shown to a model."""

    calendar: Calendar
    """The court calendar to read and write."""
    user: str
    """The signed-in user every booking is made for."""
    via: str = ""
    """Which pattern made the call, recorded with each booking."""
