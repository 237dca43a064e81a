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
3. Step 2 — the booking agent (its only tool: `book`) books exactly the slot code validated.
4. Code writes the reply and adds it to the session, so the next step 1 sees what the user saw.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Literal

from agents import Agent, MaxTurnsExceeded, RunContextWrapper, Runner, SQLiteSession, function_tool
from pydantic import BaseModel, Field

from ..calendar import Slot
from ..sdk_trace import AgentRole, Roles, traced_run
from ..tools import BookingContext, book, check_availability
from .base import Conversation, Deps, court_list, human_when, today_line


class AvailabilityReport(BaseModel):
    """Step 1's structured output."""

    intent: Literal["book", "check", "other"] = Field(description="book a court, only check, or something else")
    date: str | None = Field(description="the day asked about, YYYY-MM-DD, or null if not given")
    time: str | None = Field(description="the start time asked about, HH:MM, or null if not given")
    court: str | None = Field(description="the court the user chose, or null")
    slots: list[Slot] = Field(description="open slots at that date and time, from check_availability")
    message: str = Field(description="what you would say to the user")


class BookingReport(BaseModel):
    """Step 2's structured output."""

    booked: bool
    confirmation: str | None
    message: str = Field(description="what you would say to the user")


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
    name="Booking agent", instructions=_booking_instructions, tools=[function_tool(book)], output_type=BookingReport)


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
            return f"Free on {when}: {court_list(list(free))}. Which one shall I book?"
        if not report.court:
            self._decide(f"between steps: {len(free)} courts free, none chosen → ask which")
            if len(free) > 1:
                return f"Courts {', '.join(list(free)[:-1])} and {list(free)[-1]} are free on {when}. Which one would you like?"
            report.court = next(iter(free))
        if report.court not in free:
            self._decide(f"between steps: court {report.court} is not among the free slots → refuse, no booking step")
            return f"Court {report.court} isn't free on {when}; {court_list(list(free))} {'is' if len(free) == 1 else 'are'}. Which one would you like?"
        slot = free[report.court]

        # 3. Step 2, only after the checks: the booking agent books exactly this slot.
        self._decide(f"step 2: the booking agent books {slot.slot_id} (validated by code)")
        step2 = await Runner.run(booking_agent.clone(model=model), f"Book slot {slot.slot_id}.", context=self.booking,
                                 max_turns=self.deps.max_steps)
        result: BookingReport = step2.final_output
        if not result.booked or not result.confirmation:
            return f"The booking did not go through: {result.message}"
        return f"Booked! Court {slot.court} on {when}. Your confirmation code is {result.confirmation}."

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
