"""The court calendar as a grid: courts across, hours down, who booked each slot and through which pattern."""

from __future__ import annotations

from datetime import date

import pandas as pd

from orchestration.calendar import COURTS, FIRST_HOUR, LAST_HOUR, Calendar

FREE = "free"


def grid(calendar: Calendar, day: date, me: str) -> pd.DataFrame:
    """One row per hour, one column per court: "free", or who booked it (and through which pattern)."""
    booked = {(b.court, b.time): b for b in calendar.bookings(day=day.isoformat())}
    rows = {}
    for hour in range(FIRST_HOUR, LAST_HOUR + 1):
        time = f"{hour:02d}:00"
        row = {}
        for court in COURTS:
            booking = booked.get((court, time))
            if booking is None:
                row[f"Court {court}"] = FREE
            else:
                via = "" if booking.via in ("", "seed") else f" · via {booking.via}"
                who = "you" if booking.user == me else booking.user
                row[f"Court {court}"] = f"{who}{via}"
        rows[time] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def colour(cell: str) -> str:
    """Cell style: free slots green, yours blue, others grey."""
    if cell == FREE:
        return "background-color: #ecfdf5; color: #047857"
    if cell.startswith("you"):
        return "background-color: #dbeafe; color: #1e3a8a; font-weight: 600"
    return "background-color: #f1f5f9; color: #475569"
