"""The two tools of the task, defined once and rendered for every vendor.

`check_availability` and `book` are typed Python functions. Their JSON schemas are derived from the
signatures and docstrings by the Agents SDK's `function_schema` — the same derivation its
`@function_tool` uses — and rendered from that single source into each vendor's format: OpenAI Chat
Completions, OpenAI Responses, Anthropic Messages, Bedrock Converse and Bedrock Agent action groups.

Identity is not a tool parameter. The article's `book_slot(slot_id, user_id)` lets the model pick
whose name goes on the booking; here the user comes from the session through the run context,
which is never sent to the model (OWASP LLM06, excessive agency; complete mediation).
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from time import perf_counter
from typing import Annotated, Any, Literal

from agents import RunContextWrapper
from agents.function_schema import FuncSchema, function_schema
from pydantic import Field, ValidationError

from . import observe
from .calendar import Availability, Booked, CalendarUnavailable, Refused, Result
from .identity import BookingContext

StartTime = Annotated[str, Field(pattern=r"^[0-9]{2}:[0-9]{2}$")]


# --- The tools --------------------------------------------------------------------------------


def check_availability(
    ctx: RunContextWrapper[BookingContext], date: datetime.date, time: StartTime | None = None
) -> Availability | Refused:
    """Find open slots on the club's tennis courts A, B, C and D on a day, optionally at one start time.

    Args:
        date: The day to check, as YYYY-MM-DD.
        time: Start time as HH:00, from 07:00 to 21:00; null (or left out) to list the whole day.
    """
    return ctx.context.calendar.check_availability(date.isoformat(), time)


def book(ctx: RunContextWrapper[BookingContext], slot_id: str) -> Booked | Refused:
    """Book one court slot for the signed-in user, who is set by the session.

    Args:
        slot_id: The id of an open slot, exactly as check_availability returned it: <court>-<YYYY-MM-DD>-<HHMM>.
    """
    session = ctx.context
    return session.calendar.book(slot_id, session.user, via=session.via)


TOOLS = (check_availability, book)
ToolName = Literal["check_availability", "book"]


# --- One schema source ------------------------------------------------------------------------


def schema(name: str, strict: bool = True) -> FuncSchema:
    """The derived schema of a tool: strict for OpenAI, plain (optional fields optional) otherwise.

    One object per tool and strictness however it is asked for — `schema(n)`, `schema(n, True)` and
    `schema(n, strict=True)` are the same — so its `description`, which every vendor's rendering
    reads (`_description(n)`), is one value to read or to change.
    """
    return _derived(name, bool(strict))


@cache
def _derived(name: str, strict: bool) -> FuncSchema:
    return function_schema(_by_name(name), strict_json_schema=strict)


def _description(name: str) -> str:
    """What every vendor is told a tool does: the description of its (strict) schema."""
    return schema(name).description or ""


def _by_name(name: str) -> Any:
    for function in TOOLS:
        if function.__name__ == name:
            return function
    raise KeyError(name)


def _names(names: Iterable[str] | None) -> list[str]:
    return list(names) if names is not None else [f.__name__ for f in TOOLS]


def _plain_schema(name: str) -> dict[str, Any]:
    """The non-strict schema without pydantic's `title` noise, for vendors without a strict mode."""
    return _without_titles(schema(name, strict=False).params_json_schema)


def _without_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_titles(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_without_titles(v) for v in node]
    return node


# --- One renderer per vendor format -----------------------------------------------------------


def openai_chat_tools(names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """`tools` for OpenAI Chat Completions (strict function schemas)."""
    return [
        {"type": "function", "function": {"name": n, "description": _description(n),
                                          "parameters": schema(n).params_json_schema, "strict": True}}
        for n in _names(names)
    ]


def openai_responses_tools(names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """`tools` for the OpenAI Responses API (flat function tools, strict)."""
    return [
        {"type": "function", "name": n, "description": _description(n),
         "parameters": schema(n).params_json_schema, "strict": True}
        for n in _names(names)
    ]


def anthropic_tools(names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """`tools` for Anthropic Messages."""
    return [{"name": n, "description": _description(n), "input_schema": _plain_schema(n)}
            for n in _names(names)]


def bedrock_converse_tools(names: Iterable[str] | None = None) -> dict[str, Any]:
    """`toolConfig` for Bedrock Converse."""
    return {"tools": [{"toolSpec": {"name": n, "description": _description(n),
                                    "inputSchema": {"json": _plain_schema(n)}}}
                      for n in _names(names)]}


def bedrock_agent_functions(names: Iterable[str] | None = None) -> dict[str, Any]:
    """`functionSchema` for a Bedrock Agent action group (flat, typed parameters)."""
    functions = []
    for n in _names(names):
        plain = _plain_schema(n)
        required = set(plain.get("required", []))
        parameters = {}
        for pname, prop in plain["properties"].items():
            parameters[pname] = {"type": _flat_type(prop), "description": prop.get("description", ""),
                                 "required": pname in required}
        functions.append({"name": n, "description": _description(n),
                          "parameters": parameters, "requireConfirmation": "DISABLED"})
    return {"functions": functions}


def _flat_type(prop: dict[str, Any]) -> str:
    """Bedrock Agent parameter type of a JSON schema property (string for dates and optional strings)."""
    kinds = [prop.get("type")] + [option.get("type") for option in prop.get("anyOf", [])]
    for kind in ("integer", "number", "boolean", "array"):
        if kind in kinds:
            return kind
    return "string"


# --- Running a tool call ----------------------------------------------------------------------


class ToolError(Result):
    """A call that could not run: unknown tool, arguments that are not JSON, or invalid arguments."""

    status: Literal["error"] = "error"
    message: str


ToolResult = Availability | Booked | Refused | ToolError


@dataclass(frozen=True)
class ToolOutcome:
    """The result of one tool call, ready to send back to a model."""

    name: str
    """Tool the model asked for."""
    arguments: dict[str, Any] | None
    """Arguments as parsed (None when they were not a JSON object)."""
    result: ToolResult
    """What the tool returned, or why it could not run."""

    @property
    def ok(self) -> bool:
        """True when the tool ran and did what was asked."""
        return isinstance(self.result, (Availability, Booked))

    @property
    def model_erred(self) -> bool:
        """True when the call itself was wrong (an unknown tool, arguments that are not valid): the model's mistake."""
        return isinstance(self.result, ToolError) and not self.result.message.startswith(f"{self.name} failed:")

    def as_json(self) -> str:
        """The result as JSON text, the form every vendor accepts as a tool result."""
        return self.result.model_dump_json()

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict."""
        return self.result.model_dump(mode="json")


def run_tool(name: str, arguments: str | dict[str, Any] | None, context: BookingContext,
             offered: Iterable[str] | None = None) -> ToolOutcome:
    """Validate a model's tool call and run it. Bad calls become a `ToolError`, never an exception.

    `offered` limits the call to the tools this model was given: an agent that was only offered
    `check_availability` cannot book by naming `book`. Where the call is observed, it is recorded as
    a step of the code that runs it.
    """
    started = perf_counter()
    outcome = _run_tool(name, arguments, context, offered)
    scope = observe.current()
    if scope is not None:
        detail = {"tool": name, "arguments": outcome.arguments if outcome.arguments is not None else arguments,
                  "result": outcome.as_dict()}
        if outcome.model_erred:  # the call itself was wrong: nothing reached the calendar
            scope.emit(scope.caller, scope.caller, "model_error", "code", f"refused {name}: {outcome.result.message}",
                       detail, ms=(perf_counter() - started) * 1000)
        else:
            scope.emit(scope.caller, "calendar", "execute_tool", "code", f"run {name} → {outcome.result.status}",
                       detail, ms=(perf_counter() - started) * 1000)
    return outcome


def _run_tool(name: str, arguments: str | dict[str, Any] | None, context: BookingContext,
              offered: Iterable[str] | None) -> ToolOutcome:
    known = list(offered) if offered is not None else [f.__name__ for f in TOOLS]
    if name not in known:
        return ToolOutcome(name, None,
                           ToolError(message=f"There is no tool named {name!r}; the tools are {', '.join(known)}."))
    tool_schema = schema(name)
    parsed = _parse_arguments(arguments)
    if isinstance(parsed, ToolError):
        return ToolOutcome(name, None, parsed)
    unexpected = sorted(set(parsed) - set(tool_schema.params_json_schema["properties"]))
    if unexpected:
        why = " Bookings are always made for the signed-in user." if name == "book" else ""
        return ToolOutcome(name, parsed,
                           ToolError(message=f"{name} takes no argument {', '.join(map(repr, unexpected))}.{why}"))
    try:
        validated = tool_schema.params_pydantic_model.model_validate(parsed)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors())
        return ToolOutcome(name, parsed, ToolError(message=f"Invalid arguments for {name}: {problems}."))
    args, kwargs = tool_schema.to_call_args(validated)
    try:
        result = _by_name(name)(RunContextWrapper(context=context), *args, **kwargs)
    except (CalendarUnavailable, sqlite3.OperationalError) as error:
        return ToolOutcome(name, parsed, ToolError(message=f"{name} failed: {error} Try again in a moment."))
    return ToolOutcome(name, parsed, result)


def _parse_arguments(arguments: str | dict[str, Any] | None) -> dict[str, Any] | ToolError:
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return ToolError(message=f"The arguments are not valid JSON: {arguments[:200]!r}.")
    if not isinstance(parsed, dict):
        return ToolError(message="The arguments must be a JSON object.")
    return parsed
