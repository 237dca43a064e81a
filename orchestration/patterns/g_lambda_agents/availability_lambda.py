"""Lambda A of Pattern G: an availability agent on Bedrock, wrapped in your own function.

1. Pre-processing: the task arrives as JSON; your code keeps plain text only, 500 characters at most.
2. The agent: a Bedrock Converse tool loop with one tool, `check_availability`. The model (the
   sub-agent) picks each call; the function's code runs it. At most `MAX_STEPS` model calls.
3. Post-processing: your code formats what the calendar returned — the free courts with their slot
   ids — so the manager gets the same shape whatever the model wrote.

Returns `{"output": text, "events": [...]}`; the events join the manager's trace under its delegation.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

from ...calendar import Availability
from ...lambdas import calendar_from, environment_of, plain_text
from ...providers import Clients, Settings
from ...tools import BookingContext, bedrock_converse_tools, run_tool
from ...trace import Trace
from ..base import MAX_STEPS, today_line

ME = "lambda:availability-agent"
AGENT = "sub-agent:availability (Bedrock)"
TOOLS = ["check_availability"]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    env, trace = environment_of(context), Trace()
    # 1. Pre-processing.
    task = plain_text(event.get("task"))
    trace.emit(ME, ME, "decide", "code", "pre-process the task: plain text, at most 500 characters", {"task": task})
    if not task:
        return {"output": "No task was given; nothing was checked.", "events": trace.records()}
    calendar = calendar_from(env)
    clients = Clients(Settings.from_env(env))
    client, model = clients.aws("bedrock-runtime"), clients.model_id("aws")
    system = [{"text": f"You check tennis court availability (courts A, B, C and D). {today_line(calendar.clock.today())} "
                       "Call check_availability and report the open slots with their slot ids."}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": task}]}]
    found: Availability | None = None
    answer = ""
    # 2. The agent's loop: the model chooses, this function's code executes.
    for _ in range(MAX_STEPS):
        trace.emit(ME, AGENT, "call_model", "code", "converse with the availability tool")
        started = perf_counter()
        response = client.converse(modelId=model, system=system, messages=messages,
                                   toolConfig=bedrock_converse_tools(TOOLS), inferenceConfig={"maxTokens": 800})
        message, usage = response["output"]["message"], response.get("usage", {})
        messages.append(message)
        tokens = {"tokens_in": usage.get("inputTokens", 0), "tokens_out": usage.get("outputTokens", 0),
                  "ms": (perf_counter() - started) * 1000, "model_call": True}
        uses = [block["toolUse"] for block in message["content"] if "toolUse" in block]
        answer = " ".join(block["text"] for block in message["content"] if "text" in block)
        if not uses:
            trace.emit(AGENT, ME, "answer", "sub-agent", f"answer: {answer}", {"text": answer, "model": model}, **tokens)
            break
        results = []
        for n, use in enumerate(uses):
            trace.emit(AGENT, ME, "choose_tool", "sub-agent", f"call {use['name']}({use['input']})",
                       {"tool": use["name"], "arguments": use["input"], "rationale": answer}, **(tokens if n == 0 else {}))
            outcome = run_tool(use["name"], use["input"], BookingContext(calendar, user="", via="G"), offered=TOOLS)
            trace.emit(ME, "calendar", "execute_tool", "code", f"run {use['name']} → {outcome.result.status}",
                       {"tool": use["name"], "arguments": use["input"], "result": outcome.as_dict()})
            found = outcome.result if isinstance(outcome.result, Availability) else found
            results.append({"toolResult": {"toolUseId": use["toolUseId"], "content": [{"json": outcome.as_dict()}],
                                           **({} if outcome.ok else {"status": "error"})}})
        messages.append({"role": "user", "content": results})
    else:
        answer = f"Stopped after {MAX_STEPS} model calls without an answer."
    # 3. Post-processing: the manager always gets slot ids, in one shape.
    output = _format(found) if found is not None else answer
    trace.emit(ME, ME, "decide", "code", "post-process: list the free slots with their ids", {"output": output})
    return {"output": output, "events": trace.records()}


def _format(found: Availability) -> str:
    when = f"{found.date} at {found.time}" if found.time else found.date
    if found.slots:
        listed = ", ".join(f"court {s.court} at {s.time} (slot {s.slot_id})" for s in found.slots)
        return f"Free on {when}: {listed}."
    nearby = ", ".join(f"court {s.court} at {s.time} (slot {s.slot_id})" for s in found.alternatives)
    return f"No courts are free on {when}." + (f" Nearest open: {nearby}." if nearby else "")
