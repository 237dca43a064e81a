"""Running a turn while the page watches it: progress and the graph update as each step happens.

The pattern runs in a worker thread; this (the script's) thread is the only one that touches
Streamlit. It drains the steps as they arrive and hands them to the page, at most every
`REDRAW_S` seconds, so a long run shows where it is instead of a frozen spinner.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestration.patterns import PATTERNS, Conversation, TurnFailed
from orchestration.patterns.base import describe_error
from orchestration.trace import Event

REDRAW_S = 0.15


@dataclass
class TurnResult:
    """How a turn ended: a reply, or why it failed."""

    reply: str | None = None
    error: str | None = None
    events: list[Event] = field(default_factory=list)


def run_turn(conversation: Conversation, text: str, on_progress: Callable[[list[Event]], None]) -> TurnResult:
    """Send `text` through `conversation`, calling `on_progress(new_events)` from this thread."""
    arrived: queue.Queue[Event] = queue.Queue()
    leave = conversation.trace.subscribe(arrived.put)
    result = TurnResult()

    def work() -> None:
        try:
            result.reply = conversation.send(text)
        except TurnFailed as error:
            result.error = str(error)
        except Exception as error:  # keep the page alive whatever the pattern raised
            result.error = describe_error(error, conversation.trace.scrub)

    worker = threading.Thread(target=work, name="pattern-turn", daemon=True)
    worker.start()
    try:
        pending: list[Event] = []
        last_draw = 0.0
        while worker.is_alive() or not arrived.empty():
            try:
                pending.append(arrived.get(timeout=0.03))
            except queue.Empty:
                pass
            if pending and (time.monotonic() - last_draw >= REDRAW_S or not worker.is_alive()):
                on_progress(pending)
                result.events += pending
                pending, last_draw = [], time.monotonic()
        if pending:
            on_progress(pending)
            result.events += pending
    finally:
        leave()
    _send_spans(conversation, result.events)
    return result


def _send_spans(conversation: Conversation, events: list[Event]) -> None:
    """With OTEL_EXPORTER_OTLP_ENDPOINT set, each turn goes out as an OpenTelemetry trace of its own."""
    if events and (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        from orchestration import otel

        letter = conversation.letter
        otel.send(otel.spans(events, letter, f"{letter} · {PATTERNS[letter].name}", conversation.trace.started_at))
