"""No text a model reads carries a scenario's answer.

An example in a prompt, a tool's description or a calendar message that happens to be the booking a
scenario expects ("e.g. A-2025-12-04-1500") pushes a real model into booking the example, and then a
scenario passes for the wrong reason. Examples show the format (`<court>-<YYYY-MM-DD>-<HHMM>`) or a
value no scenario uses. Every expected booking of the suite — its slot id, date and time (also as
HHMM) — must appear in none of:

- the tools as each vendor receives them, and every Agents SDK agent's tools and output type;
- the Bedrock agents' instructions and every pattern module's module-level strings;
- the calendar's refusal messages and the tool runner's error messages;
- what really reaches the model in each pattern's article dialogue: every request's system prompt,
  tools and output schema (requests from every vendor: OpenAI chat and responses, Anthropic
  messages, Bedrock Converse and Bedrock Agents, G's Lambdas included).

Today's date (2025-12-03) is in every today line; no scenario expects it as a booking date.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agents import Agent
from agents.agent_output import AgentOutputSchema

from orchestration import scenarios, tools
from orchestration.calendar import Refused, slot_id
from orchestration.vendors.offline.protocol import ModelRequest

from .helpers import TODAY, VENDORS, Recorded, bookings_by, converse, new_calendar

# --- What no task text may say --------------------------------------------------------------------


def _expected_values() -> dict[str, str]:
    """Every value a scenario expects to see booked -> the scenario that expects it."""
    values: dict[str, str] = {}
    for scenario in scenarios.load():
        for booking in scenario.bookings:
            for value in (slot_id(booking.court, booking.date, booking.time), booking.date, booking.time,
                          booking.time.replace(":", "")):
                values.setdefault(value, scenario.id)
    return values


EXPECTED = _expected_values()
_EXPECTED_RE = re.compile("|".join(rf"(?<![0-9]){re.escape(v)}(?![0-9])"
                                   for v in sorted(EXPECTED, key=len, reverse=True)))


def test_the_expected_values_are_the_scenarios_answers() -> None:
    """The check is on expected bookings only: today's date is not one of them."""
    assert {"A-2025-12-04-1500", "2025-12-04", "15:00", "1500", "09:00", "2025-12-10"} <= set(EXPECTED)
    assert TODAY.isoformat() not in EXPECTED


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _leaks(texts: dict[str, Any]) -> list[str]:
    """`where: value (expected by scenario), ...` for every text that carries an expected value."""
    found = []
    for where, value in texts.items():
        hits = dict.fromkeys(m.group(0) for m in _EXPECTED_RE.finditer(_text(value)))
        if hits:
            found.append(f"{where}: " + ", ".join(f"{hit!r} (scenario {EXPECTED[hit]!r})" for hit in hits))
    return found


def _assert_no_leaks(texts: dict[str, Any]) -> None:
    assert texts, "nothing was checked"
    leaks = _leaks(texts)
    assert not leaks, ("Text a model reads carries a scenario's expected answer; show the format "
                       "(<court>-<YYYY-MM-DD>-<HHMM>, YYYY-MM-DD, HH:MM) or a value no scenario uses:\n  "
                       + "\n  ".join(leaks))


def test_the_check_finds_a_planted_example() -> None:
    assert _leaks({"planted": "e.g. A-2025-12-04-1500", "fine": "Today is 2025-12-03; from 07:00 to 21:00."}) == [
        "planted: 'A-2025-12-04-1500' (scenario 'one-message-named-free-court')"]


# --- Texts defined in code ------------------------------------------------------------------------

RENDERINGS: dict[str, Callable[[], Any]] = {
    "openai_chat_tools": tools.openai_chat_tools, "openai_responses_tools": tools.openai_responses_tools,
    "anthropic_tools": tools.anthropic_tools, "bedrock_converse_tools": tools.bedrock_converse_tools,
    "bedrock_agent_functions": tools.bedrock_agent_functions,
}


@pytest.mark.parametrize("name", RENDERINGS)
def test_no_answer_in_any_vendors_rendering_of_the_tools(name: str) -> None:
    _assert_no_leaks({f"orchestration.tools.{name}()": RENDERINGS[name]()})


AGENTS = {
    "D": ("orchestration.patterns.d_agents_sdk", "booking_agent"),
    "E step 1": ("orchestration.patterns.e_workflow", "availability_agent"),
    "E step 2": ("orchestration.patterns.e_workflow", "booking_agent"),
    "F manager": ("orchestration.patterns.f_manager_bedrock.manager", "manager"),
    "G manager": ("orchestration.patterns.g_lambda_agents.manager", "manager"),
}


@pytest.mark.parametrize("which", AGENTS)
def test_no_answer_in_an_agents_tools_or_output_type(which: str) -> None:
    module, name = AGENTS[which]
    agent: Agent[Any] = getattr(importlib.import_module(module), name)
    texts: dict[str, Any] = {}
    for tool in agent.tools:
        texts[f"{module}.{name}: tool {tool.name} description"] = getattr(tool, "description", "")
        texts[f"{module}.{name}: tool {tool.name} params_json_schema"] = getattr(tool, "params_json_schema", {})
    if isinstance(agent.instructions, str):
        texts[f"{module}.{name}: instructions"] = agent.instructions
    if agent.output_type is not None:
        texts[f"{module}.{name}: output_type {agent.output_type.__name__}"] = \
            AgentOutputSchema(agent.output_type).json_schema()
    _assert_no_leaks(texts)


BEDROCK_AGENTS = {
    "B": ("orchestration.patterns.b_bedrock_agent", "BOOKING_AGENT"),
    "F availability": ("orchestration.patterns.f_manager_bedrock.availability_agent", "AVAILABILITY_AGENT"),
    "F booking": ("orchestration.patterns.f_manager_bedrock.booking_agent", "BOOKING_AGENT"),
}


@pytest.mark.parametrize("which", BEDROCK_AGENTS)
def test_no_answer_in_a_bedrock_agents_definition(which: str) -> None:
    module, name = BEDROCK_AGENTS[which]
    definition = getattr(importlib.import_module(module), name)
    _assert_no_leaks({f"{module}.{name}.instruction": definition.instruction,
                      f"{module}.{name} as deployed": definition.as_request("model")})


PATTERN_MODULES = (
    "a_ai_as_service", "b_bedrock_agent", "base", "bedrock_agents", "c_function_calling", "d_agents_sdk", "e_workflow",
    "manager", "memory", "f_manager_bedrock.manager", "f_manager_bedrock.availability_agent",
    "f_manager_bedrock.booking_agent", "g_lambda_agents.manager", "g_lambda_agents.availability_lambda",
    "g_lambda_agents.booking_lambda",
)


@pytest.mark.parametrize("name", PATTERN_MODULES)
def test_no_answer_in_a_pattern_modules_strings(name: str) -> None:
    """Prompts, instructions and rules: every module-level string constant (docstrings aside)."""
    module = importlib.import_module(f"orchestration.patterns.{name}")
    texts = {f"{module.__name__}.{key}": value for key, value in vars(module).items()
             if isinstance(value, str) and not key.startswith("__")}
    if texts:
        _assert_no_leaks(texts)


def test_no_answer_in_the_calendars_refusals_or_the_tool_runners_errors(tmp_path: Path) -> None:
    """What a model reads back after a bad call. Inputs use hours and days no scenario expects, since
    some messages name the input back ("Try 20:00 or 21:00")."""
    calendar = new_calendar(tmp_path)
    context = tools.BookingContext(calendar, "alice", "test")
    calendar.book("A-2025-12-20-1200", "bob")
    refusals = {
        "malformed time": calendar.check_availability("2025-12-20", "noon"),
        "time off the hour": calendar.check_availability("2025-12-20", "20:30"),
        "before opening": calendar.check_availability("2025-12-20", "06:00"),
        "malformed date": calendar.check_availability("20 December"),
        "a day in the past": calendar.check_availability("2025-12-01", "12:00"),
        "too far ahead": calendar.check_availability("2026-02-20", "12:00"),
        "malformed slot id": calendar.book("court A at noon", "alice"),
        "no such court": calendar.book("E-2025-12-20-1200", "alice"),
        "slot id with no real date": calendar.book("A-2025-13-40-1200", "alice"),
        "slot id with no real time": calendar.book("A-2025-12-20-2561", "alice"),
        "slot id off the hour": calendar.book("A-2025-12-20-1230", "alice"),
        "slot id after closing": calendar.book("A-2025-12-20-2200", "alice"),
        "booking a past day": calendar.book("A-2025-12-01-1200", "alice"),
        "a taken slot": calendar.book("A-2025-12-20-1200", "alice"),
    }
    for why, refusal in refusals.items():
        assert isinstance(refusal, Refused), why
    errors = {
        "unknown tool": tools.run_tool("cancel", "{}", context),
        "arguments not JSON": tools.run_tool("book", "{slot", context),
        "arguments not an object": tools.run_tool("book", "[]", context),
        "unexpected argument": tools.run_tool("book", {"slot_id": "A-2025-12-20-1300", "user": "bob"}, context),
        "invalid arguments": tools.run_tool("check_availability", {"date": "soon", "time": "noon"}, context),
        "missing argument": tools.run_tool("book", {}, context),
    }
    texts = {f"refusal ({why})": refusal.message for why, refusal in refusals.items()}  # type: ignore[union-attr]
    texts |= {f"tool error ({why})": outcome.as_json() for why, outcome in errors.items()}
    _assert_no_leaks(texts)


# --- What reaches the model -----------------------------------------------------------------------

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")

VENDORS_OF = {
    "A": {"Bedrock Converse"},
    "B": {"Bedrock Agents"},
    "C": {"OpenAI chat completions"},
    "D": {"OpenAI responses"},
    "E": {"OpenAI responses"},
    "F": {"OpenAI responses", "Bedrock Agents"},
    "G": {"OpenAI responses", "Bedrock Converse", "Anthropic messages"},
}
"""Who each pattern's article dialogue reaches; G's Lambdas build their own clients, in-process."""


def test_the_dialogues_reach_every_vendor() -> None:
    assert set().union(*VENDORS_OF.values()) == set(VENDORS.values())


def _request_texts(letter: str, n: int, vendor: str, request: ModelRequest) -> dict[str, Any]:
    where = f"pattern {letter}, request {n} ({vendor})"
    texts: dict[str, Any] = {f"{where}: system": request.system}
    for tool in request.tools:
        texts[f"{where}: tool {tool.name}"] = {"name": tool.name, "description": tool.description,
                                                "parameters": tool.parameters}
    if request.output_schema is not None:
        texts[f"{where}: output_schema"] = request.output_schema
    return texts


@pytest.mark.parametrize("letter", "ABCDEFG")
def test_no_answer_in_what_reaches_the_model_in_the_articles_dialogue(
        letter: str, tmp_path: Path, requests_to_the_model: Recorded) -> None:
    calendar = new_calendar(tmp_path)
    chat = converse(letter, calendar)
    for text in DIALOGUE:
        chat.send(text)
    assert bookings_by(calendar, "alice") == [("A", "2025-12-04", "15:00")], "the dialogue ran as the article's"
    assert {vendor for vendor, _ in requests_to_the_model} == VENDORS_OF[letter]
    texts: dict[str, Any] = {}
    for n, (vendor, request) in enumerate(requests_to_the_model, start=1):
        texts |= _request_texts(letter, n, vendor, request)
    _assert_no_leaks(texts)
