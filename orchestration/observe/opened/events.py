"""This project's own JSON in a file: its steps (each `Event.to_dict()`) back as `Event`s and the bookings a run made,
every field checked. A `chat --json` run, a page's "Trace as JSON", a cassette and this project's OTLP spans all
come back through here."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..trace import ACTIONS, DECIDERS, Event
from .common import MAX_EVENTS, NAME_CHARS, TraceFileError, _short, _summary


def _bookings(document: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    found = document.get("bookings")
    if not isinstance(found, list):
        return ()
    return tuple({_short(str(k), 40): v if isinstance(v, (str, int, float, bool)) or v is None else json.dumps(v)[:200]
                  for k, v in booking.items()} for booking in found[:1_000] if isinstance(booking, dict))



def _events(raws: Sequence[Any]) -> tuple[Event, ...]:
    if len(raws) > MAX_EVENTS:
        raise TraceFileError(f"This trace has {len(raws):,} steps; the page opens up to {MAX_EVENTS:,}.")
    return tuple(_event(raw, n) for n, raw in enumerate(raws, start=1))



def _event(raw: Any, n: int) -> Event:
    """One `Event.to_dict()` back as an Event, every field checked."""
    where = f"Step {n} of this trace"
    if not isinstance(raw, dict):
        raise TraceFileError(f"{where} is not an object.")

    def whole(key: str, default: int | None = None, low: int = 0) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise TraceFileError(f"{where}: \"{key}\" should be a whole number of at least {low}.")
        return value

    def number(key: str) -> float:
        value = raw.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise TraceFileError(f"{where}: \"{key}\" should be a number of at least 0.")
        return float(value)

    def name(key: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise TraceFileError(f"{where}: \"{key}\" should be an actor's id, such as \"code\" or \"model:gpt-4.1\".")
        return _short(value, NAME_CHARS)

    action, decided_by = raw.get("action"), raw.get("decided_by")
    if action not in ACTIONS:
        raise TraceFileError(f"{where}: \"action\" should be one of {', '.join(ACTIONS)}.")
    if decided_by not in DECIDERS:
        raise TraceFileError(f"{where}: \"decided_by\" should be one of {', '.join(DECIDERS)}.")
    detail, parent, model_call = raw.get("detail", {}), raw.get("parent"), raw.get("model_call", False)
    if not isinstance(detail, dict):
        raise TraceFileError(f"{where}: \"detail\" should be an object.")
    if parent is not None and (isinstance(parent, bool) or not isinstance(parent, int)):
        raise TraceFileError(f"{where}: \"parent\" should be a step number or null.")
    if not isinstance(model_call, bool):
        raise TraceFileError(f"{where}: \"model_call\" should be true or false.")
    if not isinstance(raw.get("summary", ""), str):
        raise TraceFileError(f"{where}: \"summary\" should be a string.")
    return Event(step=whole("step", low=1), turn=whole("turn", 1, low=1), actor=name("actor"), target=name("target"),
                 action=action, decided_by=decided_by, summary=_summary(raw.get("summary", "")),
                 detail=detail, tokens_in=whole("tokens_in", 0), tokens_out=whole("tokens_out", 0), ms=number("ms"),
                 model_call=model_call, parent=parent, at=number("at"))
