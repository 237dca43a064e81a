"""Faults the offline model can be asked to show, as hosted models sometimes do.

A spec such as `slow=300,malformed=invalid_json` wraps the brain:

- `slow=MS` — every call takes MS milliseconds longer.
- `malformed=KIND` — the first tool call after each user message comes out wrong:
  `invalid_json` (its arguments are cut off mid-JSON), `unknown_tool` (it names a tool that was not
  offered), `missing_argument` (its arguments are empty), or `hallucinated_slot` (its first `book`
  call names a slot it was never given: the next court over at the same hour, or failing that the
  same court a day later, whichever appears nowhere in the request it answers).

The wrapper judges "first since the user spoke" from the request alone, so it needs no memory and
still knows nothing of who is calling.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from .protocol import ModelReply, ModelRequest, ToolCall

Malformed = Literal["", "invalid_json", "unknown_tool", "missing_argument", "hallucinated_slot"]
MALFORMED_KINDS: tuple[str, ...] = ("invalid_json", "unknown_tool", "missing_argument", "hallucinated_slot")


@dataclass(frozen=True)
class ModelFaults:
    """Which faults the offline model shows."""

    slow_ms: int = 0
    """Extra time per call."""
    malformed: Malformed = ""
    """How the first tool call after each user message is garbled ("" for not at all)."""

    @classmethod
    def parse(cls, spec: str) -> ModelFaults:
        """Read `slow=300,malformed=invalid_json` (either part optional). Raises ValueError when unclear."""
        values: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, _, value = part.partition("=")
            values[key.strip()] = value.strip()
        unknown = set(values) - {"slow", "malformed"}
        if unknown:
            raise ValueError(f"unknown model fault {sorted(unknown)[0]!r}; use slow=MS and/or malformed=KIND")
        kind = values.get("malformed", "")
        if kind and kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed={kind!r} is not one of {', '.join(MALFORMED_KINDS)}")
        try:
            slow = int(values.get("slow", "0") or 0)
        except ValueError:
            raise ValueError(f"slow={values['slow']!r} is not a number of milliseconds") from None
        return cls(slow_ms=max(slow, 0), malformed=kind)  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        return bool(self.slow_ms or self.malformed)


class FaultyBrain:
    """A brain that shows `faults`: slower, and with a garbled first tool call per user message."""

    def __init__(self, brain: object, faults: ModelFaults) -> None:
        self.brain, self.faults = brain, faults

    def reply(self, request: ModelRequest) -> ModelReply:
        if self.faults.slow_ms:
            time.sleep(self.faults.slow_ms / 1000)
        reply: ModelReply = self.brain.reply(request)  # type: ignore[attr-defined]
        if not self.faults.malformed or not reply.tool_calls:
            return reply
        calls = list(reply.tool_calls)
        target = _target(request, calls, self.faults.malformed)
        if target is None:
            return reply
        calls[target] = _garble(calls[target], self.faults.malformed, _seen(request))
        return replace(reply, tool_calls=tuple(calls))


def _target(request: ModelRequest, calls: list[ToolCall], kind: str) -> int | None:
    """Which call to garble: the first of this turn, or for `hallucinated_slot` the turn's first booking."""
    since_user = []
    for message in request.messages:
        since_user = [] if message.role == "user" else [*since_user, *message.tool_calls]
    if kind == "hallucinated_slot":
        if any(_slot_in(c.arguments) for c in since_user):
            return None
        return next((n for n, c in enumerate(calls) if _slot_in(c.arguments)), None)
    return None if since_user else 0


def _garble(call: ToolCall, kind: str, seen: str = "") -> ToolCall:
    if kind == "invalid_json":
        return replace(call, arguments=call.arguments[: max(len(call.arguments) // 2, 1)])
    if kind == "unknown_tool":
        return replace(call, name=f"{call.name}_v2")
    if kind == "missing_argument":
        return replace(call, arguments="{}")
    slot = _slot_in(call.arguments)
    if not slot or slot[0] not in "ABCD":
        return call
    court, day, hour = slot[0], date.fromisoformat(slot[2:12]), slot[13:]
    others = ["ABCD"[("ABCD".index(court) + n) % 4] + slot[1:] for n in (1, 2, 3)]
    later = [f"{court}-{(day + timedelta(days=n)).isoformat()}-{hour}" for n in (1, 2, 3, 4)]
    wrong = next((candidate for candidate in [*others, *later] if candidate not in seen), others[0])
    return replace(call, arguments=call.arguments.replace(slot, wrong))


def _seen(request: ModelRequest) -> str:
    """Everything the model was given in this request, as one text to look slot ids up in."""
    parts = [request.system]
    for message in request.messages:
        parts += [message.text, *(c.arguments for c in message.tool_calls), *(r.content for r in message.tool_results)]
    return "\n".join(parts)


def _slot_in(arguments: str) -> str | None:
    try:
        value = json.loads(arguments)
    except ValueError:
        return None
    text = json.dumps(value)
    match = re.search(r"\b[A-Z]-\d{4}-\d{2}-\d{2}-\d{4}\b", text)
    return match.group(0) if match else None
