"""OpenTelemetry export: every step arrives at a real OTLP/HTTP receiver as a span, nested as it
happened, with the GenAI conventions' names and attributes and the project's `orchestration.*` ones.

The receiver is built on `opentelemetry-proto`: it parses what the SDK's own OTLP exporter sends.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import StatusCode

from orchestration.cli import main
from orchestration.evaluate import FAULTS
from orchestration.observe import otel
from orchestration.vendors.settings import Settings

from .helpers import converse, new_calendar

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


class Receiver(BaseHTTPRequestHandler):
    received: list[ExportTraceServiceRequest] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        type(self).received.append(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ExportTraceServiceRequest]]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    yield Receiver.received
    server.shutdown()
    server.server_close()


def attributes(span: object) -> dict[str, object]:
    values = {}
    for item in span.attributes:  # type: ignore[attr-defined]
        value = item.value
        values[item.key] = value.string_value if value.HasField("string_value") else value.int_value
    return values


@pytest.mark.parametrize("letter", ["C", "G"])
def test_every_step_arrives_as_a_span_nested_as_it_happened(receiver: list, letter: str, tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["chat", "--json", "--pattern", letter, "--today", "2025-12-03", "--user", "alice",
                 "--otlp", str(tmp_path / "spans.jsonl"), *DIALOGUE], out=out) == 0
    events = [e for turn in json.loads(out.getvalue())["turns"] for e in turn["events"]]
    spans = [s for request in receiver for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
    assert len(spans) == len(events) + len(DIALOGUE) + 1  # each step, each turn, the conversation
    by_id = {s.span_id: s for s in spans}
    step_span = {attributes(s)["orchestration.step"]: s for s in spans if "orchestration.step" in attributes(s)}
    assert sorted(step_span) == [e["step"] for e in events]
    root = next(s for s in spans if not s.parent_span_id)
    assert root.name.startswith(f"invoke_agent {letter} · ") and {s.trace_id for s in spans} == {root.trace_id}
    for event in events:
        span, seen = step_span[event["step"]], attributes(step_span[event["step"]])
        assert seen["orchestration.decided_by"] == event["decided_by"] and seen["orchestration.pattern"] == letter
        parent = by_id[span.parent_span_id]
        if event["parent"]:
            assert parent is step_span[event["parent"]]
        else:
            assert parent.name == f"turn {event['turn']}" and by_id[parent.parent_span_id] is root
        assert span.start_time_unix_nano <= span.end_time_unix_nano
        if event["model_call"]:
            assert span.name.startswith("chat ") and seen["gen_ai.operation.name"] == "chat"
            assert seen["gen_ai.provider.name"] in ("openai", "anthropic", "aws.bedrock")
            assert seen["gen_ai.usage.input_tokens"] == event["tokens_in"]
        elif event["action"] == "execute_tool":
            assert span.name == f"execute_tool {seen['gen_ai.tool.name']}"
        elif event["action"] == "delegate":
            assert span.name.startswith("invoke_agent ") and seen["gen_ai.operation.name"] == "invoke_agent"
    providers = {attributes(s).get("gen_ai.provider.name") for s in spans} - {""}
    assert providers >= ({"openai", "anthropic", "aws.bedrock"} if letter == "G" else {"openai"})
    text = (tmp_path / "spans.jsonl").read_text().splitlines()[0]  # the file: OTLP/JSON, ids in hex
    written = json.loads(text)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert len(written) == len(spans) and all(len(s["spanId"]) == 16 and len(s["traceId"]) == 32 for s in written)
    parsed = json_format.Parse(_base64_ids(text), ExportTraceServiceRequest())  # what opentelemetry-proto reads
    assert {s.span_id.hex() for rs in parsed.resource_spans for ss in rs.scope_spans for s in ss.spans} == \
        {s["spanId"] for s in written}


def _base64_ids(text: str) -> str:
    """OTLP/JSON's hex ids as protobuf's JSON mapping wants bytes (base64), as a collector's reader converts them."""
    return re.sub(r'"(traceId|spanId|parentSpanId)":"([0-9a-f]*)"',
                  lambda m: f'"{m[1]}":"{base64.b64encode(bytes.fromhex(m[2])).decode()}"', text)


def test_a_failed_step_has_error_status(tmp_path: Path) -> None:
    """With the calendar unreachable on the first call, D's failed check is a span with status ERROR."""
    calendar = new_calendar(tmp_path)
    FAULTS["tool_error"].apply(calendar, Settings())
    conversation = converse("D", calendar)
    conversation.send("Book court A tomorrow at 3pm")
    found = otel.spans(conversation.trace.events, "D", "D", conversation.trace.started_at)
    errors = [span.attributes["orchestration.step"] for span in found if span.status.status_code == StatusCode.ERROR]
    assert errors and errors == [e.step for e in conversation.trace.events if e.failed]


def test_the_same_run_exports_the_same_bytes(tmp_path: Path) -> None:
    """Ids come from the run, not from chance: a page's download stays the same file across reruns."""
    conversation = converse("C", new_calendar(tmp_path))
    conversation.send("Book court A tomorrow at 3pm")
    first, again = (otel.otlp_json(otel.spans(conversation.trace.events, "C", "C", conversation.trace.started_at))
                    for _ in range(2))
    assert first == again
