"""Pattern G — a manager delegating to Lambda-wrapped agents of mixed vendors.

1. The manager is an Agents SDK agent (OpenAI). Its two tools call Lambdas, not agents.
2. Lambda A wraps an availability agent on Bedrock; Lambda B wraps a booking agent on Claude. Each
   is your own function with its own pre- and post-processing, sharing no state with the manager.
3. Each delegation is your code: it takes the manager's plain-text task, binds the signed-in user
   (the manager cannot name one), invokes the Lambda — in-process by default, AWS Lambda when
   configured — and nests the Lambda's steps under the delegation: one linked trace, three vendors.
4. The manager decides whom to ask and what to tell the user; the SDK session carries the
   conversation from turn to turn.
"""

from __future__ import annotations

from agents import RunContextWrapper, function_tool

from ...lambdas import LambdaError
from ..manager import ManagerContext, ManagerConversation, delegate, specialist_answer


# 1. The manager's only tools: two delegations.
@function_tool
def ask_availability_lambda(ctx: RunContextWrapper[ManagerContext], task: str) -> str:
    """Ask the availability specialist (a Lambda wrapping a Bedrock agent) which courts are free.

    Args:
        task: What to check, in plain words, e.g. "Check which courts are free on 2025-12-04 at 15:00."
    """
    return _invoke(ctx.context, "availability-agent", "ask_availability_lambda", task)


@function_tool
def ask_booking_lambda(ctx: RunContextWrapper[ManagerContext], task: str) -> str:
    """Ask the booking specialist (a Lambda wrapping a Claude agent) to book one slot.

    Args:
        task: What to book, in plain words, with the slot id, e.g. "Book court A on 2025-12-04 at 15:00 (slot A-2025-12-04-1500)."
    """
    return _invoke(ctx.context, "booking-agent", "ask_booking_lambda", task)


# 2. The specialists are Lambdas (availability_lambda.py, booking_lambda.py), reached by name.
def _invoke(ctx: ManagerContext, function: str, tool: str, task: str) -> str:
    # 3. The delegation: the manager chose it; your code carries it out.
    step = delegate(ctx, f"lambda:{function}", tool, task)
    event = {"task": task, "user": ctx.booking.user} if function == "booking-agent" else {"task": task}
    try:
        result = ctx.lambdas.invoke(function, event)
    except LambdaError as error:
        ctx.trace.emit(f"lambda:{function}", "manager", "answer", "code", f"failed: {error}", {"error": str(error)},
                       parent=step)
        return f"The specialist could not answer: {error}"
    ctx.trace.adopt(result.get("events", []) if isinstance(result, dict) else [], parent=step)
    return specialist_answer(result.get("output") if isinstance(result, dict) else None)


# 4. The conversation: the manager decides whom to ask and what to tell the user.
class LambdaAgents(ManagerConversation):
    """Pattern G. The manager routes; Lambdas of mixed vendors do the work."""

    letter = "G"
    workflow = "Pattern G · manager → Lambda-wrapped agents"
    tools = [ask_availability_lambda, ask_booking_lambda]

    def context(self) -> ManagerContext:
        return ManagerContext(booking=self.booking, trace=self.trace, deps=self.deps,
                              lambdas=self.deps.lambda_runtime(), session_id=self.session.session_id)
