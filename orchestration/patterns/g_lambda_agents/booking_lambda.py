"""Lambda B of Pattern G: a booking agent on Claude, wrapped in your own function.

1. Pre-processing: plain-text task (500 characters at most) and the user the manager's code bound —
   never one the model named, passed on exactly as given. No user, no booking.
2. The agent: an Anthropic Messages tool loop with one tool, `book`. Every `tool_use` block in a
   reply is answered, not just the first; this function's code runs it. At most `MAX_STEPS` model
   calls. With the playground's safeguards on, the event also lists the slots the availability
   Lambda returned, and a `book` of any other slot, or a second one in this task, is refused
   (safeguards.py).
3. Post-processing: your code states the outcome from the calendar's own result — court, day,
   time and confirmation code — rather than trusting the model's wording.

Returns `{"output": text}`; `@traced_agent` adds the function's steps, which join the manager's trace.
"""

from __future__ import annotations

from typing import Any

from ...aws.lambdas import calendar_from, environment_of, plain_text
from ...calendar import Booked, Refused, human_when
from ...identity import user_problem
from ...observe import decided
from ...observe.lambdas import traced_agent
from ...safeguards import booking_refusal
from ...tools import BookingContext, anthropic_tools, run_tool
from ...vendors.clients import Clients
from ...vendors.settings import Settings
from ..base import MAX_STEPS, today_line

FUNCTION_NAME = "booking-agent"
TOOLS = ["book"]
SYSTEM = ("You book tennis court slots with the book tool. {today} "
          "Book exactly the slot you are asked for, then confirm the reservation.")


@traced_agent(f"lambda:{FUNCTION_NAME}", agent="sub-agent:booking (Claude)")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    env = environment_of(context)
    # 1. Pre-processing.
    task, user = plain_text(event.get("task")), event.get("user")
    decided("pre-process: plain-text task; the user comes from the manager's code", task=task, user=user)
    if not task or user_problem(user):
        return {"output": f"Nothing was booked: {user_problem(user) or 'no task was given'}."}
    calendar = calendar_from(env)
    clients = Clients(Settings.from_env(env))
    client, model = clients.anthropic, clients.model_id("anthropic")
    system = SYSTEM.format(today=today_line(calendar.clock.today()))
    messages: list[dict[str, Any]] = [{"role": "user", "content": task}]
    seen: Booked | Refused | None = None
    offered = _offered(event)  # listed only with the playground's safeguards on
    # 2. The agent's loop: Claude chooses, this function's code executes every tool_use.
    for _ in range(MAX_STEPS):
        response = client.messages.create(model=model, max_tokens=800, system=system, messages=messages,
                                          tools=anthropic_tools(TOOLS))
        messages.append({"role": "assistant",
                         "content": [block.model_dump(exclude_none=True) for block in response.content]})
        uses = [block for block in response.content if block.type == "tool_use"]
        if not uses:
            answer = " ".join(block.text for block in response.content if block.type == "text")
            break
        results = []
        for use in uses:
            refusal = booking_refusal(use.name, use.input, offered, seen if isinstance(seen, Booked) else None)
            if refusal:  # safeguards checked-slots and one-booking
                results.append({"type": "tool_result", "tool_use_id": use.id, "content": refusal, "is_error": True})
                continue
            outcome = run_tool(use.name, use.input, BookingContext(calendar, user=user, via="G"), offered=TOOLS)
            seen = outcome.result if isinstance(outcome.result, (Booked, Refused)) else seen
            results.append({"type": "tool_result", "tool_use_id": use.id, "content": outcome.as_json(),
                            "is_error": not outcome.ok})
        messages.append({"role": "user", "content": results})
    else:
        answer = f"Stopped after {MAX_STEPS} model calls without an answer."
    # 3. Post-processing: the calendar's own result, in one shape.
    output = _format(seen) if seen is not None else answer
    decided("post-process: state the calendar's result", output=output)
    return {"output": output}


def _offered(event: dict[str, Any]) -> list[str] | None:
    offered = event.get("offered")
    return [slot for slot in offered if isinstance(slot, str)] if isinstance(offered, list) else None


def _format(result: Booked | Refused) -> str:
    if isinstance(result, Refused):
        return f"Not booked: {result.message}"
    again = " (it was already theirs)" if result.already_held else ""
    return (f"Booked court {result.court} on {human_when(result.date, result.time)} for {result.user}{again}. "
            f"Confirmation code {result.confirmation}.")
