"""Scenarios: conversations with the calendar state they must leave behind (format: scenarios/README.md)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .calendar import COURTS, Calendar, SeedName, slot_id

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
FILLER = "The weather has been lovely and I have been practising my serve every morning. "


class ScenarioError(ValueError):
    """A scenario file that does not follow the format; the message names the file and scenario."""


@dataclass(frozen=True)
class BookingSpec:
    """One booking, as a scenario states it."""

    court: str
    date: str
    time: str
    user: str


@dataclass(frozen=True)
class Scenario:
    """One conversation and what it must leave behind."""

    id: str
    title: str
    tags: tuple[str, ...]
    calendar: SeedName
    today: date
    user: str
    turns: tuple[str, ...]
    setup: tuple[BookingSpec, ...]
    notices: tuple[tuple[str, str], ...]
    """(date, text); an empty date posts the notice on every day."""
    bookings: tuple[BookingSpec, ...]
    """The bookings the conversation must make; nothing else may change."""
    reply_matches: tuple[str, ...]
    reply_excludes: tuple[str, ...]

    def prepare(self, calendar: Calendar) -> None:
        """Add the scenario's own starting state to a freshly seeded calendar."""
        for booking in self.setup:
            calendar.book(slot_id(booking.court, booking.date, booking.time), booking.user, via="setup")
        for day, text in self.notices:
            calendar.post_notice(text, day)

    def reply_problems(self, reply: str) -> list[str]:
        """What the last reply gets wrong: a required fact missing, or a forbidden one present."""
        missing = [f"the reply does not match /{p}/" for p in self.reply_matches if not re.search(p, reply, re.I)]
        present = [f"the reply matches /{p}/" for p in self.reply_excludes if re.search(p, reply, re.I)]
        return missing + present


def load(path: Path | str = SCENARIOS_DIR) -> list[Scenario]:
    """Every scenario in a file, or in the `.toml` files of a folder, in file order."""
    path = Path(path)
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise ScenarioError(f"no scenario files in {path}")
    scenarios: list[Scenario] = []
    for file in files:
        try:
            data = tomllib.loads(file.read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ScenarioError(f"{file}: {error}") from None
        for raw in data.get("scenario", []):
            scenarios.append(_read(raw, file))
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.id in seen:
            raise ScenarioError(f"two scenarios are called {scenario.id!r}")
        seen.add(scenario.id)
    return scenarios


def _read(raw: dict[str, Any], file: Path) -> Scenario:
    where = f"{file.name}: scenario {raw.get('id', '?')!r}"
    try:
        today = date.fromisoformat(str(raw.get("today", "2025-12-03")))
        user = str(raw.get("user", "alice"))
        pad = int(raw.get("pad", 0))
        turns = tuple(str(t) + (" " + (FILLER * (pad // len(FILLER) + 1))[:pad] if pad else "") for t in raw["turns"])
        expect = raw.get("expect", {})
        scenario = Scenario(
            id=str(raw["id"]), title=str(raw.get("title", raw["id"])), tags=tuple(raw.get("tags", [])),
            calendar=raw.get("calendar", "demo"), today=today, user=user, turns=turns,
            setup=tuple(_booking(b, today, user) for b in raw.get("setup", [])),
            notices=tuple((_day(n.get("date", ""), today) if n.get("date") else "", str(n["text"]))
                          for n in raw.get("notices", [])),
            bookings=tuple(_booking(b, today, user) for b in expect["bookings"]),
            reply_matches=tuple(expect.get("reply_matches", [])),
            reply_excludes=tuple(expect.get("reply_excludes", [])),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ScenarioError(f"{where}: {type(error).__name__}: {error}") from None
    if scenario.calendar not in ("demo", "empty") or not scenario.turns:
        raise ScenarioError(f"{where}: calendar must be demo or empty, and turns must not be empty")
    for pattern in (*scenario.reply_matches, *scenario.reply_excludes):
        try:
            re.compile(pattern)
        except re.error as error:
            raise ScenarioError(f"{where}: bad regular expression /{pattern}/: {error}") from None
    return scenario


def _booking(raw: dict[str, Any], today: date, user: str) -> BookingSpec:
    court, time = str(raw["court"]).upper(), str(raw["time"])
    if court not in COURTS or not re.fullmatch(r"\d{2}:00", time):
        raise ValueError(f"booking {raw} needs a court A-D and a time HH:00")
    return BookingSpec(court, _day(str(raw["date"]), today), time, str(raw.get("user", user)))


def _day(text: str, today: date) -> str:
    if text.startswith("+"):
        return (today + timedelta(days=int(text[1:]))).isoformat()
    return date.fromisoformat(text).isoformat()
