"""Lambda: the action group of the Bedrock booking agents — `check_availability` and `book`.

Bedrock Agents call it with the function the model chose and its parameters (as strings), plus the
session attributes the caller set. The user comes from those session attributes, which code sets
and the model never sees; the model cannot name anyone else. The result goes back as a TEXT body
holding the tool's JSON result.

Event and response follow Bedrock's action-group Lambda contract (messageVersion 1.0, function
details).
"""

from __future__ import annotations

from typing import Any

from .runtime import calendar_from, environment_of

FUNCTION_NAME = "court-booking-actions"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from ...tools import BookingContext, ToolError, run_tool  # here, so importing the function loads no SDK

    session = event.get("sessionAttributes") or {}
    user = session.get("user")
    if not user:
        body = ToolError(message="No signed-in user in the session attributes; nothing was done.").model_dump_json()
    else:
        calendar = calendar_from(environment_of(context))
        arguments = {p["name"]: p["value"] for p in event.get("parameters") or [] if p.get("value") not in (None, "")}
        outcome = run_tool(event.get("function", ""), arguments,
                           BookingContext(calendar, user, via=session.get("via", "")))
        body = outcome.as_json()
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event.get("actionGroup", ""),
            "function": event.get("function", ""),
            "functionResponse": {"responseBody": {"TEXT": {"body": body}}},
        },
        "sessionAttributes": session,
        "promptSessionAttributes": event.get("promptSessionAttributes") or {},
    }
