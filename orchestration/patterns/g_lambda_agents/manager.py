"""Pattern G — a manager delegating to Lambda-wrapped agents of mixed vendors.

1. The manager is an Agents SDK agent (OpenAI) with the article's instructions. Its two tools call
   Lambdas, not agents.
2. Lambda A wraps an availability agent on Bedrock; Lambda B wraps a booking agent on Claude. Each
   is your own function with its own pre- and post-processing, sharing no state with the manager.
3. Each tool is your code: it takes the manager's plain-language task, binds the signed-in user for
   the booking Lambda (the manager cannot name one), and invokes the Lambda — in-process by default,
   AWS Lambda when configured. The Lambdas' own steps join the manager's trace: three vendors in one.
   Standing between the manager and the calendar, your code also keeps what the SDK's loop cannot:
   it hands the booking Lambda the slots the availability Lambda returned in this conversation (the
   only ones it will book), books at most once per request, and answers a repeated identical task
   with the answer already given instead of invoking the Lambda again.
4. The manager decides whom to ask and what to tell the user; the SDK session carries the
   conversation from turn to turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, RunContextWrapper, function_tool

from ...calendar import BookingRow
from ...lambdas import LambdaError
from ...observe import decided
from ..base import ASSISTANT_RULES, Deps, held_in_words, today_line
from ..manager import ManagerContext, ManagerConversation, specialist_answer
from . import availability_lambda, booking_lambda

INSTRUCTIONS = """You manage a tennis club's booking desk (courts A, B, C and D). {today}
Route user requests to the right specialist Lambda:
- checking availability → the availability Lambda
- making a reservation → the booking Lambda
For a complete booking, first call the availability Lambda to get open slots, then call the booking Lambda to
reserve the chosen slot. Synthesize their answers before replying to the user.
{rules}"""


@dataclass(frozen=True)
class LambdaToolsContext(ManagerContext):
    """What G's tools keep besides the manager's context: your code's memory, which the model never sees."""

    offered: set[str] = field(default_factory=set)
    """Slot ids the availability Lambda returned in this conversation."""
    answered: dict[tuple[str, str], str] = field(default_factory=dict)
    """This turn's (Lambda, task) -> its answer."""
    made_this_turn: Callable[[], list[BookingRow]] = list
    """This user's bookings from this turn, read from the calendar."""


# 1. The manager's only tools: two delegations, each a Lambda invocation.
@function_tool
def ask_availability_lambda(ctx: RunContextWrapper[LambdaToolsContext], task: str) -> str:
    """Ask the availability specialist (a Lambda wrapping a Bedrock agent) which courts are free.

    Args:
        task: What to check, in plain words, e.g. "Check which courts are free on 2025-12-04 at 15:00."
    """
    return _invoke(ctx.context, availability_lambda.FUNCTION_NAME, {"task": task})


@function_tool
def ask_booking_lambda(ctx: RunContextWrapper[LambdaToolsContext], task: str) -> str:
    """Ask the booking specialist (a Lambda wrapping a Claude agent) to book one slot.

    Args:
        task: What to book, in plain words, e.g. "Book court A on 2025-12-04 at 15:00."
    """
    # 3. One request books at most one slot: the calendar says whether this one has.
    made = ctx.context.made_this_turn()
    if made:
        decided("refuse a second booking: this request has booked already", mistake=True)
        return f"Not booked: one request books at most one slot. {held_in_words(made)}"
    # 3. Your code binds the signed-in user, and names the slots the booking Lambda may book.
    return _invoke(ctx.context, booking_lambda.FUNCTION_NAME,
                   {"task": task, "user": ctx.context.booking.user, "offered": sorted(ctx.context.offered)})


def _invoke(ctx: LambdaToolsContext, function: str, event: dict[str, Any]) -> str:
    # 3. The same task to the same Lambda twice in a turn: the answer it gave, not a second invocation.
    asked = (function, event["task"])
    if asked in ctx.answered:
        decided(f"the manager asked {function} the same task again → its earlier answer, not a second call", mistake=True)
        return ctx.answered[asked]
    # 2. and 3. The specialist is a Lambda (availability_lambda.py, booking_lambda.py).
    try:
        result = ctx.deps.lambdas().invoke(function, event)
    except LambdaError as error:
        return f"The specialist could not answer: {ctx.deps.clients.settings.scrub(str(error))}"
    result = result if isinstance(result, dict) else {}
    ctx.offered.update(slot for slot in result.get("slot_ids", []) if isinstance(slot, str))
    ctx.answered[asked] = answer = specialist_answer(result.get("output"))
    return answer


def _instructions(ctx: RunContextWrapper[LambdaToolsContext], agent: Agent[LambdaToolsContext]) -> str:
    return INSTRUCTIONS.format(today=today_line(ctx.context.booking.calendar.clock.today()), rules=ASSISTANT_RULES)


manager = Agent[LambdaToolsContext](name="Manager", instructions=_instructions,
                                    tools=[ask_availability_lambda, ask_booking_lambda])


# 4. The conversation: the manager decides whom to ask and what to tell the user.
class LambdaAgents(ManagerConversation):
    """Pattern G. The manager routes; Lambdas of mixed vendors do the work."""

    letter = "G"
    manager = manager
    delegates = {"ask_availability_lambda": f"lambda:{availability_lambda.FUNCTION_NAME}",
                 "ask_booking_lambda": f"lambda:{booking_lambda.FUNCTION_NAME}"}

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.offered: set[str] = set()
        """3. The slots the availability Lambda has returned in this conversation."""

    def context(self) -> LambdaToolsContext:
        return LambdaToolsContext(booking=self.booking, deps=self.deps, session_id=self.id, offered=self.offered,
                                  made_this_turn=self.made_this_turn)
