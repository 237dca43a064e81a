"""Pattern E — a workflow: your code fixes the steps; an agent reasons within each one.

The Agents SDK has no workflow construct: a workflow is Python calling `Runner.run` in order, under
one SDK trace. Per user message:

1. Step 1 — the availability agent (its only tool: `check_availability`) reads the conversation from
   the SDK session and reports, as structured output, what the user wants and which courts are free.
2. Code between the steps decides what happens next — the model cannot reorder or skip steps:
   a. the day or time is missing → the agent's question goes back to the user;
   b. the user only asked, or nothing is free → reply with what is free (or the nearest times);
   c. several courts free and none chosen → code asks which;
   d. the chosen court must be one of the free slots (validation), else code says so.
3. Step 2 — the booking agent (its only tool: `book`) books the slot code validated; a tool
   guardrail — code again — refuses any other slot id, and the reply states what the calendar
   actually booked.
4. Code writes the reply and adds it to the session, so the next step 1 sees what the user saw.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Literal

from agents import (
    Agent,
    MaxTurnsExceeded,
    RunContextWrapper,
    Runner,
    SQLiteSession,
    ToolGuardrailFunctionOutput,
    ToolInputGuardrailData,
    function_tool,
    tool_input_guardrail,
)
from pydantic import BaseModel, Field

from ..calendar import Booked, Slot
from ..sdk_trace import AgentRole, Roles, traced_run
from ..tools import BookingContext, book, check_availability
from .base import Conversation, Deps, court_list, human_when, today_line


class AvailabilityReport(BaseModel):
    """Step 1's structured output."""

    intent: Literal["book", "check", "other"] = Field(description="book a court, only check, or something else")
    date: str | None = Field(description="the day asked about, YYYY-MM-DD, or null if not given")
    time: str | None = Field(description="the start time asked about, HH:MM, or null if not given")
    court: str | None = Field(description="the court the user chose, or null")
    any_court: bool = Field(description="true when the user does not mind which court")
    slots: list[Slot] = Field(description="open slots at that date and time, from check_availability")
    message: str = Field(description="what you would say to the user")


class BookingReport(BaseModel):
    """Step 2's structured output."""

    booked: bool
    confirmation: str | None
    message: str = Field(description="what you would say to the user")


@dataclass(frozen=True)
class ValidatedSlot(BookingContext):
    """Step 2's context: the session's calendar and user, and the one slot code validated."""

    slot_id: str = ""


@tool_input_guardrail
def only_the_validated_slot(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
    """Code's check inside step 2: the booking agent may book the validated slot and nothing else."""
    wanted = data.context.context.slot_id
    try:
        asked = json.loads(data.context.tool_arguments or "{}").get("slot_id")
    except (ValueError, AttributeError):
        asked = None  # not even JSON: refuse it like any other slot
    if asked == wanted:
        return ToolGuardrailFunctionOutput.allow()
    return ToolGuardrailFunctionOutput.reject_content(
        f"Refused by the workflow: only {wanted} was checked and chosen; book exactly that slot.",
        output_info={"asked": asked, "validated": wanted})


def _availability_instructions(ctx: RunContextWrapper[BookingContext], agent: Agent[BookingContext]) -> str:
    return (f"You check tennis court availability (courts A, B, C and D). {today_line(ctx.context.calendar.clock.today())}\n"
            "Work out the day and time the user means; if one is missing, ask for it in `message`. "
            "When you have both, call check_availability and report the open slots. "
            "Record the court the user chose, if any. You cannot book.")


availability_agent = Agent[BookingContext](
    name="Availability checker", instructions=_availability_instructions,
    tools=[function_tool(check_availability)], output_type=AvailabilityReport)

def _booking_instructions(ctx: RunContextWrapper[BookingContext], agent: Agent[BookingContext]) -> str:
    return (f"You book the one tennis court slot you are given, with the book tool. "
            f"{today_line(ctx.context.calendar.clock.today())} Report whether it was booked and the confirmation code.")


booking_agent = Agent[BookingContext](
    name="Booking agent", instructions=_booking_instructions, output_type=BookingReport,
    tools=[function_tool(book, tool_input_guardrails=[only_the_validated_slot])])


class Workflow(Conversation):
    """Pattern E. State: the SDK session. Order of steps: your code."""

    letter = "E"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.session = SQLiteSession(f"pattern-e-{uuid.uuid4().hex[:12]}")
        actor = deps.clients.actor("openai")
        self.roles = Roles(agents={availability_agent.name: AgentRole(actor, "llm"),
                                   booking_agent.name: AgentRole(actor, "llm")})

    def respond(self, text: str) -> str:
        return asyncio.run(self._run(text))

    async def _steps(self, text: str, model: object) -> str:
        # 1. Step 1, always first: the availability agent, with the conversation so far.
        self._decide("step 1: the availability agent reads the request and checks the calendar")
        step1 = await Runner.run(availability_agent.clone(model=model), text, context=self.booking,
                                 session=self.session, max_turns=self.deps.max_steps)
        report: AvailabilityReport = step1.final_output

        # 2. Code between the steps.
        if not report.date or not report.time or report.intent == "other":
            self._decide("between steps: day or time missing → ask the user; no booking step")
            return report.message
        when = human_when(report.date, report.time)
        free = {slot.court: slot for slot in report.slots}
        if not free:
            self._decide("between steps: nothing free → reply with the alternatives; no booking step")
            return report.message
        if report.intent == "check":
            self._decide("between steps: the user only asked → reply; no booking step")
            taken = f"Court {report.court} is taken on {when}. " if report.court and report.court not in free else ""
            return f"{taken}Free on {when}: {court_list(list(free))}. Which one shall I book?"
        if not report.court and report.any_court:
            report.court = next(iter(free))
        if not report.court:
            self._decide(f"between steps: {len(free)} courts free, none chosen → ask which")
            if len(free) > 1:
                return f"Courts {', '.join(list(free)[:-1])} and {list(free)[-1]} are free on {when}. Which one would you like?"
            report.court = next(iter(free))
        if report.court not in free:
            self._decide(f"between steps: court {report.court} is not among the free slots → refuse, no booking step")
            return f"Court {report.court} isn't free on {when}; {court_list(list(free))} {'is' if len(free) == 1 else 'are'}. Which one would you like?"
        slot = free[report.court]

        # 3. Step 2, only after the checks: the booking agent books exactly this slot (a guardrail holds it to it).
        self._decide(f"step 2: the booking agent books {slot.slot_id} (validated by code)")
        context = ValidatedSlot(self.booking.calendar, self.booking.user, self.booking.via, slot_id=slot.slot_id)
        step2 = await Runner.run(booking_agent.clone(model=model), f"Book slot {slot.slot_id}.", context=context,
                                 max_turns=self.deps.max_steps)
        # The reply states what the calendar returned, not what the agent says it did.
        booked = next((item.output for item in step2.new_items
                       if isinstance(getattr(item, "output", None), Booked)), None)
        if booked is None:
            return f"The booking did not go through: {step2.final_output.message}"
        return (f"Booked! Court {booked.court} on {human_when(booked.date, booked.time)}. "
                f"Your confirmation code is {booked.confirmation}.")

    async def _run(self, text: str) -> str:
        model = self.deps.clients.agents_model()
        with traced_run(self.trace, "Pattern E · booking workflow", self.roles, group_id=self.session.session_id):
            try:
                reply = await self._steps(text, model)
            except MaxTurnsExceeded:
                reply = (f"A step stopped after {self.deps.max_steps} model calls without finishing; "
                         "nothing more was booked. Please try again or rephrase.")
        # 4. The reply joins the session, so step 1 next turn reads the conversation the user saw.
        await self.session.add_items([{"role": "assistant", "content": reply}])
        return reply

    def _decide(self, summary: str) -> None:
        self.trace.emit("code", "runtime", "decide", "code", summary)
