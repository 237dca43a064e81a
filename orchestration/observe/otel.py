"""A decision trace as OpenTelemetry spans, following the GenAI semantic conventions.

One conversation is one OTel trace: a root `invoke_agent` span for the pattern, a span per user
turn, and a span per step nested as the steps were: a model call is a `chat {model}` span with the
provider, model id and token usage; a tool run is `execute_tool {tool}`; a manager's delegation is
`invoke_agent {specialist}` with the specialist's own steps inside it. Every span also carries
what no GenAI convention has, this project's point: `orchestration.decided_by` (code, llm, manager,
sub-agent, user), the step number and the pattern. A failed step has status ERROR.

Built with `opentelemetry-sdk` (spans) and its OTLP exporter (the wire); written out as OTLP/JSON
lines for a file, or sent to `OTEL_EXPORTER_OTLP_ENDPOINT`. Spans are made from the trace, which is
already scrubbed of keys, and carry no request or response bodies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from .trace import Event, actor_label

SERVICE = "orchestration-playground"
SUMMARY_CHARS = 500
"""How much of a step's one-line summary a span keeps."""


class _Ids(IdGenerator):
    """Trace and span ids drawn from a seed: the same steps export as the same spans, byte for byte
    (a re-sent run is recognised as the same, and a page's download does not change on each rerun)."""

    def __init__(self, seed: str) -> None:
        self._random = random.Random(hashlib.sha256(seed.encode()).digest())

    def generate_trace_id(self) -> int:
        return self._random.getrandbits(128) or 1

    def generate_span_id(self) -> int:
        return self._random.getrandbits(64) or 1


class _Kept(SpanExporter):
    """Keeps finished spans in memory, in the order they end."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


def spans(events: Sequence[Event], pattern: str, title: str, started_at: float) -> list[ReadableSpan]:
    """A conversation's steps as finished spans, parents before children; `started_at` is when it began
    (seconds since the epoch), each step's `at` counts from there."""
    kept = _Kept()
    seed = f"{started_at}:{pattern}:{events[0].step if events else 0}"
    provider = TracerProvider(resource=Resource({"service.name": SERVICE}), id_generator=_Ids(seed))
    provider.add_span_processor(SimpleSpanProcessor(kept))
    tracer = provider.get_tracer(SERVICE)
    start = int(started_at * 1e9)

    def at(seconds: float) -> int:
        return start + int(seconds * 1e9)

    ends = {e.step: at(e.at) for e in events}
    for event in reversed(events):  # a step that holds others ends when the last of them does
        if event.parent in ends:
            ends[event.parent] = max(ends[event.parent], ends[event.step])
    last = max(ends.values(), default=start)
    root = tracer.start_span(f"invoke_agent {title}", start_time=start, attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": title, "orchestration.pattern": pattern})
    turns: dict[int, Any] = {}
    opened: dict[int, Any] = {}
    def begins(event: Event) -> int:  # a model call or a tool run lasts `ms`; any other step is a moment
        lasted = event.ms / 1000 if event.model_call or event.action == "execute_tool" else 0.0
        return min(at(max(event.at - lasted, 0)), ends[event.step])

    for event in events:
        if event.turn not in turns:
            turns[event.turn] = tracer.start_span(
                f"turn {event.turn}", context=set_span_in_context(root), start_time=begins(event),
                attributes={"orchestration.pattern": pattern, "orchestration.turn": event.turn})
        parent = opened.get(event.parent) or turns[event.turn]
        name, attributes = _described(event)
        span = tracer.start_span(name, context=set_span_in_context(parent), start_time=begins(event),
                                 attributes=attributes | {"orchestration.pattern": pattern})
        if event.failed:
            span.set_status(Status(StatusCode.ERROR, event.summary[:200]))
        opened[event.step] = span
    for event in reversed(events):
        opened[event.step].end(end_time=ends[event.step])
    for number, turn in turns.items():
        turn.end(end_time=max(ends[e.step] for e in events if e.turn == number))
    root.end(end_time=last)
    provider.shutdown()
    order = {span.get_span_context().span_id: n for n, span in enumerate([root, *turns.values(), *opened.values()])}
    return sorted(kept.spans, key=lambda span: order[span.context.span_id])


def _described(event: Event) -> tuple[str, dict[str, Any]]:
    """A step's span name and attributes: the GenAI conventions' where they fit, the project's always."""
    detail = event.detail
    attributes: dict[str, Any] = {
        "orchestration.step": event.step, "orchestration.turn": event.turn, "orchestration.action": event.action,
        "orchestration.decided_by": event.decided_by, "orchestration.actor": event.actor,
        "orchestration.target": event.target, "orchestration.summary": event.summary[:SUMMARY_CHARS]}
    if event.model_call:
        model = str(detail.get("model") or actor_label(event.actor))
        attributes |= {"gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                       "gen_ai.usage.input_tokens": event.tokens_in, "gen_ai.usage.output_tokens": event.tokens_out}
        if detail.get("provider"):
            attributes["gen_ai.provider.name"] = str(detail["provider"])
        return f"chat {model}", attributes
    if event.action == "execute_tool":
        tool = str(detail.get("tool") or event.summary.removeprefix("run ").split(" ", 1)[0])
        return f"execute_tool {tool}", attributes | {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}
    if event.action == "delegate":
        agent = actor_label(event.target)
        return f"invoke_agent {agent}", attributes | {"gen_ai.operation.name": "invoke_agent",
                                                      "gen_ai.agent.name": agent}
    return f"{event.action} {actor_label(event.actor)}", attributes


def otlp_json(found: Sequence[ReadableSpan]) -> str:
    """One OTLP/JSON `ExportTraceServiceRequest` on one line, as collectors read it (ids in hex)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    request = MessageToDict(encode_spans(found), use_integers_for_enums=True)
    return json.dumps(_hex_ids(request), separators=(",", ":"))


def _hex_ids(node: Any) -> Any:
    """OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping writes base64."""
    if isinstance(node, dict):
        return {key: base64.b64decode(value).hex() if key in ("traceId", "spanId", "parentSpanId") and value
                else _hex_ids(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_hex_ids(item) for item in node]
    return node


def write(path: Path, found: Sequence[ReadableSpan]) -> None:
    """Append one conversation's spans to `path` as one OTLP/JSON line."""
    with path.open("a", encoding="utf-8") as file:
        file.write(otlp_json(found) + "\n")


def send(found: Sequence[ReadableSpan]) -> bool:
    """Send spans to `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP over HTTP) when it is set; True when sent."""
    if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter()
    try:
        return exporter.export(found) == SpanExportResult.SUCCESS
    finally:
        exporter.shutdown()
