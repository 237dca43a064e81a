"""One conversation through one pattern, summarised: replies, steps, counts, cost, calendar change.

The compare page runs the same conversation through every pattern, each on its own copy of the same
calendar, and lays the `RunResult`s side by side. `replay` runs a recorded conversation again, its model
calls answered from its cassette (`vendors/cassette/`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from .calendar import BookingRow, Calendar, Clock
from .observe.trace import Event, code_share
from .patterns import PATTERNS, Conversation, Deps, TurnFailed, start
from .vendors import cassette
from .vendors.offline.protocol import ModelReply
from .vendors.pricing import estimate_cost
from .vendors.settings import Settings

Send = Callable[[Conversation, str], str]
"""How a message is sent: `Conversation.send`, or a caller's wrapper (to watch it live)."""

@dataclass(frozen=True)
class RunResult:
    """What a conversation through one pattern did."""

    letter: str
    replies: list[str] = field(default_factory=list)
    """One reply per message sent (fewer if a turn failed)."""
    error: str | None = None
    """Why a turn failed, if one did; later messages were not sent."""
    events: tuple[Event, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)
    """The trace's counts, plus `wall_ms`, `cost_usd` and `code_share`."""
    bookings: list[BookingRow] = field(default_factory=list)
    """Bookings the conversation made."""
    started_at: float = 0.0
    """When the conversation began (seconds since the epoch), for exports."""


def run_conversation(letter: str, deps: Deps, messages: Sequence[str], send: Send | None = None) -> RunResult:
    """Send `messages` through pattern `letter`, stopping at the first failed turn."""
    sender = send or (lambda conversation, text: conversation.send(text))
    marker = deps.calendar.last_id()
    replies: list[str] = []
    error = None
    started = perf_counter()
    try:
        conversation = start(letter, deps)
        for message in messages:
            replies.append(sender(conversation, message))
    except TurnFailed as failure:
        error = str(failure)
    wall_ms = (perf_counter() - started) * 1000
    metrics = deps.trace.metrics()
    metrics |= {"wall_ms": round(wall_ms, 1), "code_share": round(code_share(metrics["decisions"]), 3),
                "cost_usd": estimate_cost(deps.trace.events, PATTERNS[letter].vendor, deps.clients.settings.models(),
                                          free=[v for v in PATTERNS[letter].vendors
                                                if deps.clients.mode(v) == "local"])}
    return RunResult(letter, replies, error, deps.trace.events, metrics, deps.calendar.bookings(after_id=marker),
                     deps.trace.started_at)


def copy_deps(calendar: Calendar, folder: Path, letter: str, user: str, settings: Settings) -> Deps:
    """Dependencies for `letter` on a private copy of `calendar` in `folder`."""
    return Deps.of(calendar.copy_to(folder / f"calendar-{letter}.db"), user, settings)


# --- A recorded run, run again (the cassette's replay and fork) ----------------------------------


@dataclass
class Replay:
    """A recorded run set up to run again in this process: its conversation, calendar and player."""

    conversation: Any
    player: cassette.Player
    key: str

    def close(self) -> None:
        cassette.release(self.key)


def replay(recorded: cassette.Cassette, folder: Path, fork_at: int | None = None,
           decision: ModelReply | None = None,
           then: Callable[[], Any] | None = None) -> Replay:
    """The recorded run's pattern on a fresh calendar in `folder` (its seed, day and setup), every model
    call answered from `recorded` (up to the fork). Send it the recorded messages; `close()` after."""
    calendar = Calendar.open(folder / "replay.db", Clock.on(datetime.fromisoformat(recorded.today).date()),
                             seed=recorded.calendar or "demo")  # type: ignore[arg-type]
    recorded.prepare(calendar)
    player = cassette.Player(recorded, fork_at, decision, then)
    key = cassette.activate(player)
    settings = Settings(cassette=key, safeguards=recorded.safeguards, openai_agents_api=recorded.openai_agents_api)
    try:
        conversation = start(recorded.pattern, Deps.of(calendar, recorded.user, settings))
    except BaseException:
        cassette.release(key)
        raise
    return Replay(conversation, player, key)
