"""The cassette: a recorded run (`Cassette`) and its calls (`Call`), its file (gzip-compressed JSON, read
back within `MAX_BYTES`), and the neutral request and reply (`offline.protocol`) as the data it keeps."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..offline.protocol import Message, ModelReply, ModelRequest, ToolCall, ToolDef, ToolResult, Usage

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
        from ...calendar import slot_id

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
