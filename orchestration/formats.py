"""How the task's values are written, one way everywhere: slot ids, days, times and lists of courts.

The calendar, the patterns and the offline model all use these. The offline model may: a real
model meets the same formats in the tools' descriptions and results. This module imports nothing
else of the project.
"""

from __future__ import annotations

from datetime import date


def slot_id(court: str, day: str, time: str) -> str:
    """The id of a slot, e.g. `D-2026-01-15-0700`."""
    return f"{court}-{day}-{time.replace(':', '')}"


def human_day(day: date | str, today: date | None = None) -> str:
    """ "Thursday 4 December", with the year when it is not `today`'s year."""
    when = date.fromisoformat(day) if isinstance(day, str) else day
    year = f" {when.year}" if today is not None and when.year != today.year else ""
    return f"{when:%A} {when.day} {when:%B}{year}"


def human_when(day: date | str, time: str | None = None, today: date | None = None) -> str:
    """ "Thursday 4 December at 15:00"."""
    return human_day(day, today) + (f" at {time}" if time else "")


def court_list(courts: list[str], capital: bool = False) -> str:
    """ "court A", "courts A and B", "courts A, B and C" (sorted, each named once)."""
    names = sorted(dict.fromkeys(courts))
    word = "Court" if capital else "court"
    if len(names) == 1:
        return f"{word} {names[0]}"
    return f"{word}s {', '.join(names[:-1])} and {names[-1]}"
