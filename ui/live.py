"""Running a turn while the page watches it: progress and the graph update as each step happens.

The pattern runs in a worker thread; this (the script's) thread is the only one that touches
Streamlit. It drains the steps as they arrive and hands them to the page every `REDRAW_S` seconds
while the turn runs, and once when it ends (a turn faster than that: once), so a long run shows
where it is instead of a frozen spinner, and a fast one costs one redraw.

`settle_heap` keeps Streamlit's collection after each run short: see there why.
"""

from __future__ import annotations

import gc
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestration.observe.trace import Event
from orchestration.patterns import PATTERNS, Conversation, TurnFailed
from orchestration.patterns.base import describe_error

REDRAW_S = 0.15
_DONE = object()
"""Put on the queue by the worker after the turn's last step."""
_modules_at_freeze = 0
_freeze_lock = threading.Lock()


def settle_heap() -> None:
    """Freeze the heap (`gc.freeze`) when modules were imported since the last time: call it at the
    end of a page, once the page has loaded what it uses.

    Streamlit runs a full garbage collection after every script run (`runner.postScriptGC`), holding
    the GIL while the page waits to hear that the run finished. Once the vendor SDKs, pandas and
    pyarrow are loaded, about 430,000 long-lived objects (modules, botocore's service models, pydantic
    schemas, the Agents SDK) made each collection take 250 to 700 ms on 2 busy cores, after every
    rerun of every page. Frozen, they are never walked again; a conversation adds about 1,300 objects
    of its own. Imports are what bring them, and a process imports each module once, so this freezes
    a few times in a process's life; whatever else is alive at those moments is kept for good, a
    bounded amount.
    """
    global _modules_at_freeze
    with _freeze_lock:
        if len(sys.modules) == _modules_at_freeze:
            return
        _modules_at_freeze = len(sys.modules)
    gc.freeze()


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
        finally:
            arrived.put(_DONE)  # type: ignore[arg-type]

    worker = threading.Thread(target=work, name="pattern-turn", daemon=True)
    worker.start()
    try:
        pending: list[Event] = []
        last_draw = time.monotonic()
        while True:
            wait = max(0.0, last_draw + REDRAW_S - time.monotonic()) if pending else None
            try:
                item = arrived.get(timeout=wait)
            except queue.Empty:  # time to show what has arrived
                item = None
            done = item is _DONE
            if item is not None and not done:
                pending.append(item)
            if pending and (done or time.monotonic() - last_draw >= REDRAW_S):
                on_progress(pending)
                result.events += pending
                pending, last_draw = [], time.monotonic()
            if done:
                break
    finally:
        leave()
    _send_spans(conversation, result.events)
    return result


def _send_spans(conversation: Conversation, events: list[Event]) -> None:
    """With OTEL_EXPORTER_OTLP_ENDPOINT set, each turn goes out as an OpenTelemetry trace of its own."""
    if events and (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                   or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        from orchestration.observe import otel

        letter = conversation.letter
        otel.send(otel.spans(events, letter, f"{letter} · {PATTERNS[letter].name}", conversation.trace.started_at))
