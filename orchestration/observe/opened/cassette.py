"""A cassette (gzip-compressed JSON written by `chat --record`), or a page's "Trace as JSON" ({"events",
"metrics"}): its "events" are drawn; "pattern", "recorded" and "bookings" say what it is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...patterns import PATTERNS
from .common import NAME_CHARS, OpenedTrace, TraceFileError, _pattern, _short
from .events import _bookings, _events


def _cassette(document: Any, compressed: bool) -> OpenedTrace:
    """A cassette: gzip-compressed, or (as `vendors/cassette/` also reads them) plain JSON that has "recorded" or
    "calls" or a cassette's name. Plain JSON with "events" and none of these is a page's "Trace as JSON"."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        what = "This gzip file holds JSON but no \"events\" list, so it is not a cassette" if compressed \
            else "This JSON has no \"events\" list"
        raise TraceFileError(f"{what}. A cassette is gzip-compressed JSON whose \"events\" are the run's steps.")
    pattern = _pattern(document.get("pattern"))
    if compressed or isinstance(document.get("recorded"), dict) or isinstance(document.get("calls"), list):
        label = (f"cassette of pattern {pattern}" if pattern else "cassette") + _recorded(document, pattern)
    else:
        label = f"trace JSON of pattern {pattern}" if pattern else "trace JSON"
    return OpenedTrace(label=label, pattern=pattern, events=_events(document["events"]),
                       user=_short(document.get("user"), NAME_CHARS), bookings=_bookings(document))



def _recorded(cassette: Mapping[str, Any], pattern: str | None) -> str:
    """", recorded with gpt-4.1-mini on 2026-12-03 at 8f1bd03", from what the cassette says: its "recorded"
    {"date", "commit"} and its models (vendor -> model, in "recorded" or beside it; of the pattern's
    vendors when it names them)."""
    recorded = cassette.get("recorded") if isinstance(cassette.get("recorded"), dict) else {}
    models = recorded.get("models") or cassette.get("models")
    if isinstance(models, dict) and pattern and any(v in models for v in PATTERNS[pattern].vendors):
        models = {vendor: models[vendor] for vendor in PATTERNS[pattern].vendors if vendor in models}
    names: list[str] = []
    for value in (models.values() if isinstance(models, dict) else [models] if models else []):
        found = value.get("model") if isinstance(value, dict) else value
        if isinstance(found, str) and found and _short(found, NAME_CHARS) not in names:
            names.append(_short(found, NAME_CHARS))
    date, commit = recorded.get("date"), recorded.get("commit")
    text = f", recorded with {' and '.join(names)}" if names else ", recorded"
    if isinstance(date, str) and date:
        text += f" on {date[:10] if re.match(r'[0-9]{4}-[0-9]{2}-[0-9]{2}T', date) else _short(date, 40)}"
    if isinstance(commit, str) and commit:
        text += f" at {commit[:7] if re.fullmatch(r'[0-9a-f]{40}', commit) else _short(commit, 40)}"
    return text if text != ", recorded" else ""
