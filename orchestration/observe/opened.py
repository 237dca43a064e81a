"""Opening a trace file made elsewhere: a `chat --json` run, an OTLP/JSON export, or a cassette.

`open_trace(data, name)` reads one file's bytes and gives back its steps as `trace.Event`s, so the
app draws them with the same graph, steps table and who-decided colours as a live run. It reads:

1. `python -m orchestration chat --json`: {"pattern", "today", "user", "turns": [{"user", "reply",
   "events"}], "bookings", "metrics"}, each event `Event.to_dict()`. A pattern page's "Trace as
   JSON" download ({"events", "metrics"}) opens too.
2. OTLP/JSON: one `ExportTraceServiceRequest` per line (what `--otlp FILE` and collectors' file
   exporters write) or one for the whole file. One trace id is one conversation (traces that share a
   `gen_ai.conversation.id` are one conversation, a turn each).
   - This project's: every step's span carries `orchestration.*` attributes, so each step comes back
     as it was, less the detail a span does not keep (arguments, results, texts).
   - Another producer's, as far as the GenAI semantic conventions go. No convention says who decided
     a step, so it is read from the operation and the nesting. An `invoke_agent` span with no
     `invoke_agent` above it is the agent's run, not a step. `chat {model}` (also `text_completion`,
     `generate_content`) is the model deciding (decided_by llm, `model:<name>` to your code); inside a
     delegated agent it is that agent deciding (decided_by sub-agent, `sub-agent:<name>` to the tool it
     picks or to whoever delegated), as this project draws a sub-agent. It picks a tool when its finish
     reasons or output say so, or when a tool or an agent follows it. `execute_tool {tool}` is code
     running a tool (`tool:<name>`). An `invoke_agent` below the run is a delegation to
     `sub-agent:<name>`, decided by the model that asked for it. `embeddings` is code calling a model.
     Other spans are not steps, but their children are read. Status ERROR is a failed step.
3. A cassette (gzip-compressed JSON written by `chat --record`): its "events" are drawn; "pattern",
   "recorded" and "bookings" say what it is.

Anything else raises `TraceFileError`, a `ValueError` whose message is a sentence for people. Limits
keep a hostile file cheap: `MAX_BYTES` (after gunzip too), `MAX_EVENTS`, `MAX_SPANS`, `MAX_DEPTH`.
Nothing here renders text; the page shows every text from a file as plain text.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..patterns import PATTERNS
from .trace import ACTIONS, DECIDERS, Event

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


def open_trace(data: bytes, name: str = "", conversation: int = 0) -> OpenedTrace:
    """The trace in a file's bytes; `name` is the file's name, `conversation` which one of several to
    open (OTLP files). Raises `TraceFileError` for anything that is not a trace it knows."""
    if len(data) > MAX_BYTES:
        raise TraceFileError(f"The file has {_megabytes(len(data))}; a trace file can have up to "
                             f"{_megabytes(MAX_BYTES)}.")
    if not data.strip():
        raise TraceFileError("The file is empty. " + WHAT_OPENS)
    if data[:2] == b"\x1f\x8b":
        return _cassette(_one_document(_gunzip(data)), compressed=True)
    documents = _documents(data)
    first = documents[0]
    if len(documents) == 1 and isinstance(first, dict):
        if "turns" in first:
            return _chat_run(first)
        if "events" in first:
            return _cassette(first, compressed=name.lower().endswith(CASSETTE_SUFFIXES))
    if all(isinstance(d, dict) and isinstance(d.get("resourceSpans"), list) for d in documents):
        return _otlp(documents, conversation)
    raise TraceFileError("This JSON is not a trace this page knows. " + WHAT_OPENS)


# --- Bytes to JSON ------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            text = unpacked.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise TraceFileError(f"This file starts like gzip but does not unpack ({error}).") from None
    if len(text) > MAX_BYTES:
        raise TraceFileError(f"This gzip file unpacks to more than {_megabytes(MAX_BYTES)}; "
                             "a trace can have up to that.")
    return text


def _reject_constant(constant: str) -> Any:
    raise TraceFileError(f"The file has {constant}, which is not a JSON number.")


_LINES = object()
"""What `_loads` returns for text that is several JSON values, one after another (JSON lines)."""


def _loads(text: str, where: str, lines: bool = False) -> Any:
    """One JSON value, checked for depth; with `lines`, `_LINES` when the text holds several."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except TraceFileError:
        raise
    except json.JSONDecodeError as error:
        if lines and error.msg == "Extra data":
            return _LINES
        raise TraceFileError(f"{where} is not JSON: {error.msg} (line {error.lineno}, column {error.colno}). "
                             + WHAT_OPENS) from None
    except RecursionError:
        raise TraceFileError(f"{where} is nested too deep (more than {MAX_DEPTH} levels).") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise TraceFileError(f"{where} is not JSON this page can read: {error}.") from None
    _check_depth(value, where)
    return value


def _check_depth(value: Any, where: str) -> None:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TraceFileError(f"{where} is nested too deep (more than {MAX_DEPTH} levels).")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraceFileError("The file is not UTF-8 text. " + WHAT_OPENS) from None


def _one_document(data: bytes) -> Any:
    return _loads(_text(data), "The unpacked file")


def _documents(data: bytes) -> list[Any]:
    """The file as one JSON value, or as JSON lines (one value a line)."""
    text = _text(data)
    whole = _loads(text, "The file", lines=True)
    if whole is not _LINES:
        return [whole]
    return [_loads(line, f"Line {n}") for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


# --- Events as JSON: a chat --json run, a page's download, a cassette ----------------------------


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


def _cassette(document: Any, compressed: bool) -> OpenedTrace:
    """A cassette: gzip-compressed, or (as `vendors/cassette.py` also reads them) plain JSON that has "recorded" or
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


# --- OTLP/JSON ----------------------------------------------------------------------------------

_MODEL_OPERATIONS = ("chat", "text_completion", "generate_content")
_RUNS = ("invoke_agent", "invoke_workflow")
_OPERATIONS = (*_MODEL_OPERATIONS, *_RUNS, "execute_tool", "embeddings", "create_agent", "retrieval")
_TOOL_FINISHES = ("tool_calls", "tool_call", "tool_use", "function_call")


@dataclass(frozen=True)
class _Span:
    """What a step needs of one OTLP span."""

    trace: str
    id: str
    parent: str
    name: str
    start: int
    end: int
    attributes: Mapping[str, Any]
    error: str | None
    """The status message (or `error.type`) of a span whose status is ERROR; None otherwise."""
    order: int
    """Position in the file, to keep spans that started together in the file's order."""

    @property
    def operation(self) -> str | None:
        found = self.attributes.get("gen_ai.operation.name")
        if isinstance(found, str) and found:
            return found
        first = self.name.split(" ", 1)[0]
        return first if first in _OPERATIONS else None


@dataclass
class _Conversation:
    spans: list[_Span] = field(default_factory=list)
    traces: list[str] = field(default_factory=list)


def _otlp(requests: list[dict[str, Any]], which: int) -> OpenedTrace:
    spans = _spans(requests)
    if not spans:
        raise TraceFileError("This OTLP file holds no spans.")
    conversations: dict[str, _Conversation] = {}
    by_trace: dict[str, list[_Span]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace].append(span)
    for trace_id, found in by_trace.items():
        ids = [s.attributes.get("gen_ai.conversation.id") for s in found]
        key = next((f"conversation:{i}" for i in ids if isinstance(i, str) and i), f"trace:{trace_id}")
        conversation = conversations.setdefault(key, _Conversation())
        conversation.spans += found
        conversation.traces.append(trace_id)
    read: list[tuple[str, tuple[Event, ...], str | None, bool]] = []
    for conversation in conversations.values():
        own = any("orchestration.decided_by" in s.attributes for s in conversation.spans)
        events, pattern = _own_steps(conversation.spans) if own else (_genai_steps(conversation), None)
        if events:
            read.append((_title(conversation.spans, len(events)), events, pattern, own))
    if not read:
        raise TraceFileError("No span in this OTLP file follows the GenAI semantic conventions (gen_ai.operation.name "
                             "chat, execute_tool, invoke_agent …) or carries this project's "
                             "orchestration.* attributes, so it has no steps to draw.")
    if not 0 <= which < len(read):
        raise TraceFileError(f"This OTLP file has {len(read)} conversation(s); there is no conversation {which + 1}.")
    _, events, pattern, own = read[which]
    return OpenedTrace(label="OTLP export (this project)" if own else "OTLP export (GenAI conventions)",
                       pattern=pattern,
                       events=events, conversations=tuple(title for title, *_ in read) if len(read) > 1 else (),
                       conversation=which)


def _title(spans: list[_Span], steps: int) -> str:
    ids = {s.id for s in spans}
    root = min((s for s in spans if s.parent not in ids), key=lambda s: (s.start, s.order))
    return f"{_short(root.name, NAME_CHARS)} · {steps} step{'s' * (steps != 1)}"


def _spans(requests: list[dict[str, Any]]) -> list[_Span]:
    found: list[_Span] = []
    for request in requests:
        for resource in _list(request.get("resourceSpans")):
            for scope in _list(resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans")):
                for raw in _list(scope.get("spans")):
                    if len(found) >= MAX_SPANS:
                        raise TraceFileError(f"This OTLP file has more than {MAX_SPANS:,} spans; "
                                             "the page opens up to that.")
                    found.append(_span(raw, len(found)))
    return found


def _list(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TraceFileError("This OTLP file is not shaped as OTLP/JSON: resourceSpans, scopeSpans and spans should "
                             "be lists of objects.")
    return value


def _span(raw: dict[str, Any], n: int) -> _Span:
    where = f"Span {n + 1} of this OTLP file"
    trace, span, parent, name = (raw.get(k, "") for k in ("traceId", "spanId", "parentSpanId", "name"))
    if not (isinstance(trace, str) and trace and isinstance(span, str) and span and isinstance(parent, str)
            and isinstance(name, str)):
        raise TraceFileError(f"{where} has no traceId and spanId as strings (or its name or parentSpanId is not one).")
    start, end = _nanos(raw.get("startTimeUnixNano"), where), _nanos(raw.get("endTimeUnixNano"), where)
    attributes = _attributes(raw.get("attributes"), where)
    status = raw.get("status") if isinstance(raw.get("status"), dict) else {}
    error = None
    if status.get("code") in (2, "2", "STATUS_CODE_ERROR"):
        message = status.get("message") or attributes.get("error.type") or "error"
        error = _short(message if isinstance(message, str) else str(message), 200)
    return _Span(trace, span, parent, name, start, max(end, start), attributes, error, n)


def _nanos(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TraceFileError(f"{where}: its start and end times should be whole numbers of nanoseconds.")
    return value


def _attributes(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise TraceFileError(f"{where}: its attributes should be a list of {{key, value}}.")
    return {item["key"]: _value(item.get("value")) for item in raw
            if isinstance(item, dict) and isinstance(item.get("key"), str)}


def _value(value: Any) -> Any:
    """An OTLP `AnyValue` as plain data (int64s arrive as strings in OTLP/JSON)."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"] if isinstance(value["stringValue"], str) else None
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in value:
        found = value["doubleValue"]
        return float(found) if isinstance(found, (int, float, str)) and _is_float(found) else None
    if "boolValue" in value:
        return value["boolValue"] is True
    if "arrayValue" in value:
        items = value["arrayValue"].get("values") if isinstance(value["arrayValue"], dict) else None
        return [_value(item) for item in items] if isinstance(items, list) else []
    if "kvlistValue" in value:
        items = value["kvlistValue"].get("values") if isinstance(value["kvlistValue"], dict) else None
        return {i["key"]: _value(i.get("value")) for i in items or []
                if isinstance(i, dict) and isinstance(i.get("key"), str)}
    return None


def _embedded(text: str) -> Any:
    """JSON inside an attribute's string (tool arguments, output messages) as data; else the text."""
    try:
        found = json.loads(text, parse_constant=_reject_constant)
        _check_depth(found, "An attribute")
    except (ValueError, RecursionError):  # TraceFileError is a ValueError
        return text
    return found


def _is_float(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


# This project's spans: each step as it was ----------------------------------------------------------


def _own_steps(spans: list[_Span]) -> tuple[tuple[Event, ...], str | None]:
    steps = sorted((s for s in spans if "orchestration.step" in s.attributes),
                   key=lambda s: (_whole(s.attributes["orchestration.step"]), s.order))
    if len(steps) > MAX_EVENTS:
        raise TraceFileError(f"This conversation has {len(steps):,} steps; the page opens up to {MAX_EVENTS:,}.")
    numbers = {s.id: _whole(s.attributes["orchestration.step"]) for s in steps}
    began = min(s.start for s in spans)
    events = []
    for span in steps:
        a = span.attributes
        raw = {"step": a.get("orchestration.step"), "turn": a.get("orchestration.turn", 1),
               "actor": a.get("orchestration.actor"), "target": a.get("orchestration.target"),
               "action": a.get("orchestration.action"), "decided_by": a.get("orchestration.decided_by"),
               "summary": a.get("orchestration.summary", span.name), "detail": _own_detail(span)}
        model_call = a.get("gen_ai.operation.name") == "chat"
        timed = model_call or raw["action"] == "execute_tool"
        raw |= {"tokens_in": _whole(a.get("gen_ai.usage.input_tokens")),
                "tokens_out": _whole(a.get("gen_ai.usage.output_tokens")), "model_call": model_call,
                "parent": numbers.get(span.parent), "ms": round((span.end - span.start) / 1e6, 2) if timed else 0.0,
                "at": round((span.end - began) / 1e9, 4)}
        event = _event(raw, len(events) + 1)
        # what made it fail (a tool's refusal) was in the detail a span does not keep
        if span.error and not event.failed:
            event = replace(event, detail={**event.detail, "result": {"status": "error"}})
        events.append(event)
    pattern = next((_pattern(s.attributes.get("orchestration.pattern")) for s in spans
                    if _pattern(s.attributes.get("orchestration.pattern"))), None)
    return tuple(events), pattern


def _own_detail(span: _Span) -> dict[str, Any]:
    a = span.attributes
    keep = {"gen_ai.request.model": "model", "gen_ai.provider.name": "provider", "gen_ai.tool.name": "tool",
            "gen_ai.agent.name": "agent"}
    return {name: a[key] for key, name in keep.items() if isinstance(a.get(key), str)}


# Another producer's spans: who decided, read from the operation and the nesting --------------------


def _genai_steps(conversation: _Conversation) -> tuple[Event, ...]:
    """The steps of another producer's conversation, in the order its spans started, depth first."""
    spans, traces = [], {trace: n for n, trace in enumerate(conversation.traces)}
    seen: set[tuple[str, str]] = set()
    for span in conversation.spans:  # a repeated span id is read once
        if (span.trace, span.id) not in seen:
            seen.add((span.trace, span.id))
            spans.append(span)
    children: dict[tuple[str, str], list[_Span]] = defaultdict(list)
    for span in spans:
        children[(span.trace, span.parent if (span.trace, span.parent) in seen else "")].append(span)
    for found in children.values():
        found.sort(key=lambda s: (traces[s.trace], s.start, s.order))
    began = min(s.start for s in spans)
    events: list[Event] = []
    turn, fresh, last_trace = 0, False, None

    def visit(span: _Span, following: _Span | None, agents: tuple[str, ...], in_run: bool, parent: int | None,
              depth: int) -> None:
        nonlocal turn, fresh, last_trace
        if depth > MAX_DEPTH:
            raise TraceFileError(f"This OTLP file nests spans more than {MAX_DEPTH} deep.")
        if span.trace != last_trace:  # each trace of a conversation is a turn of its own
            turn, fresh, last_trace = turn + 1, True, span.trace
        inner = children[(span.trace, span.id)]
        if span.operation in _RUNS and not in_run:  # the agent's run: not a step; a second one is the next turn
            turn, fresh = (turn, False) if fresh else (turn + 1, False)
            for n, child in enumerate(inner):
                visit(child, inner[n + 1] if n + 1 < len(inner) else None, agents, True, parent, depth + 1)
            return
        event = _genai_event(span, following, agents, turn, parent, began, len(events) + 1)
        if event is not None:
            if len(events) >= MAX_EVENTS:
                raise TraceFileError(f"This conversation has more than {MAX_EVENTS:,} steps; "
                                     "the page opens up to that.")
            events.append(event)
            fresh = False
            if event.action == "delegate":
                agents, parent = (*agents, event.detail["agent"]), event.step
        for n, child in enumerate(inner):
            visit(child, inner[n + 1] if n + 1 < len(inner) else None, agents, in_run, parent, depth + 1)

    roots = sorted((s for key, found in children.items() if key[1] == "" for s in found),
                   key=lambda s: (traces[s.trace], s.start, s.order))
    for n, root in enumerate(roots):
        following = roots[n + 1] if n + 1 < len(roots) and roots[n + 1].trace == root.trace else None
        visit(root, following, (), False, None, 1)
    return tuple(events)


def _agent_name(span: _Span) -> str:
    a = span.attributes
    found = a.get("gen_ai.agent.name") or a.get("gen_ai.agent.id") or span.name.partition(" ")[2] or "agent"
    return _short(str(found), NAME_CHARS) or "agent"


def _genai_event(span: _Span, following: _Span | None, agents: tuple[str, ...], turn: int, parent: int | None,
                 began: int, step: int) -> Event | None:
    """The step one GenAI span stands for, or None for a span that is not a step."""
    a, operation = span.attributes, span.operation
    host = f"sub-agent:{agents[-1]}" if agents else "code"
    delegator = f"sub-agent:{agents[-2]}" if len(agents) > 1 else "code"
    model_decider = "sub-agent" if agents else "llm"
    model = _short(str(a.get("gen_ai.request.model") or a.get("gen_ai.response.model") or span.name.partition(" ")[2]
                       or "model"), NAME_CHARS)
    detail: dict[str, Any] = {"span": _short(span.name, NAME_CHARS)}
    if isinstance(a.get("gen_ai.provider.name") or a.get("gen_ai.system"), str):
        detail["provider"] = a.get("gen_ai.provider.name") or a.get("gen_ai.system")
    tokens = {"tokens_in": _whole(a.get("gen_ai.usage.input_tokens")),
              "tokens_out": _whole(a.get("gen_ai.usage.output_tokens"))}
    lasted = round((span.end - span.start) / 1e6, 2)
    if operation in _MODEL_OPERATIONS:
        text, calls = _output(a.get("gen_ai.output.messages"))
        finishes = [f for f in a.get("gen_ai.response.finish_reasons") or [] if isinstance(f, str)]
        follows = following.operation if following else None
        chose_tool = bool(calls) or any(f in _TOOL_FINISHES for f in finishes) or (
            not finishes and not text and follows in ("execute_tool", "invoke_agent"))
        action = "choose_tool" if chose_tool else "answer"
        if calls:
            summary = "call " + ", ".join(f"{name}({arguments})" for name, arguments in calls)
        elif text:
            summary = f"answer: {text}"
        else:
            summary = f"{operation} {model}" + (f" → {', '.join(finishes)}" if finishes else "")
        detail |= {"model": model, **({"finish_reasons": finishes} if finishes else {}),
                   **({"text": text} if text else {})}
        if agents:  # a delegated agent's model is drawn as the agent, as this project draws its sub-agents
            tool = calls[0][0] if calls else _tool_name(following) if follows == "execute_tool" else None
            actor, target = host, f"tool:{tool}" if chose_tool and tool else delegator
        else:
            actor, target = f"model:{model}", host
        decided_by, model_call = model_decider, True
    elif operation == "execute_tool":
        tool = _tool_name(span)
        detail |= {"tool": tool, **{name: _embedded(a[key]) for key, name in
                                    (("gen_ai.tool.call.arguments", "arguments"), ("gen_ai.tool.call.result", "output"))
                                    if isinstance(a.get(key), str)}}
        actor, target, action, decided_by, model_call = host, f"tool:{tool}", "execute_tool", "code", False
        summary = f"run {tool}"
    elif operation in _RUNS:
        agent = _agent_name(span)
        detail["agent"] = agent
        actor, target, action, decided_by, model_call = host, f"sub-agent:{agent}", "delegate", model_decider, False
        summary, lasted = f"invoke_agent {agent}", 0.0
        span = replace(span, end=span.start)  # a delegation happens when it starts; its agent's steps follow
    elif operation == "embeddings":
        detail["model"] = model
        actor, target, action, decided_by, model_call = host, f"model:{model}", "call_model", "code", True
        summary = f"embeddings {model}"
    else:
        return None
    if span.error:
        summary += " → error"  # a failed step (`Event.failed`)
        detail["error"] = span.error
    return Event(step=step, turn=turn, actor=actor, target=target, action=action, decided_by=decided_by,
                 summary=_summary(summary), detail=detail, model_call=model_call,
                 ms=lasted if model_call or action == "execute_tool" else 0.0, parent=parent,
                 at=round((span.end - began) / 1e9, 4), **tokens)


def _tool_name(span: _Span) -> str:
    return _short(str(span.attributes.get("gen_ai.tool.name") or span.name.partition(" ")[2] or "tool"), NAME_CHARS)


def _output(messages: Any) -> tuple[str, list[tuple[str, str]]]:
    """The text and the tool calls in `gen_ai.output.messages` (opt-in content, a JSON string):
    [{"role", "parts": [{"type": "text", "content"}, {"type": "tool_call", "name", "arguments"}]}]."""
    found = _embedded(messages) if isinstance(messages, str) else messages
    texts, calls = [], []
    for message in found if isinstance(found, list) else []:
        for part in message.get("parts") or [] if isinstance(message, dict) else []:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "text" and isinstance(part.get("content"), str):
                texts.append(part["content"])
            elif part.get("type") == "tool_call" and isinstance(part.get("name"), str):
                arguments = part.get("arguments")
                shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
                calls.append((_short(part["name"], NAME_CHARS), _short(shown, 200)))
    return _short(" ".join(texts), SUMMARY_CHARS), calls
