"""Pattern G — a manager delegating to Lambda-wrapped agents of mixed vendors.

1. The manager is an Agents SDK agent (OpenAI) with the article's instructions. Its two tools call
   Lambdas, not agents.
2. Lambda A wraps an availability agent on Bedrock; Lambda B wraps a booking agent on Claude. Each
   is your own function with its own pre- and post-processing, sharing no state with the manager.
3. Each tool is your code: it takes the manager's plain-language task, binds the signed-in user for
   the booking Lambda (the manager cannot name one), and invokes the Lambda — in-process by default,
   AWS Lambda when configured. The Lambdas' own steps join the manager's trace: three vendors in one.
   With the playground's safeguards on (safeguards.py), the Lambdas are invoked through your code's
   checks: the booking Lambda books only slots the availability Lambda returned, one per request, and
   a repeated identical task gets the answer it got before.
4. The manager decides whom to ask and what to tell the user; the SDK session carries the
   conversation from turn to turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents import Agent, RunContextWrapper, function_tool

from ...aws.lambdas import LambdaError, LambdaRuntime
from ...safeguards import LambdaChecks
from ..base import ASSISTANT_RULES, Deps, today_line
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
    """What G's tools need besides the manager's context."""

    lambdas: LambdaRuntime | None = None
    """How this conversation invokes its Lambdas (through the safeguards' checks when they are on)."""


# 1. The manager's only tools: two delegations, each a Lambda invocation.
@function_tool
def ask_availability_lambda(ctx: RunContextWrapper[LambdaToolsContext], task: str) -> str:
    """Ask the availability specialist (a Lambda wrapping a Bedrock agent) which courts are free.

    Args:
        task: What to check, in plain words: the day (YYYY-MM-DD) and, if known, the time (HH:MM).
    """
    return _invoke(ctx.context, availability_lambda.FUNCTION_NAME, {"task": task})


@function_tool
def ask_booking_lambda(ctx: RunContextWrapper[LambdaToolsContext], task: str) -> str:
    """Ask the booking specialist (a Lambda wrapping a Claude agent) to book one slot.

    Args:
        task: What to book, in plain words: the court, the day (YYYY-MM-DD) and the time (HH:MM).
    """
    # 3. Your code binds the signed-in user: the manager cannot name one.
    return _invoke(ctx.context, booking_lambda.FUNCTION_NAME, {"task": task, "user": ctx.context.booking.user})


def _invoke(ctx: LambdaToolsContext, function: str, event: dict[str, Any]) -> str:
    # 2. and 3. The specialist is a Lambda (availability_lambda.py, booking_lambda.py).
    assert ctx.lambdas is not None  # set by LambdaAgents.context()
    try:
        result = ctx.lambdas.invoke(function, event)
    except LambdaError as error:
        return f"The specialist could not answer: {ctx.deps.clients.settings.scrub(str(error))}"
    return specialist_answer(result.get("output") if isinstance(result, dict) else None)


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
        self.lambdas: LambdaRuntime = deps.lambdas()
        if self.safeguards_on:  # the playground's safeguards, around each Lambda (safeguards.py)
            self.lambdas = LambdaChecks(self.lambdas, availability_lambda.FUNCTION_NAME, booking_lambda.FUNCTION_NAME,
                                        self.made_this_turn, lambda: self.trace.turn)

    def context(self) -> LambdaToolsContext:
        return LambdaToolsContext(booking=self.booking, deps=self.deps, session_id=self.id, lambdas=self.lambdas)
