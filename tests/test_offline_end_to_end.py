"""The article's dialogue through each vendor SDK's own tool loop, against the real offline brain.

The wire adapters are tested with scripted brains elsewhere; here the whole offline model answers,
so each protocol is shown to carry a real booking conversation end to end. At the end, requests that
must not be half done (two courts, follow-ups the tools cannot serve) through every pattern's own code.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import agents
import openai
import pytest
from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool
from agents.tool_context import ToolContext

from orchestration import tools
from orchestration.calendar import Calendar
from orchestration.vendors.clients import Clients

from .helpers import TOMORROW, bookings_by, converse, new_calendar

SYSTEM = "You are a tennis club's booking assistant. Today is 2025-12-03 (Wednesday)."
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


@pytest.fixture
def calendar(tmp_path: Path) -> Calendar:
    return new_calendar(tmp_path)


@pytest.fixture
def context(calendar: Calendar) -> tools.BookingContext:
    return tools.BookingContext(calendar, "alice", "test")


def _assert_booked(replies: list[str], calendar: Calendar) -> None:
    assert replies[0] == "What time would you like?"
    assert replies[1] == "Courts A and B are free tomorrow (Thursday 4 December) at 15:00. Which one would you like?"
    assert replies[2].startswith("Booked! Court A, tomorrow (Thursday 4 December) at 15:00.")
    assert bookings_by(calendar, "alice") == [("A", TOMORROW, "15:00")]


def test_anthropic_messages(calendar: Calendar, context: tools.BookingContext) -> None:
    client = Clients().anthropic
    messages: list[dict[str, Any]] = []
    replies = []
    for text in DIALOGUE:
        messages.append({"role": "user", "content": text})
        while True:
            response = client.messages.create(model="m", max_tokens=500, system=SYSTEM, messages=messages,
                                              tools=tools.anthropic_tools())
            messages.append({"role": "assistant",
                             "content": [b.model_dump(exclude_none=True) for b in response.content]})
            uses = [b for b in response.content if b.type == "tool_use"]
            if response.stop_reason != "tool_use":
                replies.append("".join(b.text for b in response.content if b.type == "text"))
                break
            messages.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": u.id,
                 "content": tools.run_tool(u.name, u.input, context).as_json()}
                for u in uses]})
    assert response.usage.input_tokens > 0
    _assert_booked(replies, calendar)


def test_bedrock_converse(calendar: Calendar, context: tools.BookingContext) -> None:
    client = Clients().aws("bedrock-runtime")
    messages: list[dict[str, Any]] = []
    replies = []
    for text in DIALOGUE:
        messages.append({"role": "user", "content": [{"text": text}]})
        while True:
            response = client.converse(modelId="m", system=[{"text": SYSTEM}], messages=messages,
                                       toolConfig=tools.bedrock_converse_tools())
            message = response["output"]["message"]
            messages.append(message)
            if response["stopReason"] != "tool_use":
                replies.append("".join(block.get("text", "") for block in message["content"]))
                break
            messages.append({"role": "user", "content": [
                {"toolResult": {"toolUseId": b["toolUse"]["toolUseId"], "content": [
                    {"json": tools.run_tool(b["toolUse"]["name"], b["toolUse"]["input"], context).as_dict()}]}}
                for b in message["content"] if "toolUse" in b]})
    assert response["usage"]["inputTokens"] > 0
    _assert_booked(replies, calendar)


def test_openai_chat_completions_streaming(calendar: Calendar, context: tools.BookingContext) -> None:
    client = Clients().openai
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}]
    replies = []
    for text in DIALOGUE:
        messages.append({"role": "user", "content": text})
        while True:
            with client.chat.completions.stream(model="m", messages=messages,
                                                tools=tools.openai_chat_tools()) as stream:
                message = stream.get_final_completion().choices[0].message
            if not message.tool_calls:
                messages.append({"role": "assistant", "content": message.content})
                replies.append(message.content)
                break
            messages.append({"role": "assistant", "tool_calls": [
                {"id": c.id, "type": "function",
                 "function": {"name": c.function.name, "arguments": c.function.arguments}}
                for c in message.tool_calls]})
            messages += [{"role": "tool", "tool_call_id": c.id,
                          "content": tools.run_tool(c.function.name, c.function.arguments, context).as_json()}
                         for c in message.tool_calls]
    _assert_booked(replies, calendar)


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
def test_agents_sdk_runner_with_session_memory(calendar: Calendar, context: tools.BookingContext, api: str) -> None:
    """Runner.run with the same typed tools as function tools; the user travels in the run context."""
    agents.set_trace_processors([])
    client = Clients().async_openai()
    model = (OpenAIResponsesModel(model="m", openai_client=client) if api == "responses"
             else OpenAIChatCompletionsModel(model="m", openai_client=client))
    agent: Agent[tools.BookingContext] = Agent(
        name="Booking", instructions=SYSTEM, model=model,
        tools=[function_tool(tools.check_availability), function_tool(tools.book)])

    async def conversation() -> list[str]:
        session = agents.SQLiteSession("test")
        return [str((await Runner.run(agent, text, context=context, session=session)).final_output)
                for text in DIALOGUE]

    _assert_booked(asyncio.run(conversation()), calendar)


def test_the_context_never_reaches_the_model(calendar: Calendar, context: tools.BookingContext) -> None:
    """Neither the user nor the calendar is a tool parameter; the SDK passes them only to the function."""
    tool = function_tool(tools.book)
    assert set(tool.params_json_schema["properties"]) == {"slot_id"}
    arguments = json.dumps({"slot_id": f"B-{TOMORROW}-1500"})
    result = asyncio.run(tool.on_invoke_tool(
        ToolContext(context=context, tool_name="book", tool_call_id="c1", tool_arguments=arguments), arguments))
    assert json.loads(str(result)) == {"status": "booked", "confirmation": result.confirmation, "court": "B",
                                       "date": TOMORROW, "time": "15:00", "user": "alice", "already_held": False}


def test_serve_answers_a_real_client_over_loopback() -> None:
    """`python -m orchestration serve` as a user starts it, with the network guard installed."""
    guard = ("import tests.netguard as g; g.install(); import runpy; runpy.run_module('orchestration', "
             "run_name='__main__')")
    server = subprocess.Popen([sys.executable, "-u", "-c", guard, "serve", "--port", "0"],
                              cwd=Path(__file__).parents[1],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = server.stdout.readline()
        port = int(re.search(r":(\d+)$", first_line.strip()).group(1))
        client = openai.OpenAI(api_key="anything", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=30)
        reply = client.chat.completions.create(model="m", messages=[
            {"role": "system", "content": SYSTEM}, {"role": "user", "content": "hello"}])
        assert reply.choices[0].message.content.startswith("Hi!")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert first_line.startswith("offline model (rule-based) on http://127.0.0.1:")



LETTERS = "ABCDEFG"


@pytest.mark.parametrize("letter", LETTERS)
def test_two_courts_through_every_patterns_own_code(calendar: Calendar, letter: str) -> None:
    """The visitor's request: one booking per request, so court A is booked and the reply says court B is not
    (never a bare "Booked! Court A"); a yes books B. A's parse carries the other court in its own field."""
    chat = converse(letter, calendar)
    first = chat.send("Book courts A and B tomorrow at 3pm")
    assert first.startswith("Booked! Court A") and re.search(r"court B is not booked yet\. Shall I book", first), first
    assert bookings_by(calendar, "alice") == [("A", TOMORROW, "15:00")]
    assert chat.send("yes").startswith("Booked! Court B")
    assert bookings_by(calendar, "alice") == [("A", TOMORROW, "15:00"), ("B", TOMORROW, "15:00")]


@pytest.mark.parametrize("letter", LETTERS)
def test_follow_ups_the_tools_cannot_serve_get_their_own_answer(calendar: Calendar, letter: str) -> None:
    """Regression: after an offer not taken up, "What have I booked?" and "Cancel my booking" got the offer again
    (C, G) or "What time would you like?" (A); in another language, nothing said that only English is read."""
    chat = converse(letter, calendar)
    offer = chat.send("bok court b tmrw 6pm")
    for text in ("What have I booked?", "Cancel my booking"):
        reply = chat.send(text)
        assert reply != offer and re.search(r"can't (cancel|look up)", reply), (text, reply)
        assert not re.search(r"what time|no courts are free", reply, re.I), (text, reply)
    assert "English" in converse(letter, calendar).send("Reserva la pista A mañana a las 10")
    assert bookings_by(calendar, "alice") == []
