"""Pattern E — a workflow: your code fixes the steps; an agent reasons within each one.

The Agents SDK has no workflow construct: a workflow is Python calling `Runner.run` in order, under
one SDK trace. Per user message:

1. Step 1 — the availability agent (its only tool: `check_availability`) reads the conversation from
   the SDK session and reports, as structured output, what the user wants and which slots are open.
2. Code between the steps (the model cannot reorder or skip them) keeps the slots `check_availability`
   really returned, only the court the user named; with nothing to book yet, there is no step 2.
3. Step 2 — the booking agent (its only tool: `book`) books from those slots, choosing by the
   user's wishes or asking which one. A tool guardrail — code again — refuses any slot not on the list.
4. The reply is the booking agent's, unless it leaves out what the calendar booked: then your code
   states the booking. The reply joins the session, so the next step 1 sees what the user saw.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Literal

from agents import (Agent, MaxTurnsExceeded, RunContextWrapper, Runner, ToolGuardrailFunctionOutput,
                    ToolInputGuardrailData, function_tool, tool_input_guardrail)
from pydantic import BaseModel, Field

from ..calendar import Availability, Booked, Slot, court_list, human_when
from ..observe import decided
from ..sdk_trace import AgentRole, Roles
from ..tools import BookingContext, book, check_availability
from .base import Conversation, Deps, today_line
from .memory import BudgetedSession


class AvailabilityReport(BaseModel):
    """Step 1's structured output."""
    intent: Literal["book", "check", "other"] = Field(description="book a court, only check, or something else")
    date: str | None = Field(description="the day asked about, YYYY-MM-DD, or null if not given")
    time: str | None = Field(description="the start time asked about, HH:MM, or null if not given")
    court: str | None = Field(description="the court the user asked for, or null")
    any_court: bool = Field(description="true when the user does not mind which court")
    slot_ids: list[str] = Field(description="ids of the open slots at that date and time, from check_availability")
    message: str = Field(description="what you would say to the user")


class BookingReport(BaseModel):
    """Step 2's structured output."""
    booked: bool
    confirmation: str | None
    message: str = Field(description="what you would say to the user")


@dataclass(frozen=True)
class CheckedSlots(BookingContext):
    """Step 2's context: the session's calendar and user, and the slots your code let through."""
    slot_ids: tuple[str, ...] = ()


@tool_input_guardrail
def only_checked_slots(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
    """Code's check inside step 2: the booking agent may book one of the checked slots and nothing else."""
    allowed = data.context.context.slot_ids
    try:
        asked = json.loads(data.context.tool_arguments or "{}").get("slot_id")
    except (ValueError, AttributeError):
        asked = None  # not even JSON: refuse it like any other slot
    if asked in allowed:
        return ToolGuardrailFunctionOutput.allow()
    return ToolGuardrailFunctionOutput.reject_content(
        f"Refused by the workflow: {asked} was not among the checked slots ({', '.join(allowed)}).",
        output_info={"asked": asked, "allowed": list(allowed)})


AVAILABILITY_INSTRUCTIONS = (
    "You check tennis court availability (courts A, B, C and D). {today}\nWork out the day and time the user "
    "means; if one is missing, ask for it in `message`. When you have both, call check_availability and report "
    "the open slots. Record the court the user asked for, if any. You cannot book.")
BOOKING_INSTRUCTIONS = (
    "You book tennis courts with the book tool. {today} Book one of the slots you are given, the one the user "
    "wants; if they named no court and several are open, ask which one instead of booking. Report whether it was "
    "booked and the confirmation code.")


def _instructions(text: str):  # noqa: ANN202 — the SDK's dynamic-instructions signature
    def render(ctx: RunContextWrapper[BookingContext], agent: Agent[BookingContext]) -> str:
        return text.format(today=today_line(ctx.context.calendar.clock.today()))
    return render


availability_agent = Agent[BookingContext](
    name="Availability checker", instructions=_instructions(AVAILABILITY_INSTRUCTIONS),
    tools=[function_tool(check_availability)], output_type=AvailabilityReport)

booking_agent = Agent[BookingContext](
    name="Booking agent", instructions=_instructions(BOOKING_INSTRUCTIONS), output_type=BookingReport,
    tools=[function_tool(book, tool_input_guardrails=[only_checked_slots])])


class Workflow(Conversation):
    """Pattern E. State: the SDK session. Order of steps: your code."""

    letter = "E"
    hands_over_to = "runtime"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.session = BudgetedSession(self.id)
        self.checked: dict[str, Slot] = {}  # every slot check_availability returned: what step 2 may book from
        actor = deps.clients.actor("openai")
        self.roles = Roles(agents={availability_agent.name: AgentRole(actor, "llm"),
                                   booking_agent.name: AgentRole(actor, "llm")})

    def respond(self, text: str) -> str:
        return asyncio.run(self.turn(text))

    async def turn(self, text: str) -> str:
        try:
            reply = await self.steps(text, self.deps.clients.agents_model())
        except MaxTurnsExceeded:
            return self.stopped("A step")  # your code's words, not the assistant's: kept out of the session
        # 4. The reply joins the session, so step 1 next turn reads the conversation the user saw.
        await self.session.add_items([{"role": "assistant", "content": reply}])
        return reply

    async def steps(self, text: str, model: object) -> str:
        # 1. Step 1, always first: the availability agent, with the conversation so far.
        decided("step 1: the availability agent reads the request and checks the calendar")
        step1 = await Runner.run(availability_agent.clone(model=model), text, context=self.booking,
                                 session=self.session, max_turns=self.deps.max_steps)
        report: AvailabilityReport = step1.final_output
        self.checked |= {slot.slot_id: slot for item in step1.new_items
                         if isinstance(result := getattr(item, "output", None), Availability) for slot in result.slots}

        # 2. Code between the steps.
        slots = [self.checked[slot_id] for slot_id in report.slot_ids if slot_id in self.checked]
        if report.court:  # a court the user named is kept: step 2 may book that court only
            slots = [s for s in slots if s.court == report.court.upper()]
        if report.intent == "check" and report.time and slots:
            decided("between steps: nothing to book yet, the user only asked → say what is free, offer to book")
            return (f"Free on {human_when(report.date, report.time)}: {court_list([s.court for s in slots])}. "
                    f"Shall I book {'it' if len(slots) == 1 else 'one'}?")
        if report.intent != "book" or not report.date or not report.time or not slots:
            decided("between steps: nothing to book yet (a detail missing, nothing open) → step 1's answer; no step 2")
            return report.message
        wish = (f"The user asked for court {report.court}." if report.court else
                "The user does not mind which court." if report.any_court else "The user named no court.")

        # 3. Step 2, only after the checks: the booking agent books from the checked slots (a guardrail holds it to them).
        decided(f"step 2: the booking agent books from {len(slots)} checked slot{'s' * (len(slots) > 1)}")
        context = CheckedSlots(self.booking.calendar, self.booking.user, self.booking.via,
                               slot_ids=tuple(s.slot_id for s in slots))
        step2 = await Runner.run(booking_agent.clone(model=model), f"Book from: {[s.slot_id for s in slots]}. {wish}",
                                 context=context, max_turns=self.deps.max_steps)
        booked = next((item.output for item in step2.new_items if isinstance(getattr(item, "output", None), Booked)), None)
        message = step2.final_output.message
        if booked is not None and booked.confirmation not in message:
            decided("after step 2: the agent's reply leaves out the booking → state what the calendar booked")
            return (f"Booked! Court {booked.court} on {human_when(booked.date, booked.time)}. "
                    f"Your confirmation code is {booked.confirmation}.")
        return message
