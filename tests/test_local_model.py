"""A local OpenAI-compatible server as the model behind every vendor, with `serve` standing in for it.

The project's own `serve` answers Chat Completions on loopback, like llama.cpp's server or Ollama, so
these tests run the plumbing for real: every pattern's calls, OpenAI's directly and those of the
emulated Bedrock and Anthropic services, must reach the server. Variants of the server refuse
`json_schema` output or have no Responses API, as some real servers do.
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.calendar import Calendar
from orchestration.offline import OfflineModel
from orchestration.offline.protocol import ModelReply, ModelRequest, ToolCall
from orchestration.offline.server import make_server
from orchestration.offline.wire import WireRequest, WireResponse
from orchestration.patterns import Conversation, a_ai_as_service, start
from orchestration.patterns.g_lambda_agents import booking_lambda
from orchestration.patterns.base import Deps, TurnFailed
from orchestration.providers import Clients, Settings

from .helpers import new_calendar

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


@dataclass
class StandIn:
    """The offline model behind a real socket, recording what it is asked; it can refuse like some servers."""

    refuse_json_schema: bool = False
    no_responses_api: bool = False
    requests: list[dict] = field(default_factory=list)
    model: OfflineModel = field(default_factory=OfflineModel)

    def __call__(self, request: WireRequest) -> WireResponse:
        body = request.json() if request.body else {}
        self.requests.append({"path": request.path, "body": body})
        if self.no_responses_api and request.path.endswith("/responses"):
            return WireResponse.of_json({"error": {"message": "Not Found"}}, status=404)
        if self.refuse_json_schema and (body.get("response_format") or {}).get("type") == "json_schema":
            return WireResponse.of_json({"error": {"message": "Traceback (most recent call last):\n  File \"x.py\", "
                                                   "line 1\nValueError: Input should be 'text' or 'json_object'"}},
                                        status=500)
        return self.model(request)

    def systems(self) -> str:
        return "\n".join(str(m.get("content")) for r in self.requests for m in r["body"].get("messages", [])
                         if m.get("role") == "system")


@pytest.fixture
def stand_in() -> Iterator[tuple[StandIn, str]]:
    handler = StandIn()
    server = make_server(handler, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def chat(url: str, letter: str, *extra: str) -> dict:
    out = io.StringIO()
    assert main(["chat", "--json", "--pattern", letter, "--local-model-url", url, "--local-model", "stand-in",
                 "--today", "2025-12-03", "--user", "alice", *extra, *DIALOGUE], out=out) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("letter", "ABCDEFG")
def test_every_pattern_books_through_a_local_server(letter: str, stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    result = chat(url, letter)
    assert [(b["court"], b["date"], b["time"], b["user"]) for b in result["bookings"]] == [
        ("A", "2025-12-04", "15:00", "alice")]
    assert {v: (w["mode"], w["model"], w["endpoint"]) for v, w in result["vendors"].items()} == {
        v: ("local", "stand-in", url) for v in result["vendors"]}
    assert result["vendors"] and all(r["path"] == "/v1/chat/completions" for r in handler.requests)
    assert all(r["body"]["model"] == "stand-in" and r["body"]["max_tokens"] for r in handler.requests)
    if letter == "A":  # A's Converse call, answered by the emulated Bedrock service, was decided by the server
        assert "You extract tennis court booking requests" in handler.systems()
    if letter == "G":  # ... and so were the Bedrock and Claude agents inside G's Lambdas
        assert "You check tennis court availability" in handler.systems()
        assert "You book tennis court slots with the book tool" in handler.systems()


def test_a_server_that_refuses_json_schema_still_runs_e(stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    handler.refuse_json_schema = True
    result = chat(url, "E")
    assert [(b["court"], b["time"]) for b in result["bookings"]] == [("A", "15:00")]
    formats = [(r["body"].get("response_format") or {}).get("type") for r in handler.requests]
    assert formats.count("json_schema") == 1  # learnt once for the session, then json_object
    assert "json_object" in formats
    notes = [e["summary"] for t in result["turns"] for e in t["events"] if e["action"] == "decide"]
    assert any("refused json_schema" in n for n in notes)


def test_a_server_without_the_responses_api_still_runs_d(stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    handler.no_responses_api = True
    result = chat(url, "D")
    assert [(b["court"], b["time"]) for b in result["bookings"]] == [("A", "15:00")]
    assert not [r for r in handler.requests if r["path"].endswith("/responses")]


def test_a_servers_traceback_never_reaches_the_user(stand_in: tuple[StandIn, str], tmp_path: Path) -> None:
    handler, url = stand_in
    settings = Settings(local_model_url=url)
    chat_ = start("C", Deps.of(new_calendar(tmp_path), "alice", settings))
    handler.requests.clear()

    def broken(request: WireRequest) -> WireResponse:
        return WireResponse.of_json({"error": {"message": "Traceback (most recent call last):\n  File \"srv.py\", "
                                                          "line 9, in run\nRuntimeError: out of memory"}}, status=500)
    handler.model = broken  # type: ignore[assignment]
    with pytest.raises(TurnFailed) as failure:
        chat_.send("Book court B tomorrow at 9am")
    assert "Traceback" not in str(failure.value) and 'File "' not in str(failure.value)
    assert str(failure.value).endswith("Nothing was booked.")


def test_the_prompts_the_server_gets_are_the_patterns_own(stand_in: tuple[StandIn, str]) -> None:
    """Nothing is rewritten for the server but the request's framing: the prompts arrive as the patterns wrote them."""
    handler, url = stand_in
    chat(url, "G")
    assert booking_lambda.SYSTEM.split("{today}")[0] in handler.systems()
    chat(url, "A")
    assert a_ai_as_service.PARSE_PROMPT.split("{today}")[0] in handler.systems()


# --- After a cap or an error, code states what the calendar holds -------------------------------

CALLS = [("check_availability", {"date": "2025-12-04", "time": "15:00"}), ("book", {"slot_id": "A-2025-12-04-1500"}),
         ("check_availability", {"date": "2025-12-04", "time": "16:00"}),
         ("check_availability", {"date": "2025-12-04", "time": "17:00"}),
         ("check_availability", {"date": "2025-12-04", "time": "18:00"})]


class Looping:
    """A model that books, then keeps calling tools: a loop to the cap."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.calls, self.fail_at = 0, fail_at

    def reply(self, request: ModelRequest) -> ModelReply:
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("the model server went away")
        name, arguments = CALLS[min(self.calls, len(CALLS)) - 1]
        return ModelReply(tool_calls=(ToolCall(name, json.dumps(arguments), f"call_{self.calls}"),))


def looping_chat(letter: str, calendar: Calendar, model: Looping) -> Conversation:
    clients = Clients(Settings(), offline=OfflineModel(model))
    return start(letter, Deps(calendar=calendar, user="alice", clients=clients, clock=calendar.clock, max_steps=4))


@pytest.mark.parametrize("letter", "CD")
def test_after_the_cap_the_reply_lists_exactly_what_the_calendar_holds(letter: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    calendar.book("B-2025-12-04-0900", "alice")  # an earlier booking: not this turn's
    reply = looping_chat(letter, calendar, Looping()).send("Book court A tomorrow at 3pm")
    [made] = [b for b in calendar.bookings() if b.court == "A"]
    assert reply == (f"{'I' if letter == 'C' else 'The agent'} stopped after 4 model calls without finishing. "
                     f"The calendar holds from this turn: court A on Thursday 4 December at 15:00, confirmation "
                     f"{made.confirmation}. Please try again or rephrase.")


@pytest.mark.parametrize("letter", "CD")
def test_after_an_error_the_failure_lists_exactly_what_the_calendar_holds(letter: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    with pytest.raises(TurnFailed) as failure:
        looping_chat(letter, calendar, Looping(fail_at=3)).send("Book court A tomorrow at 3pm")
    [made] = calendar.bookings()
    assert str(failure.value).endswith(f"The calendar holds from this turn: court A on Thursday 4 December at 15:00, "
                                       f"confirmation {made.confirmation}.")


@pytest.mark.parametrize(("claim", "told"), [
    ("I have booked court A for you tomorrow at 15:00.", "Nothing was booked."),
    ("Booked! Court A tomorrow at 15:00, confirmation TC-ABC123.", "Nothing was booked."),
])
def test_a_reply_that_claims_a_booking_the_calendar_lacks_gets_the_calendars_word(claim: str, told: str,
                                                                                 tmp_path: Path) -> None:
    """The model answers with a booking it never made (no tool call): your code adds what the calendar holds."""
    calendar = new_calendar(tmp_path)
    deps = Deps.of(calendar, "alice", Settings(), 8)
    deps = dataclasses.replace(deps, clients=Clients(Settings(), offline=OfflineModel(Says(claim))))
    conversation = start("C", deps)
    reply = conversation.send("Book court A tomorrow at 3pm")
    assert reply.startswith(claim) and reply.endswith(f"(Checked against the calendar: {told})")
    assert any(e.action == "model_error" and "claims a booking" in e.summary for e in conversation.trace.events)


class BooksThenDenies:
    """A model that checks, books, then tells the user it cannot help (as a real 1.5B model did in F)."""

    def __init__(self) -> None:
        self.calls = 0

    def reply(self, request: ModelRequest) -> ModelReply:
        self.calls += 1
        if self.calls > 2:
            return ModelReply(text="I'm sorry, but I can't assist with that.")
        name, arguments = CALLS[self.calls - 1]
        return ModelReply(tool_calls=(ToolCall(name, json.dumps(arguments), f"call_{self.calls}"),))


@pytest.mark.parametrize("letter", "CD")
def test_a_reply_that_leaves_out_a_booking_this_turn_made_gets_the_calendars_word(letter: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    conversation = looping_chat(letter, calendar, BooksThenDenies())
    reply = conversation.send("Book court A tomorrow at 3pm")
    [made] = calendar.bookings()
    assert reply == ("I'm sorry, but I can't assist with that.\n\n(Checked against the calendar: The calendar holds from "
                     f"this turn: court A on Thursday 4 December at 15:00, confirmation {made.confirmation}.)")
    assert any(e.action == "model_error" and "leaves out a booking" in e.summary for e in conversation.trace.events)


@dataclass
class Says:
    """A model that answers every request with the same text."""

    text: str

    def reply(self, request: ModelRequest) -> ModelReply:
        return ModelReply(text=self.text)


# --- G: your code between the manager and the calendar -------------------------------------------

@dataclass
class Overeager:
    """A model that, as manager, delegates `tasks` in order (then says "Done."); as the availability agent,
    checks tomorrow at 15:00; as the booking agent, books A and B at 15:00 in one reply."""

    tasks: list[tuple[str, str]]
    handed: int = 0
    checks: int = 0
    """How often the availability agent was asked to check: once per invocation of its Lambda."""

    def reply(self, request: ModelRequest) -> ModelReply:
        offered = {tool.name for tool in request.tools}
        answered = bool(request.messages) and request.messages[-1].role == "tool"
        if "ask_booking_lambda" in offered:  # the manager
            if self.handed == len(self.tasks):
                return ModelReply(text="Done.")
            self.handed += 1
            tool, task = self.tasks[self.handed - 1]
            return ModelReply(tool_calls=(ToolCall(tool, json.dumps({"task": task}), f"m{self.handed}"),))
        if answered:
            return ModelReply(text="Done.")
        if offered == {"check_availability"}:
            self.checks += 1
            return ModelReply(tool_calls=(ToolCall("check_availability", json.dumps({"date": "2025-12-04", "time": "15:00"}), "a1"),))
        return ModelReply(tool_calls=(ToolCall("book", json.dumps({"slot_id": "A-2025-12-04-1500"}), "b1"),
                                      ToolCall("book", json.dumps({"slot_id": "B-2025-12-04-1500"}), "b2")))


@contextmanager
def g_chat(calendar: Calendar, model: Overeager) -> Iterator[Conversation]:
    """G with `model` behind a local server, so that it drives the manager and both Lambdas' agents."""
    server = make_server(StandIn(model=OfflineModel(model)), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(local_model_url=f"http://127.0.0.1:{server.server_address[1]}/v1", local_model="stand-in")
        yield start("G", Deps(calendar=calendar, user="alice", clients=Clients(settings), clock=calendar.clock,
                              max_steps=8))
    finally:
        server.shutdown()
        server.server_close()


def test_g_books_only_a_slot_the_availability_lambda_returned(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    with g_chat(calendar, Overeager([("ask_booking_lambda", "Book court A tomorrow at 15:00")])) as conversation:
        conversation.send("Book court A tomorrow at 3pm")
    assert calendar.bookings() == []
    assert any(e.action == "model_error" and "not among the open slots" in e.summary for e in conversation.trace.events)


def test_g_books_one_slot_per_request_and_never_asks_the_same_task_twice(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    tasks = [("ask_availability_lambda", "Which courts are free tomorrow at 15:00?"),
             ("ask_booking_lambda", "Book court A tomorrow at 15:00"),
             ("ask_booking_lambda", "Book court B tomorrow at 15:00"),
             ("ask_availability_lambda", "Which courts are free tomorrow at 15:00?")]
    model = Overeager(tasks)
    with g_chat(calendar, model) as conversation:
        conversation.send("Book a court tomorrow at 3pm")
    assert [(b.court, b.time, b.user) for b in calendar.bookings()] == [("A", "15:00", "alice")]
    mistakes = [e.summary for e in conversation.trace.events if e.action == "model_error"]
    assert any("this task books one slot" in m for m in mistakes)  # the booking agent's second book, same reply
    assert any("this request has booked already" in m for m in mistakes)  # the manager's second booking task
    assert any("same task again" in m for m in mistakes)  # the repeated availability task: not invoked again
    assert model.checks == 1
