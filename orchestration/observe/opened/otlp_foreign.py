"""Another producer's OTLP export, as far as the GenAI semantic conventions go: who decided each step is read
from the operation and the nesting (the rules are in the package's docstring)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from typing import Any

from ..trace import Event
from .common import MAX_DEPTH, MAX_EVENTS, NAME_CHARS, SUMMARY_CHARS, TraceFileError, _short, _summary
from .otlp_spans import _MODEL_OPERATIONS, _RUNS, _TOOL_FINISHES, _Conversation, _embedded, _Span, _whole


def _genai_steps(conversation: _Conversation) -> tuple[Event, ...]:
    """The steps of another producer's conversation, in the order its spans started, depth first."""
    spans, traces = [], {trace: n for n, trace in enumerate(conversation.traces)}
    seen: set[tuple[str, str]] = set()
    for span in conversation.spans:  # a repeated span id is read once
        if (span.trace, span.id) not in seen:
            seen.add((span.trace, span.id))
            spans.append(span)
    children: dict[tuple[str, str], list[_Span]] = defaultdict(list)
    for span in spans:
        children[(span.trace, span.parent if (span.trace, span.parent) in seen else "")].append(span)
    for found in children.values():
        found.sort(key=lambda s: (traces[s.trace], s.start, s.order))
    began = min(s.start for s in spans)
    events: list[Event] = []
    turn, fresh, last_trace = 0, False, None

    def visit(span: _Span, following: _Span | None, agents: tuple[str, ...], in_run: bool, parent: int | None,
              depth: int) -> None:
        nonlocal turn, fresh, last_trace
        if depth > MAX_DEPTH:
            raise TraceFileError(f"This OTLP file nests spans more than {MAX_DEPTH} deep.")
        if span.trace != last_trace:  # each trace of a conversation is a turn of its own
            turn, fresh, last_trace = turn + 1, True, span.trace
        inner = children[(span.trace, span.id)]
        if span.operation in _RUNS and not in_run:  # the agent's run: not a step; a second one is the next turn
            turn, fresh = (turn, False) if fresh else (turn + 1, False)
            for n, child in enumerate(inner):
                visit(child, inner[n + 1] if n + 1 < len(inner) else None, agents, True, parent, depth + 1)
            return
        event = _genai_event(span, following, agents, turn, parent, began, len(events) + 1)
        if event is not None and event.action == "execute_tool":
            event = replace(event, decided_by=_tool_decider(events, event))
        if event is not None:
            if len(events) >= MAX_EVENTS:
                raise TraceFileError(f"This conversation has more than {MAX_EVENTS:,} steps; "
                                     "the page opens up to that.")
            events.append(event)
            fresh = False
            if event.action == "delegate":
                agents, parent = (*agents, event.detail["agent"]), event.step
        for n, child in enumerate(inner):
            visit(child, inner[n + 1] if n + 1 < len(inner) else None, agents, in_run, parent, depth + 1)

    roots = sorted((s for key, found in children.items() if key[1] == "" for s in found),
                   key=lambda s: (traces[s.trace], s.start, s.order))
    for n, root in enumerate(roots):
        following = roots[n + 1] if n + 1 < len(roots) and roots[n + 1].trace == root.trace else None
        visit(root, following, (), False, None, 1)
    return tuple(events)



def _agent_name(span: _Span) -> str:
    a = span.attributes
    found = a.get("gen_ai.agent.name") or a.get("gen_ai.agent.id") or span.name.partition(" ")[2] or "agent"
    return _short(str(found), NAME_CHARS) or "agent"



def _genai_event(span: _Span, following: _Span | None, agents: tuple[str, ...], turn: int, parent: int | None,
                 began: int, step: int) -> Event | None:
    """The step one GenAI span stands for, or None for a span that is not a step."""
    a, operation = span.attributes, span.operation
    host = f"sub-agent:{agents[-1]}" if agents else "code"
    delegator = f"sub-agent:{agents[-2]}" if len(agents) > 1 else "code"
    model_decider = "sub-agent" if agents else "llm"
    model = _short(str(a.get("gen_ai.request.model") or a.get("gen_ai.response.model") or span.name.partition(" ")[2]
                       or "model"), NAME_CHARS)
    detail: dict[str, Any] = {"span": _short(span.name, NAME_CHARS)}
    if isinstance(a.get("gen_ai.provider.name") or a.get("gen_ai.system"), str):
        detail["provider"] = a.get("gen_ai.provider.name") or a.get("gen_ai.system")
    tokens = {"tokens_in": _whole(a.get("gen_ai.usage.input_tokens")),
              "tokens_out": _whole(a.get("gen_ai.usage.output_tokens"))}
    lasted = round((span.end - span.start) / 1e6, 2)
    if operation in _MODEL_OPERATIONS:
        text, calls = _output(a.get("gen_ai.output.messages"))
        finishes = [f for f in a.get("gen_ai.response.finish_reasons") or [] if isinstance(f, str)]
        follows = following.operation if following else None
        chose_tool = bool(calls) or any(f in _TOOL_FINISHES for f in finishes) or (
            not finishes and not text and follows in ("execute_tool", "invoke_agent"))
        action = "choose_tool" if chose_tool else "answer"
        if calls:
            summary = "call " + ", ".join(f"{name}({arguments})" for name, arguments in calls)
        elif text:
            summary = f"answer: {text}"
        else:
            summary = f"{operation} {model}" + (f" → {', '.join(finishes)}" if finishes else "")
        detail |= {"model": model, **({"finish_reasons": finishes} if finishes else {}),
                   **({"text": text} if text else {})}
        if agents:  # a delegated agent's model is drawn as the agent, as this project draws its sub-agents
            tool = calls[0][0] if calls else _tool_name(following) if follows == "execute_tool" else None
            actor, target = host, f"tool:{tool}" if chose_tool and tool else delegator
        else:
            actor, target = f"model:{model}", host
        decided_by, model_call = model_decider, True
    elif operation == "execute_tool":
        tool = _tool_name(span)
        detail |= {"tool": tool, **{name: _embedded(a[key]) for key, name in
                                    (("gen_ai.tool.call.arguments", "arguments"), ("gen_ai.tool.call.result", "output"))
                                    if isinstance(a.get(key), str)}}
        actor, target, action, decided_by, model_call = host, f"tool:{tool}", "execute_tool", "code", False
        summary = f"run {tool}"
    elif operation in _RUNS:
        agent = _agent_name(span)
        detail["agent"] = agent
        actor, target, action, decided_by, model_call = host, f"sub-agent:{agent}", "delegate", model_decider, False
        summary, lasted = f"invoke_agent {agent}", 0.0
        span = replace(span, end=span.start)  # a delegation happens when it starts; its agent's steps follow
    elif operation == "embeddings":
        detail["model"] = model
        actor, target, action, decided_by, model_call = host, f"model:{model}", "call_model", "code", True
        summary = f"embeddings {model}"
    else:
        return None
    if span.error:
        summary += " → error"  # a failed step (`Event.failed`)
        detail["error"] = span.error
    return Event(step=step, turn=turn, actor=actor, target=target, action=action, decided_by=decided_by,
                 summary=_summary(summary), detail=detail, model_call=model_call,
                 ms=lasted if model_call or action == "execute_tool" else 0.0, parent=parent,
                 at=round((span.end - began) / 1e9, 4), **tokens)



def _tool_decider(events: list[Event], tool_run: Event) -> str:
    """Who decided that a tool runs: the model whose choice it directly follows in the same agent (and
    turn), as this project draws a tool its model picked; several runs after one choice are all that
    model's. A tool run that follows no model's choice is code's."""
    before = next((e for e in reversed(events) if (e.turn, e.parent) == (tool_run.turn, tool_run.parent)), None)
    if before is not None and before.action in ("choose_tool", "execute_tool"):
        return before.decided_by
    return "code"


def _tool_name(span: _Span) -> str:
    return _short(str(span.attributes.get("gen_ai.tool.name") or span.name.partition(" ")[2] or "tool"), NAME_CHARS)



def _output(messages: Any) -> tuple[str, list[tuple[str, str]]]:
    """The text and the tool calls in `gen_ai.output.messages` (opt-in content, a JSON string):
    [{"role", "parts": [{"type": "text", "content"}, {"type": "tool_call", "name", "arguments"}]}]."""
    found = _embedded(messages) if isinstance(messages, str) else messages
    texts, calls = [], []
    for message in found if isinstance(found, list) else []:
        for part in message.get("parts") or [] if isinstance(message, dict) else []:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "text" and isinstance(part.get("content"), str):
                texts.append(part["content"])
            elif part.get("type") == "tool_call" and isinstance(part.get("name"), str):
                arguments = part.get("arguments")
                shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
                calls.append((_short(part["name"], NAME_CHARS), _short(shown, 200)))
    return _short(" ".join(texts), SUMMARY_CHARS), calls
