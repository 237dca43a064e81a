"""The playground's safeguards: checks the article's patterns do not have, each named, switchable and shown as ours.

Every pattern runs as the article writes it: that is the default (`--safeguards off`, the setting
`SAFEGUARDS`, the sidebar's switch). With safeguards on, the checks below run as well, each where
its pattern's architecture gives your code a place for it. They are what an engineer would add
after watching a weak model at work; they are not what tells the patterns apart, so they are kept
out of the patterns' own code and measured separately.

- Each has a name, a one-line reason, and the patterns it applies to (`SAFEGUARDS`).
- Every time one acts, the trace records a step by `safeguard:<name>` (`observe.guarded`), drawn as
  your code under the safeguard's name.
- The evaluator counts a run a safeguard touched as `rescued`, never `pass`.

Two things are not safeguards. Observing: in both settings the trace marks a reply that contradicts
the calendar (`Conversation.checked_against_calendar`). And each runtime's own step limits (the
SDK's `max_turns`, a loop's cap): those are part of the patterns and their SDKs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .calendar import Availability, Booked, BookingRow, Slot, human_when
from .formats import slot_id
from .identity import BookingContext
from .observe import guarded
from .observe.trace import json_or_text

if TYPE_CHECKING:  # the SDKs load when a run needs them, not with the pages that only name the safeguards
    from agents import Agent, ToolGuardrailFunctionOutput, ToolInputGuardrailData

    from .aws.lambdas import LambdaRuntime
    from .tools import ToolOutcome


@dataclass(frozen=True)
class Safeguard:
    """One check of the playground's own."""

    name: str
    """How the trace, the graph and the pages name it."""
    title: str
    """What it does, in a few words."""
    why: str
    """The one-line reason for it."""
    patterns: str
    """The letters of the patterns it applies to."""


SAFEGUARDS: dict[str, Safeguard] = {s.name: s for s in (
    Safeguard("checked-slots", "Book only slots the calendar offered",
              "A model can name a slot nobody checked (made up, or copied from an example); booking it skips the "
              "check the user relies on.", "CEG"),
    Safeguard("one-booking", "One booking per request",
              "The user asked for one court; a model that books again books what nobody asked for.", "CG"),
    Safeguard("repeat-stop", "No second identical call in a turn",
              "A weak model repeats a call it has already made; the second answer adds nothing, and the loop runs "
              "to its cap.", "CG"),
    Safeguard("calendar-word", "The calendar's word in the reply",
              "A reply can claim a booking the calendar does not hold, or leave out one this turn made; the user is "
              "told what the calendar holds.", "ABCDEFG"),
)}


def applying_to(letter: str) -> list[Safeguard]:
    """The safeguards that apply to pattern `letter`, in `SAFEGUARDS` order."""
    return [s for s in SAFEGUARDS.values() if letter in s.patterns]


def held_in_words(made: list[BookingRow]) -> str:
    """A turn's bookings as the calendar holds them, in words (or that there are none)."""
    if not made:
        return "Nothing was booked."
    return "The calendar holds from this turn: " + "; ".join(
        f"court {b.court} on {human_when(b.date, b.time)}, confirmation {b.confirmation}" for b in made) + "."


# --- calendar-word (every pattern) ---------------------------------------------------------------


def calendar_word(reply: str, made: list[BookingRow], why: str) -> str:
    """The reply with what the calendar holds from this turn beside it."""
    guarded("calendar-word", f"{why} → add what the calendar holds", target="user")
    return f"{reply}\n\n(Checked against the calendar: {held_in_words(made)})"


# --- Pattern C: between a suggested call and running it -------------------------------------------


class LoopChecks:
    """What C's own loop can check before running a call the model suggested: checked-slots,
    one-booking and repeat-stop. With safeguards off, every check lets the call through."""

    def __init__(self, on: bool, made_this_turn: Callable[[], list[BookingRow]]) -> None:
        self.on, self.made_this_turn = on, made_this_turn
        self.offered: set[str] = set()
        """Every slot check_availability returned in this conversation."""
        self.calls: set[tuple[str, str]] = set()
        """This turn's calls that ran, as (tool, arguments)."""

    def new_turn(self) -> None:
        self.calls = set()

    def repeated(self, name: str, arguments: str) -> bool:
        """repeat-stop: whether this exact call was made before in this turn (then the loop stops)."""
        if not self.on:
            return False
        if (name, arguments) in self.calls:
            guarded("repeat-stop", f"the model asked for {name} again with the same arguments → stop the loop")
            return True
        return False

    def refusal(self, name: str, arguments: str) -> str | None:
        """checked-slots and one-booking: why a suggested booking is not run (told to the model), or None."""
        if not self.on or name != "book":
            return None
        parsed = json_or_text(arguments)
        slot = parsed.get("slot_id") if isinstance(parsed, dict) else None
        if not isinstance(slot, str):
            return None  # not a call at all: the tool's own validation refuses it
        if slot not in self.offered:
            guarded("checked-slots", f"refuse book({slot}): check_availability never returned that slot")
            return _error(f"Not booked: {slot} was not among the open slots check_availability returned. "
                          "Check availability first.")
        made = self.made_this_turn()
        if made:
            guarded("one-booking", f"refuse book({slot}): this request has booked already")
            return _error(f"Not booked: one request books at most one slot. {held_in_words(made)}")
        return None

    def saw(self, name: str, arguments: str, outcome: ToolOutcome) -> None:
        """Remember a call that ran (a retry after an error is no repeat), and the slots a check returned."""
        if outcome.result.status != "error":  # it ran (a refusal included): asking again is a repeat
            self.calls.add((name, arguments))
        if isinstance(outcome.result, Availability):
            self.offered |= _ids(outcome.result)


# --- Pattern E: between the steps, and a guardrail on step 2 --------------------------------------


@dataclass(frozen=True)
class CheckedSlots(BookingContext):
    """Step 2's context with checked-slots on: the session's calendar and user, and the slots it may book."""

    slot_ids: tuple[str, ...] = ()


def checked_slots(ids: list[str], returned: list[Availability]) -> list[str]:
    """checked-slots in E: of the ids step 1 reported, keep those check_availability really returned."""
    offered = set().union(*(_ids(result) for result in returned)) if returned else set()
    kept = [i for i in ids if i in offered]
    if kept != ids:
        dropped = [i for i in ids if i not in kept]
        guarded("checked-slots", f"drop {', '.join(dropped)}: check_availability never returned "
                                 f"{'it' if len(dropped) == 1 else 'them'}", kept=kept)
    return kept


def only_checked_slots(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
    """checked-slots inside E's step 2, as a tool guardrail: the booking agent may book one of the checked slots
    and nothing else."""
    from agents import ToolGuardrailFunctionOutput

    allowed = data.context.context.slot_ids
    parsed = json_or_text(data.context.tool_arguments or "{}")
    asked = parsed.get("slot_id") if isinstance(parsed, dict) else None
    if asked in allowed or not isinstance(asked, str):  # not a call at all: the SDK's own validation refuses it
        return ToolGuardrailFunctionOutput.allow()
    guarded("checked-slots", f"refuse book({asked}): not among the checked slots")
    return ToolGuardrailFunctionOutput.reject_content(
        f"Refused: {asked} was not among the checked slots ({', '.join(allowed)}).",
        output_info={"asked": asked, "allowed": list(allowed)})


def with_guardrail(agent: Agent[Any]) -> Agent[Any]:
    """E's booking agent with `only_checked_slots` on its `book` tool."""
    from agents import FunctionTool, tool_input_guardrail

    guardrail = tool_input_guardrail(only_checked_slots)
    tools = [dataclasses.replace(tool, tool_input_guardrails=[guardrail])
             if isinstance(tool, FunctionTool) and tool.name == "book" else tool for tool in agent.tools]
    return agent.clone(tools=tools)


# --- Pattern G: around each Lambda ----------------------------------------------------------------


class LambdaChecks:
    """G's checks around the Lambdas the manager's tools invoke (a runtime wrapper, so the tools stay plain
    invocations): the booking Lambda is told which slots the availability Lambda returned (it books no other,
    `booking_refusal`), a request books at most once, and the same task to the same Lambda, with nothing new
    offered since, gets the answer it got before."""

    def __init__(self, runtime: LambdaRuntime, availability: str, booking: str,
                 made_this_turn: Callable[[], list[BookingRow]], turn: Callable[[], int]) -> None:
        self.runtime, self.availability, self.booking = runtime, availability, booking
        self.made_this_turn, self.turn = made_this_turn, turn
        self.offered: set[str] = set()
        """Slot ids the availability Lambda returned in this conversation."""
        self._answered: dict[tuple[int, str, str, tuple[str, ...]], Any] = {}

    def invoke(self, function_name: str, event: Mapping[str, Any]) -> Any:
        if function_name == self.booking:
            made = self.made_this_turn()
            if made:
                guarded("one-booking", "refuse a second booking: this request has booked already")
                return {"output": f"Not booked: one request books at most one slot. {held_in_words(made)}"}
            event = {**event, "offered": sorted(self.offered)}
        # What the answer depends on: this turn, the Lambda, the task, and (the booking Lambda's) the slots offered.
        asked = (self.turn(), function_name, str(event.get("task")), tuple(event.get("offered", ())))
        if asked in self._answered:
            guarded("repeat-stop", f"the manager sent {function_name} the same task again → its earlier answer")
            return self._answered[asked]
        result = self.runtime.invoke(function_name, event)
        if function_name == self.availability and isinstance(result, dict):
            self.offered |= {s for s in result.get("slot_ids", []) if isinstance(s, str)}
        self._answered[asked] = result
        return result


def booking_refusal(name: str, arguments: Any, offered: list[str] | None, booked: Booked | None) -> str | None:
    """checked-slots and one-booking inside G's booking Lambda: why a `book` its agent asked for is not run, or None.
    `offered` is None when safeguards are off (the event carries no list)."""
    slot = arguments.get("slot_id") if isinstance(arguments, dict) else None
    if name != "book" or offered is None or not isinstance(slot, str):  # not a call at all: `run_tool` refuses it
        return None
    if booked is not None:
        guarded("one-booking", f"refuse book({slot}): this task has booked already")
        return (f"Not booked: this task books one slot, and {slot_id(booked.court, booked.date, booked.time)} is "
                "booked already.")
    if slot not in offered:
        guarded("checked-slots", f"refuse book({slot}): the availability Lambda never returned it")
        return f"Not booked: {slot} is not among the open slots the availability Lambda returned in this conversation."
    return None


def _ids(result: Availability) -> set[str]:
    slots: list[Slot] = [*result.slots, *result.other_times]
    return {s.slot_id for s in slots}


def _error(message: str) -> str:
    return json.dumps({"status": "error", "message": message})
