"""Opening trace files: a `chat --json` run, OTLP/JSON exports (this project's and another GenAI
producer's), a cassette, and files that are none of these; then the "Open a trace" page.

`fixtures/otlp-genai-foreign.jsonl` was written by hand for these tests. It follows the OpenTelemetry
GenAI semantic conventions (v1.37+: `gen-ai-spans.md` for the inference and execute-tool spans,
`gen-ai-agent-spans.md` for invoke_agent) in the OTLP/JSON encoding (hex ids, int64s as strings, one
`ExportTraceServiceRequest` per line as a collector's file exporter writes). It is the kind of trace
an agents SDK with GenAI instrumentation writes: no `orchestration.*` attribute; two traces (two
turns) sharing a `gen_ai.conversation.id`; a "Court concierge" agent on gpt-4.1-mini that checks a
slot, then hands booking to a "Booking agent" on claude-sonnet-4 whose `book` call fails (status
ERROR); opt-in content (`gen_ai.output.messages`, `gen_ai.tool.call.arguments`/`result`), one text
with HTML and a Markdown link in it; and an HTTP client span that is not a GenAI step.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from orchestration.cli import main
from orchestration.observe import otel
from orchestration.observe.opened import MAX_BYTES, MAX_DEPTH, MAX_EVENTS, OpenedTrace, TraceFileError, open_trace
from orchestration.observe.trace import Event

from .helpers import drawn_graphs

ROOT = Path(__file__).resolve().parents[1]
FOREIGN = Path(__file__).parent / "fixtures" / "otlp-genai-foreign.jsonl"
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


def chat(tmp_path: Path, letter: str, otlp: Path | None = None) -> dict:
    out = io.StringIO()
    spans = ["--otlp", str(otlp)] if otlp else []
    assert main(["chat", "--json", *spans, "--pattern", letter, "--today", "2025-12-03", "--user", "alice", *DIALOGUE],
                out=out) == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def run_c(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, bytes, bytes]:
    """Pattern C's run of the article's dialogue: its `--json` output and its `--otlp` file, from one run."""
    folder = tmp_path_factory.mktemp("run-c")
    run = chat(folder, "C", folder / "c.otlp.jsonl")
    return run, json.dumps(run).encode(), (folder / "c.otlp.jsonl").read_bytes()


def the_steps(events: tuple[Event, ...] | list[Event]) -> list[tuple]:
    """What a span keeps of each step: everything but the detail, the timings and the summary past 500 characters."""
    return [(e.step, e.turn, e.actor, e.target, e.action, e.decided_by, e.summary[:otel.SUMMARY_CHARS], e.tokens_in,
             e.tokens_out, e.model_call, e.parent, e.failed) for e in events]


def events_of(run: dict) -> tuple[Event, ...]:
    return tuple(Event(**raw) for turn in run["turns"] for raw in turn["events"])


# --- What opens ---------------------------------------------------------------------------------


def test_a_chat_json_run_opens_with_every_event_as_it_was(run_c: tuple[dict, bytes, bytes]) -> None:
    run, data, _ = run_c
    opened = open_trace(data, "run.json")
    assert ((opened.label, opened.pattern, opened.user, opened.note)
            == ("chat --json run of pattern C", "C", "alice", ""))
    assert opened.events == events_of(run)
    assert [e.at for e in opened.events] == [e.at for e in events_of(run)]
    assert opened.bookings == tuple(run["bookings"]) and opened.bookings[0]["court"] == "A"
    stopped = open_trace(json.dumps(run | {"error": "the model did not answer"}).encode(), "stopped.json")
    assert stopped.note == "The run stopped with an error: the model did not answer"


def test_this_projects_otlp_export_opens_as_the_same_steps(run_c: tuple[dict, bytes, bytes]) -> None:
    run, _, otlp = run_c
    opened = open_trace(otlp, "c.otlp.jsonl")
    assert (opened.label, opened.pattern, opened.conversations) == ("OTLP export (this project)", "C", ())
    assert the_steps(opened.events) == the_steps(events_of(run))
    model_calls = [e for e in opened.events if e.model_call]
    assert {e.detail["model"] for e in model_calls} == {"offline-rule-based"}
    assert all(e.ms > 0 for e in model_calls)


def test_an_otlp_file_of_several_runs_opens_each_conversation(tmp_path: Path) -> None:
    """`--otlp` appends a line per run, and `evaluate --otlp` writes one per scenario run: each is a conversation."""
    path = tmp_path / "two.otlp.jsonl"
    runs = [chat(tmp_path, letter, path) for letter in ("C", "D")]
    first, second = open_trace(path.read_bytes(), path.name), open_trace(path.read_bytes(), path.name, conversation=1)
    assert first.conversations == second.conversations == ("invoke_agent C · Function calling · "
                                                           f"{len(events_of(runs[0]))} steps",
                                                          "invoke_agent D · Agents SDK agent · "
                                                          f"{len(events_of(runs[1]))} steps")
    assert (first.pattern, second.pattern, second.conversation) == ("C", "D", 1)
    assert the_steps(second.events) == the_steps(events_of(runs[1]))
    with pytest.raises(TraceFileError, match="has 2 conversation"):
        open_trace(path.read_bytes(), path.name, conversation=2)


def test_a_failed_step_stays_failed_in_this_projects_otlp_though_its_detail_is_not_kept() -> None:
    refused = Event(step=1, turn=1, actor="code", target="calendar", action="execute_tool", decided_by="code",
                    summary="run book → refused", detail={"tool": "book", "result": {"status": "refused"}}, at=0.5)
    fine = Event(step=2, turn=1, actor="code", target="user", action="reply", decided_by="code",
                 summary="“Sorry”", at=0.6)
    line = otel.otlp_json(otel.spans([refused, fine], "C", "C · Function calling", 1_764_770_400.0))
    opened = open_trace(line.encode(), "refused.jsonl")
    assert [(e.summary, e.failed, dict(e.detail)) for e in opened.events] == [
        ("run book → refused", True, {"tool": "book", "result": {"status": "error"}}),
        ("“Sorry”", False, {})]


def test_another_producers_genai_export_opens_with_who_decided_inferred() -> None:
    opened = open_trace(FOREIGN.read_bytes(), FOREIGN.name)
    assert ((opened.label, opened.pattern, opened.conversations, opened.user)
            == ("OTLP export (GenAI conventions)", None, (), ""))
    concierge, agent = "model:gpt-4.1-mini", "sub-agent:Booking agent"  # the agent stands for its model
    assert [(e.step, e.turn, e.actor, e.target, e.action, e.decided_by, e.model_call, e.parent, e.failed)
            for e in opened.events] == [
        (1, 1, concierge, "code", "choose_tool", "llm", True, None, False),
        (2, 1, "code", "tool:check_availability", "execute_tool", "llm", False, None, False),  # its choice
        (3, 1, concierge, "code", "choose_tool", "llm", True, None, False),  # an agent follows: it chose one
        (4, 1, "code", agent, "delegate", "llm", False, None, False),
        (5, 1, agent, "tool:book", "choose_tool", "sub-agent", True, 4, False),  # the tool that follows
        (6, 1, agent, "tool:book", "execute_tool", "sub-agent", False, 4, True),  # status ERROR
        (7, 1, agent, "code", "answer", "sub-agent", True, 4, False),  # to whoever delegated
        (8, 1, concierge, "code", "answer", "llm", True, None, False),
        (9, 2, concierge, "code", "choose_tool", "llm", True, None, False),  # the HTTP span under it is no step
        (10, 2, "code", "tool:book", "execute_tool", "llm", False, None, False),
        (11, 2, concierge, "code", "answer", "llm", True, None, False)]
    steps = {e.step: e for e in opened.events}
    assert [steps[n].summary for n in (1, 5, 6, 9, 10)] == [
        "chat gpt-4.1-mini → tool_calls", "chat claude-sonnet-4 → tool_use", "run book → error",
        'call book({"slot_id": "B-2025-12-04-1500"})', "run book"]
    assert (steps[5].detail["model"], steps[5].detail["provider"]) == ("claude-sonnet-4", "anthropic")
    assert steps[7].summary.startswith("answer: Court A was just taken. <img src=x onerror=alert(1)>")
    assert dict(steps[10].detail) == {"span": "execute_tool book", "tool": "book",
                                      "arguments": {"slot_id": "B-2025-12-04-1500"},
                                      "output": {"status": "booked", "confirmation": "TC-4K2M9Q"}}
    assert (steps[6].detail["error"], steps[1].tokens_in, steps[1].tokens_out, steps[1].ms) == (
        "slot A-2025-12-04-1500 was taken", 412, 23, 810.0)
    assert [steps[n].at for n in (4, 5)] == [1.66, 3.9]  # a delegation is when it starts; its agent's steps follow


def test_a_cassette_opens_with_what_recorded_it(run_c: tuple[dict, bytes, bytes]) -> None:
    run, _, _ = run_c
    cassette = {"version": 1, "pattern": "C", "today": "2025-12-03", "user": "alice", "messages": list(DIALOGUE),
                # C calls OpenAI only
                "recorded": {"models": {"openai": "gpt-4.1-mini", "aws": "offline model (rule-based)"},
                             "date": "2026-12-03T09:41:20+00:00",
                             "commit": "8f1bd03c0ffee0000000000000000000000000ab"},
                "events": [e for turn in run["turns"] for e in turn["events"]],
                "bookings": run["bookings"], "calls": []}
    opened = open_trace(gzip.compress(json.dumps(cassette).encode()), "c-typical.cassette.json.gz")
    assert opened.label == "cassette of pattern C, recorded with gpt-4.1-mini on 2026-12-03 at 8f1bd03"
    assert (opened.pattern, opened.events, opened.bookings) == ("C", events_of(run), tuple(run["bookings"]))
    bare = open_trace(gzip.compress(json.dumps({"events": []}).encode()), "x.cassette")
    assert (bare.label, bare.pattern, bare.events) == ("cassette", None, ())
    # orchestration/vendors/cassette/ keeps the models beside "recorded", and reads a cassette that is not compressed
    beside = {**cassette, "models": {"openai": "local model qwen2.5-coder-1.5b"}, "recorded": {"date": "2026-12-04"}}
    assert open_trace(json.dumps(beside).encode(), "c.cassette").label == \
        "cassette of pattern C, recorded with local model qwen2.5-coder-1.5b on 2026-12-04"


def test_a_pattern_pages_trace_json_download_opens(run_c: tuple[dict, bytes, bytes]) -> None:
    run, _, _ = run_c
    download = json.dumps({"events": [e for turn in run["turns"] for e in turn["events"]], "metrics": run["metrics"]})
    opened = open_trace(download.encode(), "pattern-C-trace.json")
    assert (opened.label, opened.pattern, opened.events) == ("trace JSON", None, events_of(run))


def one_event(**changes: object) -> dict:
    return {"step": 1, "turn": 1, "actor": "code", "target": "user", "action": "reply", "decided_by": "code",
            "summary": "hi"} | changes


def test_a_long_summary_is_cut_in_the_middle_so_a_failed_step_stays_failed() -> None:
    long = one_event(action="execute_tool", target="calendar", summary="run book " + "x" * 5_000 + " → error")
    (event,) = open_trace(json.dumps({"events": [long]}).encode(), "long.json").events
    assert (len(event.summary), event.summary[:12], event.summary[-10:], event.failed) == (
        1_000, "run book xxx", "xx → error", True)


# --- What does not open, and says why -----------------------------------------------------------


def deep(levels: int) -> bytes:
    return ('{"events": ' + "[" * levels + "]" * levels + "}").encode()


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"", "x.json", "The file is empty"),
    (b"not json at all", "x.json", "The file is not JSON: Expecting value"),
    (b"\xff\xfe\x00garbage", "x.json", "not UTF-8"),
    (b'{"hello": "world"}', "x.json", "not a trace this page knows"),
    (b"[1, 2, 3]", "x.json", "not a trace this page knows"),
    (b'{"turns": "three"}', "x.json", "\"turns\" is not a list"),
    (b'{"events": [{"step": 1}]}', "x.json", "Step 1 of this trace: \"action\" should be one of"),
    (json.dumps({"events": [one_event(decided_by="robot")]}).encode(), "x.json", "\"decided_by\" should be one of"),
    (json.dumps({"events": [one_event(step=0)]}).encode(), "x.json", "\"step\" should be a whole number of at least 1"),
    (json.dumps({"events": [one_event(actor="")]}).encode(), "x.json", "\"actor\" should be an actor's id"),
    (json.dumps({"events": [one_event(detail=[1])]}).encode(), "x.json", "\"detail\" should be an object"),
    (b'{"events": [{"step": 1, "ms": NaN}]}', "x.json", "NaN, which is not a JSON number"),
    (b"x" * (MAX_BYTES + 1), "big.json", "a trace file can have up to 20.0 MB"),
    (json.dumps({"events": [one_event(step=n) for n in range(1, MAX_EVENTS + 2)]}).encode(), "x.json",
     f"{MAX_EVENTS + 1:,} steps; the page opens up to {MAX_EVENTS:,}"),
    (deep(MAX_DEPTH), "x.json", f"nested too deep \\(more than {MAX_DEPTH} levels\\)"),
    (deep(200_000), "x.json", "nested too deep"),
    (gzip.compress(b"plain words"), "x.cassette", "The unpacked file is not JSON"),
    (gzip.compress(b'{"calls": []}'), "x.cassette", "holds JSON but no \"events\" list, so it is not a cassette"),
    (gzip.compress(b"\0" * (MAX_BYTES + 1)), "bomb.cassette", "unpacks to more than 20.0 MB"),
    (gzip.compress(b'{"events": []}')[:12], "cut.cassette", "starts like gzip but does not unpack"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "ab", "spanId": "cd", "name": "GET /"}]}]}]}',
     "x.jsonl", "No span in this OTLP file follows the GenAI semantic conventions"),
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "chat m"}]}]}]}', "x.jsonl", "has no traceId and spanId"),
    (b'{"resourceSpans": [{"scopeSpans": "none"}]}', "x.jsonl", "not shaped as OTLP/JSON"),
    (b'{"resourceSpans": []}\nnot json\n', "x.jsonl", "Line 2 is not JSON"),
], ids=["empty", "not-json", "not-utf8", "unknown-object", "a-list", "bad-turns", "no-action", "bad-decider",
        "step-0", "no-actor", "bad-detail", "nan", "too-big", "too-many-events", "too-deep", "far-too-deep",
        "gzip-not-json", "gzip-no-events", "gzip-bomb", "gzip-cut", "otlp-no-genai",
        "otlp-no-ids", "otlp-bad-shape", "jsonl-bad-line"])
def test_a_file_that_is_no_trace_gets_a_sentence_saying_why(data: bytes, name: str, says: str) -> None:
    with pytest.raises(TraceFileError, match=says) as raised:
        open_trace(data, name)
    assert isinstance(raised.value, ValueError) and "Traceback" not in str(raised.value)


def test_spans_nested_past_the_limit_or_in_a_circle_cost_nothing() -> None:
    """Nesting in OTLP is by parent ids, not JSON depth: a chain deeper than MAX_DEPTH is refused, and spans that are
    their own parent (or each other's) are never reached, so they cannot loop."""
    def span(n: int, parent: str) -> dict:
        return {"traceId": "ab", "spanId": f"s{n}", "parentSpanId": parent, "name": "chat m",
                "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]}
    chain = [span(0, "")] + [span(n, f"s{n - 1}") for n in range(1, MAX_DEPTH + 1)]
    with pytest.raises(TraceFileError, match=f"nests spans more than {MAX_DEPTH} deep"):
        open_trace(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": chain}]}]}).encode(), "chain.jsonl")
    circle = [span(0, "")] + [span(1, "s2"), span(2, "s1"), span(3, "s3"), span(0, "")]
    opened = open_trace(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": circle}]}]}).encode(), "circle.jsonl")
    assert [(e.step, e.actor, e.action) for e in opened.events] == [(1, "model:m", "answer")]


def test_json_inside_an_attribute_is_read_only_when_it_is_plain_json() -> None:
    """Tool arguments and output messages are JSON inside a string: one nested too deep, or with NaN, stays text."""
    def tool(arguments: str) -> dict:
        return {"traceId": "ab", "spanId": f"s{len(arguments)}", "name": "execute_tool book", "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.call.arguments", "value": {"stringValue": arguments}}]}
    arguments = ['{"slot_id": "A-1"}', "[" * 100_000 + "]" * 100_000, '{"n": NaN}', "not json"]
    data = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [tool(a) for a in arguments]}]}]}).encode()
    assert ([e.detail["arguments"] for e in open_trace(data, "tools.jsonl").events]
            == [{"slot_id": "A-1"}, *arguments[1:]])


def test_a_tool_run_is_the_models_decision_only_right_after_the_model_chose_it() -> None:
    """As this project draws a tool its model picked; a tool run that follows no model's choice is code's."""
    def span(n: int, operation: str, name: str, finish: str = "") -> dict:
        reasons = [{"key": "gen_ai.response.finish_reasons",
                    "value": {"arrayValue": {"values": [{"stringValue": finish}]}}}] if finish else []
        return {"traceId": "ab", "spanId": f"s{n}", "name": name, "startTimeUnixNano": str(n),
                "endTimeUnixNano": str(n),
                "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": operation}}, *reasons]}
    spans = [span(1, "execute_tool", "execute_tool check_availability"), span(2, "chat", "chat m", "tool_calls"),
             span(3, "execute_tool", "execute_tool check_availability"), span(4, "execute_tool", "execute_tool book"),
             span(5, "chat", "chat m", "stop"), span(6, "execute_tool", "execute_tool book")]
    data = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    assert [(e.action, e.decided_by) for e in open_trace(data, "tools.jsonl").events] == [
        ("execute_tool", "code"), ("choose_tool", "llm"), ("execute_tool", "llm"), ("execute_tool", "llm"),
        ("answer", "llm"), ("execute_tool", "code")]


# --- The page -----------------------------------------------------------------------------------


def drawn(app: AppTest) -> list[dict]:
    """Every decision graph on the page, as drawn."""
    return drawn_graphs(app)


def test_the_page_opens_two_traces_side_by_side(run_c: tuple[dict, bytes, bytes]) -> None:
    run, data, otlp = run_c
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/trace.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert [u.label for u in app.get("file_uploader")] == ["Open a trace", "Open a second trace to compare"]
    app.get("file_uploader")[0].set_value(("run.json", data, "application/json")).run()
    app.get("file_uploader")[1].set_value(("spans.otlp.jsonl", FOREIGN.read_bytes(), "application/json")).run()
    assert not app.exception, [e.message for e in app.exception]
    assert [h.value for h in app.subheader] == ["chat \\-\\-json run of pattern C",
                                                "OTLP export \\(GenAI conventions\\)"]
    graphs = drawn(app)
    assert len(graphs) == 2
    actors = [{n["id"] for n in g["nodes"] if not n["id"].startswith("steps:")} for g in graphs]
    assert actors[0] == {a for e in events_of(run) for a in (e.actor, e.target)}
    assert actors[1] == {"code", "model:gpt-4.1-mini", "sub-agent:Booking agent",
                         "tool:check_availability", "tool:book"}
    titles = " ".join(n["title"] for n in graphs[1]["nodes"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in titles and "<img" not in titles  # model text never becomes HTML
    steps = [frame.value for frame in app.dataframe if "decided by" in frame.value.columns]
    assert [list(s["step"]) for s in steps] == [[e.step for e in events_of(run)], list(range(1, 12))]
    assert list(steps[1]["decided by"])[:4] == ["the model", "the model", "the model", "the model"]
    assert [m.value for m in app.metric if m.label == "Steps"] == [str(len(events_of(run))), "11"]
    both = otlp + FOREIGN.read_bytes()  # two conversations in one file: a picker chooses
    app.get("file_uploader")[1].set_value(("both.otlp.jsonl", both, "application/json")).run()
    assert [h.value for h in app.subheader] == ["chat \\-\\-json run of pattern C", "OTLP export \\(this project\\)"]
    assert app.selectbox(key="trace_conversation_second").options == [
        f"1. invoke_agent C · Function calling · {len(events_of(run))} steps",
        "2. invoke_agent Court concierge · 11 steps"]
    app.selectbox(key="trace_conversation_second").set_value(1).run()
    assert not app.exception, [e.message for e in app.exception]
    assert [h.value for h in app.subheader] == ["chat \\-\\-json run of pattern C",
                                                "OTLP export \\(GenAI conventions\\)"]


def test_the_page_says_why_a_file_does_not_open() -> None:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/trace.py").run()
    app.get("file_uploader")[0].set_value(("<b>notes</b>.txt", b"[not json", "text/plain")).run()
    assert not app.exception, [e.message for e in app.exception]
    assert len(app.error) == 1 and app.error[0].value.startswith(
        "\\<b\\>notes\\</b\\>\\.txt cannot be opened\\. The file is not JSON")
    assert drawn(app) == []


def test_opened_trace_is_a_plain_value() -> None:
    """What the page caches: a frozen dataclass of events, nothing tied to a session."""
    opened = open_trace(FOREIGN.read_bytes(), FOREIGN.name)
    assert isinstance(opened, OpenedTrace) and opened == open_trace(FOREIGN.read_bytes(), FOREIGN.name)
