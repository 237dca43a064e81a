"""The demo starting state: club members' bookings, laid out around "today"."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from .rules import COURTS, FIRST_HOUR, HORIZON_DAYS, LAST_HOUR

MEMBERS = ("maria", "jon", "priya", "league", "coach-sam")
RIVAL = "another-member"
"""Who books a slot first when the `race` fault is armed."""


def demo_bookings(today: date) -> list[tuple[str, str, str, str]]:
    """Club members' bookings for the next `HORIZON_DAYS` days: (court, date, time, user).

    The layout depends only on the day offset from `today`, so every run sees the same picture:
    evenings busier than mornings, and tomorrow arranged like the article's dialogue —
    at 15:00 only courts A and B are free, at 18:00 every court is taken.
    """
    rng = random.Random(20251203)
    rows = []
    for offset in range(HORIZON_DAYS + 1):
        day = (today + timedelta(days=offset)).isoformat()
        for hour in range(FIRST_HOUR, LAST_HOUR + 1):
            chance = 0.55 if 17 <= hour <= 20 else 0.3
            for court in COURTS:
                booked = rng.random() < chance
                if offset == 1 and hour == 15:
                    booked = court in ("C", "D")
                elif offset == 1 and hour == 18:
                    booked = True
                if booked:
                    rows.append((court, day, f"{hour:02d}:00", rng.choice(MEMBERS)))
    return rows


def seed_code(number: int, slot: str, user: str) -> str:
    """The confirmation code of a demo booking: fixed, so the demo state is the same every time."""
    return "TC-" + hashlib.sha256(f"{number}|{slot}|{user}".encode()).hexdigest()[:6].upper()
