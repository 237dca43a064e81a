"""A local OpenAI-compatible server as the model behind every vendor, with `serve` standing in for it.

The project's own `serve` answers Chat Completions on loopback, like llama.cpp's server or Ollama, so
these tests run the plumbing for real: every pattern's calls, OpenAI's directly and those of the
emulated Bedrock and Anthropic services, must reach the server. Variants of the server refuse
`json_schema` output or have no Responses API, as some real servers do, or fence their JSON answers
in Markdown, as small models do.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest

from orchestration.calendar import Calendar
from orchestration.cli import main
from orchestration.observe import Scope, observing
from orchestration.observe.trace import Trace
from orchestration.patterns import Conversation, a_ai_as_service, start
from orchestration.patterns.base import Deps, TurnFailed
from orchestration.patterns.g_lambda_agents import booking_lambda
from orchestration.vendors.clients import Clients
from orchestration.vendors.local_model import chat_request
from orchestration.vendors.local_server import ServerAdapter, ServerQuirks
from orchestration.vendors.offline import (
    OfflineModel,
    anthropic_messages,
    bedrock_runtime,
    openai_chat,
    openai_responses,
)
from orchestration.vendors.offline.protocol import ModelReply, ModelRequest, ToolCall
from orchestration.vendors.offline.server import make_server
from orchestration.vendors.offline.wire import WireRequest, WireResponse
from orchestration.vendors.settings import Settings

from .helpers import new_calendar

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


SCHEMA_NOTE = "Answer with only a JSON object"
"""How `orchestration.vendors.local_server` starts the output format it writes into a prompt."""


@dataclass
class StandIn:
    """The offline model behind a real socket, recording what it is asked; it can refuse like some servers.
    Like a model, it follows an output format written in its system prompt."""

    refuse_json_schema: bool = False
    no_responses_api: bool = False
    fence_json: bool = False
    """Answer JSON inside a Markdown code fence, as small models asked for JSON in the prompt do."""
    llama_like: bool = False
    """Render and tokenize a chat request (`/apply-template`, `/tokenize`, one token per character) and
    report in each answer's `timings` how many prompt tokens a one-slot cache would have evaluated, as
    llama.cpp's server does."""
    requests: list[dict] = field(default_factory=list)
    model: OfflineModel = field(default_factory=OfflineModel)
    prompts: list[str] = field(default_factory=list)
    """What the llama-like server rendered for each chat request, in order."""
    evaluated: list[int] = field(default_factory=list)
    tokenizer_asked: int = 0

    def __call__(self, request: WireRequest) -> WireResponse:
        body = request.json() if request.body else {}
        if request.path in ("/apply-template", "/tokenize"):  # not model calls: never in `requests`
            self.tokenizer_asked += 1
            if not self.llama_like:
                return WireResponse.of_json({"error": {"message": "Not Found"}}, status=404)
            if request.path == "/apply-template":
                return WireResponse.of_json({"prompt": rendered(body)})
            return WireResponse.of_json({"tokens": [ord(c) for c in body["content"]]})
        self.requests.append({"path": request.path, "body": body})
        if self.llama_like and request.path.endswith("/chat/completions"):
            prompt, cached = rendered(body), self.prompts[-1] if self.prompts else ""
            self.prompts.append(prompt)
            self.evaluated.append(len(prompt) - len(os.path.commonprefix([prompt, cached])))
            payload = json.loads(self.model(request).body)
            return WireResponse.of_json({**payload, "timings": {"prompt_n": self.evaluated[-1]}})
        if self.no_responses_api and request.path.endswith("/responses"):
            return WireResponse.of_json({"error": {"message": "Not Found"}}, status=404)
        if self.refuse_json_schema and (body.get("response_format") or {}).get("type") == "json_schema":
            return WireResponse.of_json({"error": {"message": "Traceback (most recent call last):\n  File \"x.py\", "
                                                   "line 1\nValueError: Input should be 'text' or 'json_object'"}},
                                        status=500)
        response = self.model(request)
        return fenced(response) if self.fence_json and not body.get("stream") else response

    def systems(self) -> str:
        return "\n".join(system_of(r["body"]) for r in self.requests)

    def formats(self) -> list[str | None]:
        """The `response_format` type of every request the server got (None: none)."""
        return [(r["body"].get("response_format") or {}).get("type") for r in self.requests]


def rendered(body: dict) -> str:
    """A chat request's prompt as the llama-like stand-in renders it: tools, then messages."""
    return json.dumps([body.get("tools"), body.get("messages")])


def system_of(body: dict) -> str:
    return "\n".join(str(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system")


def fenced(response: WireResponse) -> WireResponse:
    """A chat completion whose JSON text answer is wrapped in a Markdown code fence."""
    payload = json.loads(response.body) if response.status == 200 and response.body else None
    message = payload["choices"][0]["message"] if payload and payload.get("choices") else {}
    try:
        json.loads(message.get("content") or "")
    except ValueError:
        return response
    message["content"] = f"```json\n{message['content']}\n```"
    return WireResponse.of_json(payload)


@pytest.fixture
def stand_in() -> Iterator[tuple[StandIn, str]]:
    with serving(StandIn()) as served:
        yield served


@contextmanager
def serving(handler: StandIn) -> Iterator[tuple[StandIn, str]]:
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


def notes_of(result: dict) -> list[str]:
    return [e["summary"] for t in result["turns"] for e in t["events"] if e["action"] == "decide"]


TOOLS_AND_FORMAT = "tools and structured output together: the schema goes in the prompt"


def test_e_offers_its_tools_without_a_response_format_and_reads_fenced_json(stand_in: tuple[StandIn, str]) -> None:
    """E's agents have tools and an output type: a `response_format` grammar (llama.cpp applies it from the
    first token) would forbid the tool calls, so the schema goes in the prompt and a fenced answer is unfenced."""
    handler, url = stand_in
    handler.fence_json = True
    result = chat(url, "E")
    assert [(b["court"], b["time"]) for b in result["bookings"]] == [("A", "15:00")]
    with_tools = [r["body"] for r in handler.requests if r["body"].get("tools")]
    assert with_tools and not [b for b in with_tools if "response_format" in b]
    assert all(f"{SCHEMA_NOTE} that follows this JSON schema:" in system_of(b) for b in with_tools)
    notes = notes_of(result)
    assert sum(TOOLS_AND_FORMAT in n for n in notes) == len(with_tools)  # one note per such request
    assert any("Markdown code fence, which was removed" in n for n in notes)


def test_a_server_that_refuses_json_schema_still_runs_e(stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    handler.refuse_json_schema = True
    result = chat(url, "E")
    assert [(b["court"], b["time"]) for b in result["bookings"]] == [("A", "15:00")]
    assert "json_schema" not in handler.formats()  # E's agents have tools: their schema goes in the prompt
    assert not any("refused json_schema" in n for n in notes_of(result))


AVAILABILITY = {"type": "object", "properties": {"slot_ids": {"type": "array", "items": {"type": "string"}}},
                "required": ["slot_ids"]}
CHECK = {"type": "function", "function": {
    "name": "check_availability", "description": "Open slots at a time",
    "parameters": {"type": "object", "properties": {"date": {"type": "string"}}}}}


def completion(content: str) -> WireResponse:
    """A chat completion answering `content`."""
    return WireResponse.of_json({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "stand-in",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})


def adapted_client(url: str) -> openai.OpenAI:
    """An openai client on the session's `ServerAdapter`, as every client of a local server has."""
    return openai.OpenAI(base_url=url, api_key="local", max_retries=0, http_client=openai.DefaultHttpxClient(
        transport=ServerAdapter(Settings(local_model_url=url), ServerQuirks())))


@pytest.mark.parametrize(("answer", "seen"), [
    ('```json\n{"slot_ids": ["A-2025-12-04-1500"]}\n```', '{"slot_ids": ["A-2025-12-04-1500"]}'),
    ('```\n{"slot_ids": []}\n```\n', '{"slot_ids": []}'),
    ('{"slot_ids": []}', '{"slot_ids": []}'),
    ('Here:\n```json\n{"slot_ids": []}\n```', 'Here:\n```json\n{"slot_ids": []}\n```'),  # only a bare fence
    ("```json\nnot json\n```", "```json\nnot json\n```"),
])
def test_tools_with_a_response_format_go_without_it_and_a_fenced_answer_comes_back_unfenced(
        answer: str, seen: str, stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    handler.model = lambda request: completion(answer)  # type: ignore[assignment]
    trace = Trace()
    with observing(Scope(trace)):
        response = adapted_client(url).chat.completions.create(
            model="stand-in", tools=[CHECK],  # type: ignore[list-item]
            messages=[{"role": "system", "content": "You check courts."}, {"role": "user", "content": "3pm?"}],
            response_format={"type": "json_schema", "json_schema": {"name": "report", "schema": AVAILABILITY}})
    assert response.choices[0].message.content == seen
    [sent] = [r["body"] for r in handler.requests]
    assert "response_format" not in sent and sent["tools"] == [CHECK]
    note = f"Answer with only a JSON object that follows this JSON schema:\n{json.dumps(AVAILABILITY)}"
    assert sent["messages"][0] == {"role": "system", "content": f"You check courts.\n\n{note}"}
    [note] = [e.summary for e in trace.events if e.action == "decide"]
    assert note.startswith(TOOLS_AND_FORMAT) and ("code fence" in note) == (seen != answer)


def test_structured_output_without_tools_still_asks_for_json_schema(stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    client = adapted_client(url)
    ask = {"model": "stand-in", "messages": [{"role": "system", "content": "Extract intent and date as JSON."},
                                             {"role": "user", "content": "Book a court tomorrow"}],
           "response_format": {"type": "json_schema", "json_schema": {"name": "parsed", "schema": AVAILABILITY}}}
    client.chat.completions.create(**ask)
    assert handler.formats() == ["json_schema"]
    assert handler.requests[0]["body"]["response_format"]["json_schema"]["schema"] == AVAILABILITY
    handler.refuse_json_schema = True  # ... and a server that refuses it is asked for json_object, learnt once
    trace = Trace()
    with observing(Scope(trace)):
        client.chat.completions.create(**ask)
        client.chat.completions.create(**ask)
    assert handler.formats() == ["json_schema", "json_schema", "json_object", "json_object"]
    assert [e.summary for e in trace.events if e.action == "decide"] == [
        "the server refused json_schema output → ask for json_object, with the schema in the prompt"]


def test_pattern_as_sampling_settings_reach_the_server(stand_in: tuple[StandIn, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A's Converse `inferenceConfig` (maxTokens 200, temperature 0) wins over the session's defaults."""
    monkeypatch.setenv("MODEL_TEMPERATURE", "0.7")
    monkeypatch.setenv("MODEL_MAX_TOKENS", "900")
    handler, url = stand_in
    chat(url, "A")
    parses = [r["body"] for r in handler.requests
              if a_ai_as_service.PARSE_PROMPT.split("{today}")[0] in system_of(r["body"])]
    assert len(parses) == len(DIALOGUE)
    assert all((b["temperature"], b["max_tokens"]) == (0, 200) for b in parses)


def test_the_emulated_services_pass_the_callers_sampling_settings_on() -> None:
    say = [{"role": "user", "content": [{"text": "hi"}]}]
    converse = bedrock_runtime.to_model_request(
        {"messages": say, "inferenceConfig": {"maxTokens": 200, "temperature": 0}}, "m")
    messages = anthropic_messages.to_model_request(
        {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 800, "temperature": 0.2}, "m")
    assert (converse.temperature, converse.max_tokens) == (0.0, 200)
    assert (messages.temperature, messages.max_tokens) == (0.2, 800)
    chat_ = openai_chat.to_model_request({"model": "m", "messages": [{"role": "user", "content": "hi"}],
                                          "temperature": 0, "max_completion_tokens": 300})
    responses = openai_responses.to_model_request({"model": "m", "input": "hi", "max_output_tokens": 400})
    assert (chat_.temperature, chat_.max_tokens) == (0.0, 300)
    assert (responses.temperature, responses.max_tokens) == (None, 400)
    unset = bedrock_runtime.to_model_request({"messages": say}, "m")
    assert (unset.temperature, unset.max_tokens) == (None, None)
    assert chat_request(converse, "local") | {"messages": []} == {
        "model": "local", "messages": [], "temperature": 0.0, "max_tokens": 200}
    assert "temperature" not in chat_request(unset, "local") and "max_tokens" not in chat_request(unset, "local")


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
    assert "Nothing was booked" not in str(failure.value)  # safeguards off: the error alone, no calendar word


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


def looping_chat(letter: str, calendar: Calendar, model: object, safeguards: str = "on") -> Conversation:
    clients = Clients(Settings(safeguards=safeguards), offline=OfflineModel(model))
    return start(letter, Deps(calendar=calendar, user="alice", clients=clients, clock=calendar.clock, max_steps=4))


def marked(conversation: Conversation, words: str) -> bool:
    """Whether the trace marks a reply that contradicts the calendar (in both settings)."""
    return any(e.action == "model_error" and words in e.summary for e in conversation.trace.events)


@pytest.mark.parametrize("letter", "CD")
@pytest.mark.parametrize("safeguards", ["off", "on"])
def test_after_the_cap_the_reply_says_why_and_with_calendar_word_what_the_calendar_holds(
        letter: str, safeguards: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    calendar.book("B-2025-12-04-0900", "alice")  # an earlier booking: not this turn's
    conversation = looping_chat(letter, calendar, Looping(), safeguards)
    reply = conversation.send("Book court A tomorrow at 3pm")
    [made] = [b for b in calendar.bookings() if b.court == "A"]
    stopped = (f"{'I' if letter == 'C' else 'The agent'} stopped after 4 model calls without an answer (the cap per "
               "message). Please try again or rephrase.")
    held = (f"(Checked against the calendar: The calendar holds from this turn: court A on Thursday 4 December at "
            f"15:00, confirmation {made.confirmation}.)")
    assert reply == (stopped if safeguards == "off" else f"{stopped}\n\n{held}")
    assert marked(conversation, "leaves out a booking")


@pytest.mark.parametrize("letter", "CD")
def test_after_an_error_the_failure_lists_exactly_what_the_calendar_holds(letter: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    with pytest.raises(TurnFailed) as failure:
        looping_chat(letter, calendar, Looping(fail_at=3)).send("Book court A tomorrow at 3pm")
    [made] = calendar.bookings()
    assert str(failure.value).endswith(f"The calendar holds from this turn: court A on Thursday 4 December at 15:00, "
                                       f"confirmation {made.confirmation}.)")


@pytest.mark.parametrize(("claim", "told"), [
    ("I have booked court A for you tomorrow at 15:00.", "Nothing was booked."),
    ("Booked! Court A tomorrow at 15:00, confirmation TC-ABC123.", "Nothing was booked."),
])
@pytest.mark.parametrize("safeguards", ["off", "on"])
def test_a_reply_that_claims_a_booking_the_calendar_lacks_is_marked_and_with_calendar_word_corrected(
        claim: str, told: str, safeguards: str, tmp_path: Path) -> None:
    """The model answers with a booking it never made (no tool call): the trace marks it in both settings; the
    calendar-word safeguard adds what the calendar holds."""
    conversation = looping_chat("C", new_calendar(tmp_path), Says(claim), safeguards)
    reply = conversation.send("Book court A tomorrow at 3pm")
    assert reply == (claim if safeguards == "off" else f"{claim}\n\n(Checked against the calendar: {told})")
    assert marked(conversation, "claims a booking")
    assert conversation.reply_origin == ("pattern" if safeguards == "off" else "safeguard")


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
@pytest.mark.parametrize("safeguards", ["off", "on"])
def test_a_reply_that_leaves_out_a_booking_this_turn_made_is_marked_and_with_calendar_word_corrected(
        letter: str, safeguards: str, tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    conversation = looping_chat(letter, calendar, BooksThenDenies(), safeguards)
    reply = conversation.send("Book court A tomorrow at 3pm")
    [made] = calendar.bookings()
    denied = "I'm sorry, but I can't assist with that."
    assert reply == (denied if safeguards == "off" else f"{denied}\n\n(Checked against the calendar: The calendar "
                     "holds from this turn: court A on Thursday 4 December at 15:00, "
                     f"confirmation {made.confirmation}.)")
    assert marked(conversation, "leaves out a booking")


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
            return ModelReply(tool_calls=(ToolCall("check_availability",
                                                   json.dumps({"date": "2025-12-04", "time": "15:00"}), "a1"),))
        return ModelReply(tool_calls=(ToolCall("book", json.dumps({"slot_id": "A-2025-12-04-1500"}), "b1"),
                                      ToolCall("book", json.dumps({"slot_id": "B-2025-12-04-1500"}), "b2")))


@contextmanager
def g_chat(calendar: Calendar, model: Overeager, safeguards: str = "on") -> Iterator[Conversation]:
    """G with `model` behind a local server, so that it drives the manager and both Lambdas' agents."""
    server = make_server(StandIn(model=OfflineModel(model)), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(local_model_url=f"http://127.0.0.1:{server.server_address[1]}/v1", local_model="stand-in",
                            safeguards=safeguards)
        yield start("G", Deps(calendar=calendar, user="alice", clients=Clients(settings), clock=calendar.clock,
                              max_steps=8))
    finally:
        server.shutdown()
        server.server_close()


def guarded(conversation: Conversation) -> list[str]:
    """What the playground's safeguards did in a conversation, as `name: summary`."""
    return [f"{e.actor.removeprefix('safeguard:')}: {e.summary}" for e in conversation.trace.events
            if e.actor.startswith("safeguard:")]


def test_g_as_the_article_writes_it_books_what_its_agents_choose(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    with g_chat(calendar, Overeager([("ask_booking_lambda", "Book court A tomorrow at 15:00")]), "off") as conversation:
        conversation.send("Book court A tomorrow at 3pm")
    assert [(b.court, b.time) for b in calendar.bookings()] == [("A", "15:00"), ("B", "15:00")]  # nothing checked
    assert guarded(conversation) == []


def test_g_books_only_a_slot_the_availability_lambda_returned(tmp_path: Path) -> None:
    calendar = new_calendar(tmp_path, "empty")
    with g_chat(calendar, Overeager([("ask_booking_lambda", "Book court A tomorrow at 15:00")])) as conversation:
        conversation.send("Book court A tomorrow at 3pm")
    assert calendar.bookings() == []
    assert [g.split(":")[0] for g in guarded(conversation)] == ["checked-slots", "checked-slots"]


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
    acted = guarded(conversation)
    # the agent's 2nd book
    assert any(g.startswith("one-booking:") and "this task has booked already" in g for g in acted)
    assert any(g.startswith("one-booking:") and "this request has booked already" in g for g in acted)  # the 2nd task
    assert any(g.startswith("repeat-stop:") for g in acted)  # the repeated availability task: not invoked again
    assert model.checks == 1


def test_g_book_then_check_then_book_again_invokes_the_booking_lambda_again(tmp_path: Path) -> None:
    """Regression: the repeat check's key ignored the slots offered since, so the same booking task after a
    check got the stale "not among the open slots" refusal back, and nothing was booked."""
    calendar = new_calendar(tmp_path, "empty")
    tasks = [("ask_booking_lambda", "Book court A tomorrow at 15:00"),
             ("ask_availability_lambda", "Which courts are free tomorrow at 15:00?"),
             ("ask_booking_lambda", "Book court A tomorrow at 15:00")]
    with g_chat(calendar, Overeager(tasks)) as conversation:
        conversation.send("Book court A tomorrow at 3pm")
    assert [(b.court, b.time, b.user) for b in calendar.bookings()] == [("A", "15:00", "alice")]
    delegated = [e.target for e in conversation.trace.events if e.action == "delegate"]
    assert delegated == ["lambda:booking-agent", "lambda:availability-agent", "lambda:booking-agent"]
    assert not any(g.startswith("repeat-stop:") for g in guarded(conversation))


@pytest.mark.parametrize("letter", "CG")
def test_every_call_counts_the_prompt_tokens_sent_evaluated_and_the_floor(letter: str) -> None:
    """Per run: what the server was sent, what it says it evaluated (`timings`), and the floor: the
    tokens after the longest prefix a call shares with any earlier call of the run. G's calls from
    inside its Lambdas count in the same run."""
    with serving(StandIn(llama_like=True)) as (handler, url):
        result = chat(url, letter)
    metrics = result["metrics"]
    prompts = handler.prompts
    floor = sum(len(p) - max((len(os.path.commonprefix([p, q])) for q in prompts[:n]), default=0)
                for n, p in enumerate(prompts))
    assert len(prompts) == metrics["llm_calls"]
    assert metrics["prompt_tokens_floor"] == floor
    assert metrics["prompt_tokens_evaluated"] == sum(handler.evaluated)
    assert metrics["prompt_tokens"] == metrics["tokens_in"] > 0 < floor < sum(map(len, prompts))


def test_a_server_that_cannot_tokenize_leaves_the_floor_unknown(stand_in: tuple[StandIn, str]) -> None:
    handler, url = stand_in
    metrics = chat(url, "C")["metrics"]
    assert metrics["prompt_tokens"] == metrics["tokens_in"] > 0
    assert metrics["prompt_tokens_evaluated"] is None and metrics["prompt_tokens_floor"] is None
    assert handler.tokenizer_asked == 1  # asked once, then remembered
