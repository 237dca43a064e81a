"""What every reader of a trace file shares: the limits, the error, the result, and a file's strings cut to size."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...patterns import PATTERNS
from ..trace import Event

MAX_BYTES = 20 * 1024 * 1024
"""Largest file read, and largest a gzip file may unpack to (20 MB)."""

MAX_EVENTS = 5_000
"""Most steps one opened conversation may have (a long run has a few hundred)."""

MAX_SPANS = 200_000
"""Most spans an OTLP file may hold, over all its conversations."""

MAX_DEPTH = 64
"""Deepest nesting of JSON arrays and objects read (this project's files nest about 12 deep)."""

NAME_CHARS = 80
"""Longest actor, model, tool or agent name kept; longer ones are cut."""

SUMMARY_CHARS = 1_000
"""Longest one-line summary kept."""

CASSETTE_SUFFIXES = (".cassette", ".cassette.json.gz")

WHAT_OPENS = ("It opens the JSON of `python -m orchestration chat --json`, a pattern page's \"Trace as JSON\", an "
              "OTLP/JSON export (`--otlp FILE`, a page's OpenTelemetry download, or another OpenTelemetry GenAI "
              "producer's), or a cassette (gzip-compressed JSON with an \"events\" list).")



class TraceFileError(ValueError):
    """A file that cannot be opened as a trace; the message says why, for people."""



@dataclass(frozen=True)
class OpenedTrace:
    """A trace file, read."""

    label: str
    """What it is: "chat --json run of pattern C", "OTLP export (GenAI conventions)", "cassette of …"."""
    pattern: str | None
    """The pattern's letter (A–G) when the file says; None for another producer's trace."""
    events: tuple[Event, ...]
    """Its steps, as the app's own events (those of `conversation` in a file of several)."""
    user: str = ""
    """Whom the run booked for, when the file says."""
    bookings: tuple[Mapping[str, Any], ...] = ()
    """Bookings the run made, when the file says."""
    note: str = ""
    """Anything else worth a line: the error a run stopped with."""
    conversations: tuple[str, ...] = ()
    """A title per conversation, in a file that holds several (an OTLP export of `evaluate`)."""
    conversation: int = 0
    """Which of `conversations` `events` are, from 0."""



def _pattern(letter: Any) -> str | None:
    return letter.upper() if isinstance(letter, str) and letter.upper() in PATTERNS else None



def _short(value: Any, limit: int, end: int = 0) -> str:
    """A string from a file, on one line and at most `limit` characters, keeping its last `end` ones when it
    is cut; "" for anything not a string."""
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1 - end] + "…" + text[len(text) - end:]



def _summary(value: Any) -> str:
    """A step's summary, cut in the middle if long: what marks a failed step is at either end
    ("failed …", "… → error")."""
    return _short(value, SUMMARY_CHARS, end=40)
