"""Cassettes: every model call of a run, kept at the edge, to replay the run with no model or fork it.

A cassette holds, per model call, what the model was asked and what it answered, in the neutral form
every wire protocol here is read into (`offline.protocol.ModelRequest` and `ModelReply`), with the
vendor API, the model and the trace step the answer became. It also keeps the recorded run's steps
and bookings, so that it can be looked at without running anything. Keys never enter it: requests
are kept as the model read them (no headers), and the recorded steps were already scrubbed.

Where calls are recorded (the edges, not the patterns):
- the emulated services (offline, and every Bedrock and Anthropic call on a local model): the brain
  behind each protocol, tapped per protocol (`OfflineModel(tap=...)`);
- OpenAI on a local server and OpenAI or Anthropic for real: the SDK client's httpx2 transport
  (`Tap`), which reads the request and the answer with the same protocol readers.
  Real Bedrock is not recorded: its agents decide inside AWS, out of reach of any edge here.

Replay wires every vendor to the emulated services, whose decisions come from the cassette in order
(`Player`; `runs.replay` sets a recorded run up this way): the tools, Lambdas and the calendar run
for real. A request that differs from the recorded one stops the run with the first difference. The calendar's
confirmation codes are random, so the replay maps each recorded code to the one its calendar issued, in what it compares
and answers. Fork: at one recorded call, the answer is yours (`decision`), and from there on the configured model
decides (offline or local).
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import observe
from ..observe.provenance import commit
from .offline.protocol import Message, ModelReply, ModelRequest, ToolCall, ToolDef, ToolResult, Usage

VERSION = 1
MAX_BYTES = 20_000_000
"""The largest cassette file read back (compressed or not)."""


class CassetteError(Exception):
    """A cassette that cannot be read, or a replay that left the recording."""


@dataclass
class Call:
    """One model call: the API it went to, the model, what it read and what it answered."""

    api: str
    """The protocol: `openai.chat_completions`, `openai.responses`, `anthropic.messages`, `bedrock.converse`,
    `bedrock.agents`."""
    model: str
    request: dict[str, Any]
    reply: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """What your code's edge said about the call (a local server's quirks), said again on replay."""
    step: int | None = None
    """The recorded trace's step that reports this call (its model decision)."""


@dataclass
class Cassette:
    """A recorded run: how it was started, its calls, its steps and its bookings."""

    pattern: str = ""
    today: str = ""
    user: str = ""
    messages: list[str] = field(default_factory=list)
    calendar: str = ""
    setup: dict[str, list[list[str]]] = field(default_factory=dict)
    """What the run's calendar held beyond its seed: `bookings` ([court, day, time, user]) and `notices`
    ([day, text]), set up again before a replay."""
    safeguards: str = "off"
    openai_agents_api: str = ""
    models: dict[str, str] = field(default_factory=dict)
    """How each vendor's model read when recorded (`local model qwen…`, `gpt-4.1-mini`)."""
    model_ids: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, str] = field(default_factory=dict)
    """`date` and `commit` of the recording."""
    calls: list[Call] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)

    def save(self, path: Path) -> None:
        data = {"version": VERSION, **asdict(self)}
        path.write_bytes(gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0))

    @classmethod
    def load(cls, path: Path | str) -> Cassette:
        try:
            raw = Path(path).read_bytes()[: MAX_BYTES + 1]
        except OSError as error:
            raise CassetteError(f"cannot read the cassette {path}: {error.strerror or error}") from None
        return cls.from_bytes(raw, str(path))

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "the cassette") -> Cassette:
        if len(raw) > MAX_BYTES:
            raise CassetteError(f"{name} is larger than {MAX_BYTES // 1_000_000} MB")
        try:
            text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            data = json.loads(text[: MAX_BYTES * 5])
        except (OSError, EOFError, ValueError, RecursionError):
            raise CassetteError(f"{name} is not a cassette (gzip-compressed JSON)") from None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("calls"), list):
            raise CassetteError(f"{name} is not a version {VERSION} cassette")
        try:
            calls = [Call(**{k: c[k] for k in ("api", "model", "request", "reply")},
                          notes=list(c.get("notes") or []), step=c.get("step")) for c in data["calls"]]
            fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "calls"}
            return cls(**fields, calls=calls)
        except (KeyError, TypeError):
            raise CassetteError(f"{name} has a call without api, model, request or reply") from None

    def prepare(self, calendar: Any) -> None:
        """Give a freshly seeded calendar what the recorded run's calendar held beyond its seed."""
        from ..calendar import slot_id

        for court, day, time, user in self.setup.get("bookings", []):
            calendar.book(slot_id(court, day, time), user, via="setup")
        for day, text in self.setup.get("notices", []):
            calendar.post_notice(text, day)

    def label(self, vendor: str) -> str:
        """How a vendor's recorded model reads in a replay."""
        return f"{self.models.get(vendor) or vendor} (recorded)"

    def number_steps(self, events: list[dict[str, Any]]) -> None:
        """Give each call the step of the trace that reports it, when the trace reports each call once."""
        reported = [e["step"] for e in events if e.get("model_call")]
        if len(reported) == len(self.calls):
            for call, step in zip(self.calls, reported):
                call.step = step


# --- The neutral request and reply as data -------------------------------------------------------


def request_data(request: ModelRequest) -> dict[str, Any]:
    return asdict(request)


def reply_data(reply: ModelReply) -> dict[str, Any]:
    return asdict(reply)


def reply_of(data: Mapping[str, Any]) -> ModelReply:
    usage = data.get("usage") or {}
    return ModelReply(text=str(data.get("text") or ""), usage=Usage(int(usage.get("input_tokens", 0)),
                                                                    int(usage.get("output_tokens", 0))),
                      tool_calls=tuple(ToolCall(str(c["name"]), str(c.get("arguments") or "{}"), str(c.get("id") or ""))
                                       for c in data.get("tool_calls") or []))


def request_of(data: Mapping[str, Any]) -> ModelRequest:
    """A `ModelRequest` from its data (`request_data`)."""
    def message(m: Mapping[str, Any]) -> Message:
        return Message(m["role"], m.get("text", ""), tuple(ToolCall(**c) for c in m.get("tool_calls") or ()),
                       tuple(ToolResult(**r) for r in m.get("tool_results") or ()))
    return ModelRequest(**{**data, "messages": tuple(message(m) for m in data.get("messages") or ()),
                           "tools": tuple(ToolDef(**t) for t in data.get("tools") or ())})


def decision_reply(decision: Any) -> ModelReply:
    """Your answer in place of a model's: `{"text": ...}`, `{"tool": NAME, "arguments": {...}}` or
    `{"tool_calls": [{"tool", "arguments"}, ...]}` (JSON text or already parsed)."""
    if isinstance(decision, str):
        try:
            decision = json.loads(decision)
        except ValueError:
            raise CassetteError("--decision must be JSON: {\"text\": ...} or "
                                "{\"tool\": NAME, \"arguments\": {...}}") from None
    if not isinstance(decision, dict):
        raise CassetteError("a decision is a JSON object: {\"text\": ...} or {\"tool\": NAME, \"arguments\": {...}}")
    wanted = decision.get("tool_calls") or ([decision] if "tool" in decision else [])
    calls = []
    for n, call in enumerate(wanted):
        if not isinstance(call, dict) or not isinstance(call.get("tool"), str):
            raise CassetteError(f"tool call {n + 1} of the decision names no tool")
        arguments = call.get("arguments") or {}
        calls.append(ToolCall(call["tool"], arguments if isinstance(arguments, str) else json.dumps(arguments),
                              f"fork_{n + 1}"))
    text = decision.get("text", "")
    if not calls and not isinstance(text, str):
        raise CassetteError("a decision's text must be a string")
    return ModelReply(text=text if isinstance(text, str) else "", tool_calls=tuple(calls))


def first_difference(recorded: Any, now: Any, where: str = "") -> str | None:
    """Where two requests first differ, in words; None when they are the same (call ids aside)."""
    if isinstance(recorded, dict) and isinstance(now, dict):
        for key in [*recorded, *(k for k in now if k not in recorded)]:
            if key in ("id", "call_id", "model"):
                continue
            found = first_difference(recorded.get(key), now.get(key), f"{where}.{key}" if where else key)
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(now, list):
        for n in range(max(len(recorded), len(now))):
            if n >= len(recorded) or n >= len(now):
                return f"{where}: the recording has {len(recorded)} items, this run {len(now)}"
            found = first_difference(recorded[n], now[n], f"{where}[{n}]")
            if found:
                return found
        return None
    if recorded != now:
        return f"{where}: recorded {_short(recorded)}, now {_short(now)}"
    return None


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


# --- Recording ----------------------------------------------------------------------------------


class Recorder:
    """Keeps each call made through its taps, in the order they return."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        self._lock = threading.Lock()

    def keep(self, api: str, request: ModelRequest, reply: ModelReply, notes: list[str]) -> None:
        with self._lock:
            self.cassette.calls.append(Call(api, request.model, request_data(request), reply_data(reply), notes))

    def tap(self, brain: Any, api: str) -> Any:
        """`brain` (a `Thinker`) with each of its answers kept."""
        return _TappedThinker(brain, api, self)


class _TappedThinker:
    def __init__(self, brain: Any, api: str, recorder: Recorder) -> None:
        self.brain, self.api, self.recorder = brain, api, recorder

    def reply(self, request: ModelRequest) -> ModelReply:
        with _notes() as notes:
            reply = self.brain.reply(request)
        self.recorder.keep(self.api, request, reply, notes)
        return reply


class _notes:
    """Collects what your code's edge says during a call (`decide` steps by code in the current scope)."""

    def __enter__(self) -> list[str]:
        self.scope = observe.current()
        self.before = len(self.scope.trace.events) if self.scope else 0
        self.found: list[str] = []
        return self.found

    def __exit__(self, *_: object) -> None:
        if self.scope is not None:
            self.found += [e.summary for e in self.scope.trace.events[self.before:]
                           if e.action == "decide" and e.decided_by == "code" and e.actor == self.scope.caller]


# --- Replaying and forking ----------------------------------------------------------------------


class Player:
    """Answers every model call of a run from the cassette, in order; at the fork, with your decision,
    and after it from `then` (the configured model)."""

    def __init__(self, cassette: Cassette, fork_at: int | None = None, decision: ModelReply | None = None,
                 then: Callable[[], Any] | None = None) -> None:
        self.cassette, self.fork_at, self.decision, self._then = cassette, fork_at, decision, then
        self._next = 0
        self._lock = threading.Lock()
        self._model: Any = None
        self.codes: dict[str, str] = {}
        """Recorded confirmation code -> the one the replay's calendar issued."""

    def tap(self, brain: Any, api: str) -> Any:
        return _PlayedThinker(self, api)

    failure: str | None = None
    """Why the replay left the recording, once it has: the run's own error may say less (an SDK wraps it)."""

    def answer(self, api: str, request: ModelRequest) -> ModelReply:
        try:
            return self._answer(api, request)
        except CassetteError as error:
            self.failure = self.failure or str(error)
            raise

    def _answer(self, api: str, request: ModelRequest) -> ModelReply:
        with self._lock:
            n = self._next
            self._next += 1
        if self.fork_at is not None and n > self.fork_at:
            if self._model is None:
                self._model = self._then() if self._then else None
            if self._model is None:
                raise CassetteError("after the fork no model is configured to decide")
            return self._model.reply(request)
        calls = self.cassette.calls
        if n >= len(calls):
            raise CassetteError(f"model call {n + 1} ({api}) is not in the recording, which has {len(calls)} calls")
        recorded = calls[n]
        step = f"step {recorded.step}" if recorded.step is not None else "no step"
        if recorded.api != api:
            raise CassetteError(f"model call {n + 1} ({step}) went to {api}; the recording has {recorded.api}")
        now = json.loads(json.dumps(request_data(request)))
        said = json.dumps(recorded.request)
        for old, new in zip(_CODE.findall(said), _CODE.findall(json.dumps(now))):
            self.codes.setdefault(old, new)  # the calendar issued its own code for the same booking
        difference = first_difference(json.loads(self._translated(said)), now)
        if difference:
            raise CassetteError(f"model call {n + 1} ({step}, {api}) differs from the recording at {difference}")
        scope = observe.current()
        if scope is not None:
            for note in recorded.notes:
                scope.emit(scope.caller, scope.caller, "decide", "code", note)
        if n == self.fork_at and self.decision is not None:
            if scope is not None:
                scope.emit("user", scope.answerer("model"), "decide", "user",
                           f"you forked the run here: the model's answer replaced by yours ({_said(self.decision)})",
                           {"fork": True, "recorded": recorded.reply, "decision": reply_data(self.decision)})
            return self.decision
        return reply_of(json.loads(self._translated(json.dumps(recorded.reply))))

    def _translated(self, text: str) -> str:
        return _CODE.sub(lambda found: self.codes.get(found.group(0), found.group(0)), text)


_CODE = re.compile(r"TC-[0-9A-F]{6}")
"""A confirmation code: random each time the calendar books, so a replay maps the recorded ones to the
codes its own calendar issued, in the requests it compares and the answers it gives."""


def _said(reply: ModelReply) -> str:
    calls = ", ".join(f"{c.name}({c.arguments})" for c in reply.tool_calls)
    return calls or f"reply {reply.text!r}"


class _PlayedThinker:
    def __init__(self, player: Player, api: str) -> None:
        self.player, self.api = player, api

    def reply(self, request: ModelRequest) -> ModelReply:
        return self.player.answer(self.api, request)


# --- Which run a cassette belongs to: a registry the run's settings name ----------------------------

_active: dict[str, Recorder | Player] = {}
_counter = iter(range(1, 1 << 62))


def activate(taps: Recorder | Player) -> str:
    """Register a recorder or player; returns the key a run's settings carry (`Settings.cassette`),
    which its Lambdas' settings carry too."""
    key = f"{'record' if isinstance(taps, Recorder) else 'replay'}:{next(_counter)}"
    _active[key] = taps
    return key


def release(key: str) -> None:
    _active.pop(key, None)


def active(key: str) -> Recorder | Player | None:
    return _active.get(key) if key else None


def header(pattern: str, today: str, user: str, messages: list[str], calendar: str, clients: Any) -> Cassette:
    """A new cassette for a run of `pattern` with `clients`' settings."""
    settings = clients.settings
    vendors = ("openai", "anthropic", "aws")
    return Cassette(pattern=pattern, today=today, user=user, messages=list(messages), calendar=calendar,
                    safeguards="on" if settings.safeguards_on else "off",
                    openai_agents_api=settings.openai_agents_api or (
                        "chat_completions" if clients.mode("openai") == "local" else "responses"),
                    models={v: clients.model_label(v) for v in vendors},
                    model_ids={v: clients.model_id(v) for v in vendors},
                    recorded={"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit()})


# --- The HTTP edge: OpenAI on a local server, OpenAI and Anthropic for real -------------------------


def http_tap(inner: Any, recorder: Recorder) -> Any:
    """An httpx2 transport that sends through `inner` (None: the network) and keeps each model call."""
    import httpx2

    class HttpTap(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
        def __init__(self) -> None:
            self._sync = inner if inner is not None else httpx2.HTTPTransport()
            self._async = inner if inner is not None else httpx2.AsyncHTTPTransport()

        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            with _notes() as notes:
                response = self._sync.handle_request(request)
                if _api(request) and response.status_code < 400:
                    response.read()
            _keep(recorder, request, response, notes)
            return response

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            with _notes() as notes:
                response = await self._async.handle_async_request(request)
                if _api(request) and response.status_code < 400:
                    await response.aread()
            _keep(recorder, request, response, notes)
            return response

        def close(self) -> None:
            self._sync.close()

        async def aclose(self) -> None:
            await self._async.aclose()

    return HttpTap()


def _api(request: Any) -> str:
    path = request.url.path
    if request.method != "POST":
        return ""
    return ("openai.chat_completions" if path.endswith("/chat/completions") else "openai.responses"
            if path.endswith("/responses") else "anthropic.messages" if path.endswith("/messages") else "")


def _keep(recorder: Recorder, request: Any, response: Any, notes: list[str]) -> None:
    """Keep a model call read off the wire; a streamed answer or an error is not a decision to keep."""
    from .offline import anthropic_messages, openai_chat, openai_responses

    api = _api(request)
    if not api or response.status_code >= 400 or "text/event-stream" in response.headers.get("content-type", ""):
        return
    try:
        body, answer = json.loads(request.content), json.loads(response.content)
        if api == "openai.chat_completions":
            parsed, reply = openai_chat.to_model_request(body), _chat_reply(answer)
        elif api == "openai.responses":
            parsed, reply = openai_responses.to_model_request(body), _responses_reply(answer)
        else:
            parsed, reply = anthropic_messages.to_model_request(body, str(body.get("model"))), _messages_reply(answer)
    except Exception as error:  # noqa: BLE001 - a request this edge cannot read is said, not guessed
        raise CassetteError(f"cannot record a {api} call: {type(error).__name__}: {error}") from None
    recorder.keep(api, parsed, reply, notes)


def _chat_reply(answer: Mapping[str, Any]) -> ModelReply:
    message, usage = answer["choices"][0]["message"], answer.get("usage") or {}
    calls = tuple(ToolCall(c["function"]["name"], c["function"].get("arguments") or "{}", c.get("id", ""))
                  for c in message.get("tool_calls") or [])
    return ModelReply(message.get("content") or "", calls,
                      Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)))


def _responses_reply(answer: Mapping[str, Any]) -> ModelReply:
    texts, calls = [], []
    for item in answer.get("output") or []:
        if item.get("type") == "message":
            texts += [part.get("text", "") for part in item.get("content") or [] if part.get("type") == "output_text"]
        elif item.get("type") == "function_call":
            calls.append(ToolCall(item["name"], item.get("arguments") or "{}", item.get("call_id", "")))
    usage = answer.get("usage") or {}
    return ModelReply("".join(texts), tuple(calls), Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)))


def _messages_reply(answer: Mapping[str, Any]) -> ModelReply:
    texts, calls = [], []
    for block in answer.get("content") or []:
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            calls.append(ToolCall(block["name"], json.dumps(block.get("input") or {}), block.get("id", "")))
    usage = answer.get("usage") or {}
    return ModelReply("".join(texts), tuple(calls), Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)))


# --- Recorded runs kept with the app, and replaying one in-process --------------------------------

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
"""Cassettes of real-model runs kept with the app: `<pattern>-<what>-<n>.cassette`."""


def recordings(letter: str, folder: Path | None = None) -> list[tuple[Path, Cassette]]:
    """The recorded runs of pattern `letter` in `folder`, each with its cassette (unreadable ones left out)."""
    found = []
    folder = folder or RECORDINGS
    for path in sorted(folder.glob(f"{letter}-*.cassette")) if folder.is_dir() else []:
        try:
            found.append((path, Cassette.load(path)))
        except CassetteError:
            continue
    return found


def decision_of(call: Call) -> dict[str, Any]:
    """What the model decided in a recorded call, in the form `--decision` takes."""
    reply = reply_of(call.reply)
    if reply.tool_calls:
        calls = [{"tool": c.name, "arguments": _arguments(c.arguments)} for c in reply.tool_calls]
        return calls[0] if len(calls) == 1 else {"tool_calls": calls}
    return {"text": reply.text}


def _arguments(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
