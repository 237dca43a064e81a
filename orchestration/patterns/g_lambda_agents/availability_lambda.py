"""Lambda A of Pattern G: an availability agent on Bedrock, wrapped in your own function.

1. Pre-processing: the task arrives as JSON; your code keeps plain text only, 500 characters at most.
2. The agent: a Bedrock Converse tool loop with one tool, `check_availability`. The model (the
   sub-agent) picks each call; the function's code runs it. At most `MAX_STEPS` model calls.
3. Post-processing: your code formats what the calendar returned — the open courts with their slot
   ids — so the manager gets the same shape whatever the model wrote, and lists every slot id the
   calendar offered (which the playground's checked-slots safeguard passes to the booking Lambda).

Returns `{"output": text, "slot_ids": [...]}`; `@traced_agent` adds the function's steps,
which join the manager's trace.
"""

from __future__ import annotations

from typing import Any

from ...aws.lambdas import calendar_from, environment_of, plain_text
from ...calendar import Availability, human_when
from ...observe import decided
from ...observe.lambdas import traced_agent
from ...tools import BookingContext, bedrock_converse_tools, run_tool
from ...vendors.clients import Clients
from ...vendors.settings import Settings
from ..base import MAX_STEPS, today_line

FUNCTION_NAME = "availability-agent"
TOOLS = ["check_availability"]
SYSTEM = ("You check tennis court availability (courts A, B, C and D). {today} "
          "Call check_availability and report the open slots.")


@traced_agent(f"lambda:{FUNCTION_NAME}", agent="sub-agent:availability (Bedrock)")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    env = environment_of(context)
    # 1. Pre-processing.
    task = plain_text(event.get("task"))
    decided("pre-process the task: plain text, at most 500 characters", task=task)
    if not task:
        return {"output": "No task was given; nothing was checked."}
    calendar = calendar_from(env)
    clients = Clients(Settings.from_env(env))
    client, model = clients.aws("bedrock-runtime"), clients.model_id("aws")
    system = [{"text": SYSTEM.format(today=today_line(calendar.clock.today()))}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": task}]}]
    found: Availability | None = None
    offered: list[str] = []
    # 2. The agent's loop: the model chooses, this function's code executes.
    for _ in range(MAX_STEPS):
        response = client.converse(modelId=model, system=system, messages=messages,
                                   toolConfig=bedrock_converse_tools(TOOLS), inferenceConfig={"maxTokens": 800})
        message = response["output"]["message"]
        messages.append(message)
        uses = [block["toolUse"] for block in message["content"] if "toolUse" in block]
        if not uses:
            answer = " ".join(block["text"] for block in message["content"] if "text" in block)
            break
        results = []
        for use in uses:
            outcome = run_tool(use["name"], use["input"], BookingContext(calendar, user="", via="G"), offered=TOOLS)
            if isinstance(outcome.result, Availability):
                found = outcome.result
                offered += [s.slot_id for s in (*found.slots, *found.other_times) if s.slot_id not in offered]
            results.append({"toolResult": {"toolUseId": use["toolUseId"], "content": [{"json": outcome.as_dict()}],
                                           **({} if outcome.ok else {"status": "error"})}})
        messages.append({"role": "user", "content": results})
    else:
        answer = f"Stopped after {MAX_STEPS} model calls without an answer."
    # 3. Post-processing: the manager always gets slot ids, in one shape.
    output = _format(found) if found is not None else answer
    decided("post-process: list the open slots with their ids", output=output)
    return {"output": output, "slot_ids": offered}


def _format(found: Availability) -> str:
    when = human_when(found.date, found.time)
    if found.slots:
        return f"Open on {when}: " + ", ".join(f"court {s.court} (slot {s.slot_id})" for s in found.slots) + "."
    nearby = ", ".join(f"court {s.court} at {s.time} (slot {s.slot_id})" for s in found.other_times)
    return f"No courts are free on {when}." + (f" Nearest open that day: {nearby}." if nearby else "")
