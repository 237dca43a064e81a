"""Building blocks for tests: a calendar and a conversation through a pattern, all offline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.calendar import Calendar, Clock
from orchestration.offline.protocol import ModelReply, ModelRequest
from orchestration.patterns import Conversation, Deps, start
from orchestration.providers import Settings

TODAY = date(2025, 12, 3)
TOMORROW = "2025-12-04"


def new_calendar(tmp_path: Path, seed: str = "demo") -> Calendar:
    return Calendar.open(tmp_path / f"{seed}.db", Clock.on(TODAY), seed=seed)  # type: ignore[arg-type]


def converse(letter: str, calendar: Calendar, user: str = "alice", settings: Settings | None = None,
             max_steps: int = 8) -> Conversation:
    return start(letter, Deps.of(calendar, user, settings or Settings(), max_steps))


def bookings_by(calendar: Calendar, user: str) -> list[tuple[str, str, str]]:
    return [(b.court, b.date, b.time) for b in calendar.bookings() if b.user == user]


@dataclass
class ScriptedBrain:
    """A test's stand-in for the brain: answers with `replies` in order and records every request."""

    replies: list[ModelReply]
    requests: list[ModelRequest] = field(default_factory=list)

    def reply(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        return self.replies[len(self.requests) - 1]
