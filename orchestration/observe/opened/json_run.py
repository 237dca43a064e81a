"""A `python -m orchestration chat --json` run: {"pattern", "today", "user", "turns": [{"user", "reply",
"events"}], "bookings", "metrics"}."""

from __future__ import annotations

from typing import Any

from .common import NAME_CHARS, SUMMARY_CHARS, OpenedTrace, TraceFileError, _pattern, _short
from .events import _bookings, _events


def _chat_run(run: dict[str, Any]) -> OpenedTrace:
    turns = run.get("turns")
    if not isinstance(turns, list):
        raise TraceFileError("This looks like a `chat --json` run, but its \"turns\" is not a list.")
    raws: list[Any] = []
    for n, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict) or not isinstance(turn.get("events", []), list):
            raise TraceFileError(f"Turn {n} of this `chat --json` run is not an object with an \"events\" list.")
        raws += turn.get("events", [])
    pattern = _pattern(run.get("pattern"))
    error = run.get("error")
    return OpenedTrace(label=f"chat --json run of pattern {pattern}" if pattern else "chat --json run", pattern=pattern,
                       events=_events(raws), user=_short(run.get("user"), NAME_CHARS), bookings=_bookings(run),
                       note=f"The run stopped with an error: {_short(error, SUMMARY_CHARS)}" if error else "")
