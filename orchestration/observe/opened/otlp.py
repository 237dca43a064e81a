"""An OTLP/JSON file: its spans grouped into conversations (one trace id, or the traces that share a
`gen_ai.conversation.id`), each read as this project's (`otlp_ours`) or another producer's (`otlp_foreign`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..trace import Event
from .common import NAME_CHARS, OpenedTrace, TraceFileError, _short
from .otlp_foreign import _genai_steps
from .otlp_ours import _own_steps
from .otlp_spans import _Conversation, _Span, _spans


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
