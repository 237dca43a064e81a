"""Lambda B of Pattern G: a booking agent on Claude, wrapped in your own function.

1. Pre-processing: plain-text task (500 characters at most) and the user the manager's code bound —
   never one the model named. No user, no booking.
2. The agent: an Anthropic Messages tool loop with one tool, `book`. Every `tool_use` block in a
   reply is run and answered, not just the first. At most `MAX_STEPS` model calls.
3. Post-processing: your code states the outcome from the calendar's own result — court, day,
   time, confirmation code and slot id — rather than trusting the model's wording.

Returns `{"output": text, "events": [...]}`; the events join the manager's trace under its delegation.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

from ...calendar import Booked, Refused
from ...lambdas import calendar_from, environment_of, plain_text
from ...providers import Clients, Settings
from ...tools import BookingContext, anthropic_tools, run_tool
from ...trace import Trace
from ..base import MAX_STEPS, today_line

ME = "lambda:booking-agent"
AGENT = "sub-agent:booking (Claude)"
TOOLS = ["book"]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    env, trace = environment_of(context), Trace()
    # 1. Pre-processing.
    task, user = plain_text(event.get("task")), plain_text(event.get("user"), limit=100)
    trace.emit(ME, ME, "decide", "code", "pre-process: plain-text task; the user comes from the manager's code",
               {"task": task, "user": user})
    if not task or not user:
        return {"output": "No task or no signed-in user was given; nothing was booked.", "events": trace.records()}
    calendar = calendar_from(env)
    clients = Clients(Settings.from_env(env))
    client, model = clients.anthropic, clients.model_id("anthropic")
    system = (f"You book tennis court slots with the book tool. {today_line(calendar.clock.today())} "
              "Book exactly the slot you are asked for and report the confirmation code and the slot id.")
    messages: list[dict[str, Any]] = [{"role": "user", "content": task}]
    outcome_seen: Booked | Refused | None = None
    answer = ""
    # 2. The agent's loop: Claude chooses, this function's code executes every tool_use.
    for _ in range(MAX_STEPS):
        trace.emit(ME, AGENT, "call_model", "code", "messages.create with the book tool")
        started = perf_counter()
        response = client.messages.create(model=model, max_tokens=800, system=system, messages=messages,
                                          tools=anthropic_tools(TOOLS))
        messages.append({"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in response.content]})
        tokens = {"tokens_in": response.usage.input_tokens, "tokens_out": response.usage.output_tokens,
                  "ms": (perf_counter() - started) * 1000, "model_call": True}
        uses = [block for block in response.content if block.type == "tool_use"]
        answer = " ".join(block.text for block in response.content if block.type == "text")
        if not uses:
            trace.emit(AGENT, ME, "answer", "sub-agent", f"answer: {answer}", {"text": answer, "model": model}, **tokens)
            break
        results = []
        for n, use in enumerate(uses):
            trace.emit(AGENT, ME, "choose_tool", "sub-agent", f"call {use.name}({use.input})",
                       {"tool": use.name, "arguments": use.input, "rationale": answer}, **(tokens if n == 0 else {}))
            outcome = run_tool(use.name, use.input, BookingContext(calendar, user=user, via="G"), offered=TOOLS)
            trace.emit(ME, "calendar", "execute_tool", "code", f"run {use.name} → {outcome.result.status}",
                       {"tool": use.name, "arguments": use.input, "result": outcome.as_dict()})
            if isinstance(outcome.result, (Booked, Refused)):
                outcome_seen = outcome.result
            results.append({"type": "tool_result", "tool_use_id": use.id, "content": outcome.as_json(),
                            "is_error": not outcome.ok})
        messages.append({"role": "user", "content": results})
    else:
        answer = f"Stopped after {MAX_STEPS} model calls without an answer."
    # 3. Post-processing: the calendar's own result, in one shape.
    output = _format(outcome_seen) if outcome_seen is not None else answer
    trace.emit(ME, ME, "decide", "code", "post-process: state the calendar's result", {"output": output})
    return {"output": output, "events": trace.records()}


def _format(result: Booked | Refused) -> str:
    if isinstance(result, Booked):
        slot = f"{result.court}-{result.date}-{result.time.replace(':', '')}"
        again = " (it was already theirs)" if result.already_held else ""
        return (f"Booked court {result.court} on {result.date} at {result.time} for {result.user}{again}. "
                f"Confirmation {result.confirmation} (slot {slot}).")
    return f"Not booked: {result.message}"
