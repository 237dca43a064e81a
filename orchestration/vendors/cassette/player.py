"""Replaying and forking: every model call of a run answered from the cassette, in order (`Player`); a
request that differs from the recorded one stops the run at the first difference (`first_difference`). At the
fork the answer is yours (`decision_reply`), and after it the configured model decides."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

from ... import observe
from ..offline.protocol import ModelReply, ModelRequest, ToolCall
from .format import Cassette, CassetteError, reply_data, reply_of, request_data


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
