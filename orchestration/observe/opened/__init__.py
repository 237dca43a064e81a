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
     reasons or output say so, or when a tool or an agent follows it. `execute_tool {tool}` is a tool
     running (`tool:<name>`), decided by the model whose choice it directly follows in the same agent (as
     this project draws a tool its model picked), by code when it follows no model's choice. An
     `invoke_agent` below the run is a delegation to `sub-agent:<name>`, decided by the model that
     asked for it. `embeddings` is code calling a model. Other spans are not steps, but their children
     are read. Status ERROR is a failed step.
3. A cassette (gzip-compressed JSON written by `chat --record`): its "events" are drawn; "pattern",
   "recorded" and "bookings" say what it is.

Anything else raises `TraceFileError`, a `ValueError` whose message is a sentence for people. Limits
keep a hostile file cheap: `MAX_BYTES` (after gunzip too), `MAX_EVENTS`, `MAX_SPANS`, `MAX_DEPTH`.
Nothing here renders text; the page shows every text from a file as plain text.

This `__init__` tells which kind a file is (`open_trace`) and is the package's interface: import from
`orchestration.observe.opened`, not from its modules. One module per kind of file, and what they share:

- `common.py`: the result (`OpenedTrace`), the error (`TraceFileError`), the limits, a file's strings cut to size;
- `decode.py`: bytes to JSON (gunzip, one JSON value or JSON lines, depth checked);
- `events.py`: this project's steps (`Event.to_dict()`) and bookings, checked field by field;
- `json_run.py`: a `chat --json` run;
- `cassette.py`: a cassette, or a page's "Trace as JSON";
- `otlp.py`: an OTLP/JSON file, its spans grouped into conversations, each read by
  `otlp_ours.py` (this project's spans: each step as it was) or `otlp_foreign.py` (another producer's:
  who decided, read from the operation and the nesting), from spans as `otlp_spans.py` reads them.

May import `observe.trace` and the pattern registry (`patterns.PATTERNS`, for a file's pattern letter).
The modules import one way only, from `common` (imported by all) up to this `__init__` (by none of them).
"""

from __future__ import annotations

from .cassette import _cassette
from .common import (
    CASSETTE_SUFFIXES,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_EVENTS,
    MAX_SPANS,
    NAME_CHARS,
    SUMMARY_CHARS,
    WHAT_OPENS,
    OpenedTrace,
    TraceFileError,
)
from .decode import _documents, _gunzip, _megabytes, _one_document
from .json_run import _chat_run
from .otlp import _otlp

__all__ = ["CASSETTE_SUFFIXES", "MAX_BYTES", "MAX_DEPTH", "MAX_EVENTS", "MAX_SPANS", "NAME_CHARS", "SUMMARY_CHARS",
           "WHAT_OPENS", "OpenedTrace", "TraceFileError", "open_trace"]


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
