"""This project's OTLP export: every step's span carries `orchestration.*` attributes, so each step comes back as
it was, less the detail a span does not keep (arguments, results, texts)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..trace import Event
from .common import MAX_EVENTS, TraceFileError, _pattern
from .events import _event
from .otlp_spans import _Span, _whole


def _own_steps(spans: list[_Span]) -> tuple[tuple[Event, ...], str | None]:
    steps = sorted((s for s in spans if "orchestration.step" in s.attributes),
                   key=lambda s: (_whole(s.attributes["orchestration.step"]), s.order))
    if len(steps) > MAX_EVENTS:
        raise TraceFileError(f"This conversation has {len(steps):,} steps; the page opens up to {MAX_EVENTS:,}.")
    numbers = {s.id: _whole(s.attributes["orchestration.step"]) for s in steps}
    began = min(s.start for s in spans)
    events = []
    for span in steps:
        a = span.attributes
        raw = {"step": a.get("orchestration.step"), "turn": a.get("orchestration.turn", 1),
               "actor": a.get("orchestration.actor"), "target": a.get("orchestration.target"),
               "action": a.get("orchestration.action"), "decided_by": a.get("orchestration.decided_by"),
               "summary": a.get("orchestration.summary", span.name), "detail": _own_detail(span)}
        model_call = a.get("gen_ai.operation.name") == "chat"
        timed = model_call or raw["action"] == "execute_tool"
        raw |= {"tokens_in": _whole(a.get("gen_ai.usage.input_tokens")),
                "tokens_out": _whole(a.get("gen_ai.usage.output_tokens")), "model_call": model_call,
                "parent": numbers.get(span.parent), "ms": round((span.end - span.start) / 1e6, 2) if timed else 0.0,
                "at": round((span.end - began) / 1e9, 4)}
        event = _event(raw, len(events) + 1)
        # what made it fail (a tool's refusal) was in the detail a span does not keep
        if span.error and not event.failed:
            event = replace(event, detail={**event.detail, "result": {"status": "error"}})
        events.append(event)
    pattern = next((_pattern(s.attributes.get("orchestration.pattern")) for s in spans
                    if _pattern(s.attributes.get("orchestration.pattern"))), None)
    return tuple(events), pattern



def _own_detail(span: _Span) -> dict[str, Any]:
    a = span.attributes
    keep = {"gen_ai.request.model": "model", "gen_ai.provider.name": "provider", "gen_ai.tool.name": "tool",
            "gen_ai.agent.name": "agent"}
    return {name: a[key] for key, name in keep.items() if isinstance(a.get(key), str)}
