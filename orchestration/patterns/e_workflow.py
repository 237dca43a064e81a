"""Pattern E — a workflow: your code fixes the steps; an agent reasons within each one.

The Agents SDK has no workflow construct: a workflow is Python calling `Runner.run` in order, under
one SDK trace. Per user message:

1. Step 1 — the availability agent (its only tool: `check_availability`) reads the conversation from
   the SDK session and reports, as structured output, what the user wants and which slots are open.
2. Code between the steps (the model cannot reorder or skip them): with nothing to book yet there
   is no step 2 — a question gets your code's answer from the slots step 1 found, and a detail
   missing or no open slot gets step 1's own answer.
   With the playground's safeguards on (safeguards.py), your code also keeps only the slots
   `check_availability` really returned.
3. Step 2 — the booking agent (its only tool: `book`) books from those slots, choosing by the
   user's wishes or asking which one. With safeguards on, a tool guardrail refuses any other slot.
4. The booking agent's answer is the reply. It joins the session, so the next step 1 sees what the
   user saw.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from agents import Agent, MaxTurnsExceeded, RunContextWrapper, Runner, function_tool
from pydantic import BaseModel, Field

from ..calendar import Availability, court_list, human_when
from ..observe import decided
from ..observe.sdk_trace import AgentRole, Roles
from ..safeguards import CheckedSlots, checked_slots, with_guardrail
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


AVAILABILITY_INSTRUCTIONS = (
    "You check tennis court availability (courts A, B, C and D). {today}\nWork out the day and time the user "
    "means; if one is missing, ask for it in `message`. When you have both, call check_availability and report "
    "the open slots. Record the court the user asked for, if any. You cannot book.")
BOOKING_INSTRUCTIONS = (
    "You book tennis courts with the book tool. {today} Book one of the slots you are given, the one the user "
    "wants; if they named no court and several are open, ask which one instead of booking. Report whether it was "
    "booked and the confirmation code.")

STEP_2_TASK = "Book from: {slots}. {wish}"
"""What your code hands step 2: the slots step 1 found, and what the user said about the court."""
WISHES = {"court": "The user asked for court {court}.", "any": "The user does not mind which court.",
          "none": "The user named no court."}


def _instructions(text: str):  # noqa: ANN202 — the SDK's dynamic-instructions signature
    def render(ctx: RunContextWrapper[BookingContext], agent: Agent[BookingContext]) -> str:
        return text.format(today=today_line(ctx.context.calendar.clock.today()))
    return render


availability_agent = Agent[BookingContext](
    name="Availability checker", instructions=_instructions(AVAILABILITY_INSTRUCTIONS),
    tools=[function_tool(check_availability)], output_type=AvailabilityReport)

booking_agent = Agent[BookingContext](
    name="Booking agent", instructions=_instructions(BOOKING_INSTRUCTIONS), output_type=BookingReport,
    tools=[function_tool(book)])


class Workflow(Conversation):
    """Pattern E. State: the SDK session. Order of steps: your code."""

    letter = "E"
    hands_over_to = "runtime"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.session = BudgetedSession(self.id)
        self.returned: list[Availability] = []  # what check_availability returned (read by the checked-slots safeguard)
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
        self.returned += [result for item in step1.new_items
                          if isinstance(result := getattr(item, "output", None), Availability)]

        # 2. Code between the steps.
        slots = list(report.slot_ids)
        if self.safeguards_on:
            slots = checked_slots(slots, self.returned)  # safeguard checked-slots
        if report.intent == "check" and report.time and slots:
            decided("between steps: nothing to book, the user only asked → say what is free, offer to book")
            courts, asked = sorted({slot[:1] for slot in slots}), (report.court or "").upper()
            free = [asked] if asked in courts else courts
            taken = f"Court {asked} is not free then. " if asked and asked not in courts else ""
            return (f"{taken}Free on {human_when(report.date, report.time)}: {court_list(free)}. "
                    f"Shall I book {'it' if len(free) == 1 else 'one'}?")
        if report.intent != "book" or not report.date or not report.time or not slots:
            decided("between steps: nothing to book yet (a detail missing, nothing open) → step 1's answer; no step 2")
            return report.message
        wish = (WISHES["court"].format(court=report.court) if report.court else WISHES["any"] if report.any_court
                else WISHES["none"])

        # 3. Step 2, in its fixed place: the booking agent books from the slots step 1 found.
        decided(f"step 2: the booking agent books from {len(slots)} slot{'s' * (len(slots) > 1)}")
        agent = with_guardrail(booking_agent) if self.safeguards_on else booking_agent  # safeguard checked-slots
        context = CheckedSlots(self.booking.calendar, self.booking.user, self.booking.via, slot_ids=tuple(slots))
        step2 = await Runner.run(agent.clone(model=model), STEP_2_TASK.format(slots=slots, wish=wish),
                                 context=context, max_turns=self.deps.max_steps)
        return step2.final_output.message
