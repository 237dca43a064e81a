"""The offline model's OpenAI doors, driven by the real `openai` and `openai-agents` SDKs.

Every test talks through the SDKs' own request building and response parsing: the in-process
`OfflineTransport` (sync and async) or the loopback server. A scripted brain stands in for the
rule-based one: it answers with the replies a test gives and keeps the neutral requests it got,
so each test can assert exactly what the adapter made of the vendor request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import agents
import httpx2
import openai
import pydantic
import pytest
from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool

from orchestration.vendors.offline import OfflineModel
from orchestration.vendors.offline.protocol import (
    Message,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolDef,
    ToolResult,
    Usage,
)
from orchestration.vendors.offline.server import make_server
from orchestration.vendors.offline.transport import OfflineTransport
from orchestration.vendors.offline.wire import WireRequest, WireResponse

from .helpers import ScriptedBrain

BASE_URL = "http://offline.invalid/v1"

WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
WEATHER_TOOL = ToolDef("get_weather", "Current weather in a city.", WEATHER_PARAMETERS)
CHAT_WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Current weather in a city.", "parameters": WEATHER_PARAMETERS},
}
RESPONSES_WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": WEATHER_PARAMETERS,
    "strict": False,
}




def client(brain: ScriptedBrain) -> openai.OpenAI:
    """The real sync client, reaching the offline model through its transport hook."""
    transport = OfflineModel(brain).transport()
    return openai.OpenAI(base_url=BASE_URL, api_key="offline", http_client=httpx2.Client(transport=transport))


def async_client(brain: ScriptedBrain) -> openai.AsyncOpenAI:
    """The real async client, reaching the offline model through its transport hook."""
    transport = OfflineModel(brain).transport()
    return openai.AsyncOpenAI(base_url=BASE_URL, api_key="offline", http_client=httpx2.AsyncClient(transport=transport))


def weather(city: str) -> str:
    """The tool the tests run when the model asks for it."""
    return json.dumps({"city": city, "sky": "sunny", "celsius": 21})


@pytest.fixture(autouse=True)
def no_trace_upload() -> None:
    """The Agents SDK's default trace exporter would upload to OpenAI; keep no processors at all."""
    agents.set_trace_processors([])


# --- Chat Completions --------------------------------------------------------------------------


def test_chat_tool_round_trip() -> None:
    brain = ScriptedBrain(
        [
            ModelReply(tool_calls=(ToolCall("get_weather", '{"city": "Paris"}', "call_w1"),), usage=Usage(40, 9)),
            ModelReply("It is sunny in Paris, 21 °C.", usage=Usage(60, 8)),
        ]
    )
    sdk = client(brain)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a weather assistant."},
        {"role": "user", "content": "Weather in Paris?"},
    ]

    first = sdk.chat.completions.create(model="offline", messages=messages, tools=[CHAT_WEATHER_TOOL])

    assert first.object == "chat.completion" and first.id.startswith("chatcmpl-") and first.model == "offline"
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert (call.id, call.type, call.function.name, call.function.arguments) == (
        "call_w1",
        "function",
        "get_weather",
        '{"city": "Paris"}',
    )
    assert first.usage is not None
    assert (first.usage.prompt_tokens, first.usage.completion_tokens, first.usage.total_tokens) == (40, 9, 49)

    messages.append(choice.message.model_dump(exclude_none=True))
    result = weather(**json.loads(call.function.arguments))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    final = sdk.chat.completions.create(model="offline", messages=messages, tools=[CHAT_WEATHER_TOOL])

    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == "It is sunny in Paris, 21 °C."
    assert final.choices[0].message.tool_calls is None
    assert brain.requests == [
        ModelRequest(
            model="offline",
            system="You are a weather assistant.",
            messages=(Message("user", "Weather in Paris?"),),
            tools=(WEATHER_TOOL,),
        ),
        ModelRequest(
            model="offline",
            system="You are a weather assistant.",
            messages=(
                Message("user", "Weather in Paris?"),
                Message("assistant", tool_calls=(ToolCall("get_weather", '{"city": "Paris"}', "call_w1"),)),
                Message("tool", tool_results=(ToolResult("call_w1", weather("Paris"), "get_weather"),)),
            ),
            tools=(WEATHER_TOOL,),
        ),
    ]


def test_chat_two_tool_calls_in_one_reply_get_fresh_ids_and_one_tool_turn() -> None:
    calls = (ToolCall("get_weather", '{"city": "Paris"}'), ToolCall("get_weather", '{"city": "Oslo"}'))
    brain = ScriptedBrain([ModelReply("Checking both.", calls), ModelReply("Paris and Oslo are sunny.")])
    sdk = client(brain)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Paris and Oslo?"}]

    first = sdk.chat.completions.create(model="offline", messages=messages, tools=[CHAT_WEATHER_TOOL])

    message = first.choices[0].message
    assert message.content == "Checking both."
    made = message.tool_calls or []
    assert [json.loads(c.function.arguments)["city"] for c in made] == ["Paris", "Oslo"]
    assert all(c.id.startswith("call_") for c in made) and made[0].id != made[1].id

    messages.append(message.model_dump(exclude_none=True))
    for made_call in made:
        result = weather(**json.loads(made_call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": made_call.id, "content": result})
    sdk.chat.completions.create(model="offline", messages=messages, tools=[CHAT_WEATHER_TOOL])

    sent_calls = tuple(ToolCall(c.function.name, c.function.arguments, c.id) for c in made)
    assert brain.requests[1].messages[1:] == (
        Message("assistant", "Checking both.", sent_calls),
        Message(
            "tool",
            tool_results=(
                ToolResult(made[0].id, weather("Paris"), "get_weather"),
                ToolResult(made[1].id, weather("Oslo"), "get_weather"),
            ),
        ),
    )


def test_chat_stream_with_tools_assembles_with_the_sdk_helper() -> None:
    text = "Let me look up the weather in both cities for you."
    calls = (
        ToolCall("get_weather", '{"city": "Paris", "units": "metric"}'),
        ToolCall("get_weather", '{"city": "Oslo"}'),
    )
    brain = ScriptedBrain([ModelReply(text, calls, Usage(30, 25))])
    sdk = client(brain)

    with sdk.chat.completions.stream(
        model="offline",
        messages=[{"role": "user", "content": "Paris and Oslo?"}],
        tools=[CHAT_WEATHER_TOOL],
        stream_options={"include_usage": True},
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_completion()

    assert kinds.count("content.delta") > 1
    assert kinds.count("tool_calls.function.arguments.delta") > 2
    assert kinds.count("tool_calls.function.arguments.done") == 2
    choice = final.choices[0]
    assert (choice.finish_reason, choice.message.content) == ("tool_calls", text)
    assert [(c.function.name, c.function.arguments) for c in choice.message.tool_calls or []] == [
        (call.name, call.arguments) for call in calls
    ]
    assert final.usage is not None and (final.usage.prompt_tokens, final.usage.completion_tokens) == (30, 25)


def test_chat_raw_stream_chunks() -> None:
    brain = ScriptedBrain([ModelReply("Hello from the offline model.", usage=Usage(5, 7))])
    sdk = client(brain)

    chunks = list(
        sdk.chat.completions.create(
            model="offline",
            messages=[{"role": "user", "content": "Hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )

    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk.id for chunk in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello from the offline model."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 12


def test_chat_multi_turn_with_developer_message_and_text_parts() -> None:
    brain = ScriptedBrain([ModelReply("Tuesday at 10 works.")])
    sdk = client(brain)

    sdk.chat.completions.create(
        model="offline",
        messages=[
            {"role": "system", "content": "You book meetings."},
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": "Book a meeting with Ana."},
            {"role": "assistant", "content": "Which day?"},
            {"role": "user", "content": [{"type": "text", "text": "Tuesday."}, {"type": "text", "text": "Morning."}]},
        ],
    )

    assert brain.requests == [
        ModelRequest(
            model="offline",
            system="You book meetings.\n\nBe brief.",
            messages=(
                Message("user", "Book a meeting with Ana."),
                Message("assistant", "Which day?"),
                Message("user", "Tuesday.\nMorning."),
            ),
        )
    ]


class Meeting(pydantic.BaseModel):
    person: str
    day: str


def test_chat_json_formats() -> None:
    brain = ScriptedBrain([ModelReply('{"person": "Ana", "day": "Tuesday"}'), ModelReply('{"ok": true}')])
    sdk = client(brain)

    parsed = sdk.chat.completions.parse(
        model="offline",
        messages=[{"role": "user", "content": "Meeting with Ana on Tuesday."}],
        response_format=Meeting,
    )
    sdk.chat.completions.create(
        model="offline",
        messages=[{"role": "user", "content": "Answer in JSON."}],
        response_format={"type": "json_object"},
        tool_choice="none",
    )

    assert parsed.choices[0].message.parsed == Meeting(person="Ana", day="Tuesday")
    schema = brain.requests[0].output_schema
    assert schema is not None and set(schema["properties"]) == {"person", "day"}
    assert (brain.requests[1].output_schema, brain.requests[1].tool_choice) == ({}, "none")


def test_chat_named_tool_choice() -> None:
    brain = ScriptedBrain([ModelReply(tool_calls=(ToolCall("get_weather", '{"city": "Rome"}'),))])

    client(brain).chat.completions.create(
        model="offline",
        messages=[{"role": "user", "content": "Rome?"}],
        tools=[CHAT_WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )

    assert brain.requests[0].tool_choice == "get_weather"


@pytest.mark.parametrize(
    ("messages", "extra", "message", "param"),
    [
        ([], {}, "'messages' must be a non-empty list", "messages"),
        (
            [{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "call_nope", "content": "{}"}],
            {},
            "tool message answers tool_call_id 'call_nope', but no earlier assistant message made that call",
            "messages[1].tool_call_id",
        ),
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}],
            {},
            "the offline model reads text only; content part type 'image_url' is not supported",
            "messages[0].content[0]",
        ),
        (
            [{"role": "user", "content": "Hi"}],
            {"tools": [CHAT_WEATHER_TOOL], "tool_choice": {"type": "function", "function": {"name": "book"}}},
            "tool_choice names 'book', which is not among the tools",
            "tool_choice",
        ),
        (
            [{"role": "user", "content": "Hi"}],
            {"stream_options": {"include_usage": True}},
            "'stream_options' is only allowed when 'stream' is enabled",
            "stream_options",
        ),
    ],
)
def test_chat_bad_requests_are_openai_400s(
    messages: list[dict[str, Any]], extra: dict[str, Any], message: str, param: str
) -> None:
    brain = ScriptedBrain([])

    with pytest.raises(openai.BadRequestError) as raised:
        client(brain).chat.completions.create(model="offline", messages=messages, **extra)

    assert raised.value.status_code == 400
    assert raised.value.body == {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    assert message in raised.value.message
    assert brain.requests == []


def test_chat_async_stream_through_async_transport() -> None:
    brain = ScriptedBrain([ModelReply("Async streaming works end to end.")])

    async def collect() -> str:
        stream = await async_client(brain).chat.completions.create(
            model="offline", messages=[{"role": "user", "content": "Hi"}], stream=True
        )
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])

    assert asyncio.run(collect()) == "Async streaming works end to end."


# --- Responses API -----------------------------------------------------------------------------


def test_responses_function_call_round_trip() -> None:
    brain = ScriptedBrain(
        [
            ModelReply("Checking.", (ToolCall("get_weather", '{"city": "Paris"}', "call_w1"),), Usage(50, 12)),
            ModelReply("Sunny, 21 °C.", usage=Usage(70, 6)),
        ]
    )
    sdk = client(brain)
    conversation: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]

    first = sdk.responses.create(
        model="offline", instructions="You are a weather assistant.", input=conversation, tools=[RESPONSES_WEATHER_TOOL]
    )

    assert (first.object, first.status, first.model) == ("response", "completed", "offline")
    assert first.id.startswith("resp_")
    message, call = first.output
    assert message.type == "message" and message.id.startswith("msg_") and first.output_text == "Checking."
    assert call.type == "function_call" and call.id is not None and call.id.startswith("fc_")
    assert (call.call_id, call.name, call.arguments) == ("call_w1", "get_weather", '{"city": "Paris"}')
    assert call.status == "completed"
    assert first.usage is not None
    assert (first.usage.input_tokens, first.usage.output_tokens, first.usage.total_tokens) == (50, 12, 62)

    conversation += first.output
    conversation.append({"type": "function_call_output", "call_id": call.call_id, "output": weather("Paris")})
    final = sdk.responses.create(
        model="offline", instructions="You are a weather assistant.", input=conversation, tools=[RESPONSES_WEATHER_TOOL]
    )

    assert final.output_text == "Sunny, 21 °C."
    assert [item.type for item in final.output] == ["message"]
    assert brain.requests[1] == ModelRequest(
        model="offline",
        system="You are a weather assistant.",
        messages=(
            Message("user", "Weather in Paris?"),
            Message("assistant", "Checking.", (ToolCall("get_weather", '{"city": "Paris"}', "call_w1"),)),
            Message("tool", tool_results=(ToolResult("call_w1", weather("Paris"), "get_weather"),)),
        ),
        tools=(WEATHER_TOOL,),
    )


def test_responses_items_formats_and_tool_choice() -> None:
    brain = ScriptedBrain([ModelReply('{"person": "Ana", "day": "Tuesday"}')])
    schema = {"type": "object", "properties": {"person": {"type": "string"}, "day": {"type": "string"}}}

    client(brain).responses.create(
        model="offline",
        instructions="You book meetings.",
        input=[
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Answer in JSON."}]},
            {"role": "user", "content": [{"type": "input_text", "text": "Meet Ana."}]},
            {"type": "function_call", "call_id": "call_a", "name": "get_weather", "arguments": '{"city": "Lima"}'},
            {"type": "function_call_output", "call_id": "call_a", "output": [{"type": "input_text", "text": "rain"}]},
        ],
        tools=[RESPONSES_WEATHER_TOOL],
        tool_choice={"type": "function", "name": "get_weather"},
        text={"format": {"type": "json_schema", "name": "meeting", "schema": schema}},
    )

    assert brain.requests == [
        ModelRequest(
            model="offline",
            system="You book meetings.\n\nAnswer in JSON.",
            messages=(
                Message("user", "Meet Ana."),
                Message("assistant", tool_calls=(ToolCall("get_weather", '{"city": "Lima"}', "call_a"),)),
                Message("tool", tool_results=(ToolResult("call_a", "rain", "get_weather"),)),
            ),
            tools=(WEATHER_TOOL,),
            output_schema=schema,
            tool_choice="get_weather",
        )
    ]


def test_responses_stream_events_in_order() -> None:
    text = "Checking the weather in Paris now."
    brain = ScriptedBrain([ModelReply(text, (ToolCall("get_weather", '{"city": "Paris", "units": "metric"}'),))])

    with client(brain).responses.stream(model="offline", input="Paris?", tools=[RESPONSES_WEATHER_TOOL]) as stream:
        events = list(stream)
        final = stream.get_final_response()

    kinds = [event.type for event in events]
    text_deltas = kinds.count("response.output_text.delta")
    argument_deltas = kinds.count("response.function_call_arguments.delta")
    assert text_deltas > 1 and argument_deltas > 1
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * text_deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        *["response.function_call_arguments.delta"] * argument_deltas,
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert final.output_text == text
    [call] = [item for item in final.output if item.type == "function_call"]
    assert (call.name, call.arguments) == ("get_weather", '{"city": "Paris", "units": "metric"}')


@pytest.mark.parametrize(
    ("extra", "message", "param"),
    [
        (
            {"previous_response_id": "resp_123"},
            "the offline model keeps no server-side state, so it cannot use 'previous_response_id'; "
            "send the full conversation in 'input' instead",
            "previous_response_id",
        ),
        (
            {"tools": [{"type": "web_search"}]},
            "the offline model only runs function tools; got tool type 'web_search'",
            "tools[0]",
        ),
        (
            {"input": [{"type": "function_call_output", "call_id": "call_x", "output": "{}"}]},
            "function_call_output answers call_id 'call_x', but no earlier function_call item has that call_id",
            "input[0].call_id",
        ),
        (
            {"input": [{"type": "item_reference", "id": "msg_1"}]},
            "input item type 'item_reference' is not supported by the offline model",
            "input[0].type",
        ),
    ],
)
def test_responses_bad_requests_are_openai_400s(extra: dict[str, Any], message: str, param: str) -> None:
    brain = ScriptedBrain([])

    with pytest.raises(openai.BadRequestError) as raised:
        client(brain).responses.create(**{"model": "offline", "input": "Hi", **extra})

    assert raised.value.body == {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    assert brain.requests == []


# --- Agents SDK --------------------------------------------------------------------------------


@pytest.mark.parametrize("model_class", [OpenAIResponsesModel, OpenAIChatCompletionsModel])
@pytest.mark.parametrize("streamed", [False, True])
def test_agents_sdk_runs_a_function_tool(model_class: type, streamed: bool) -> None:
    ran: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        ran.append(city)
        return weather(city)

    brain = ScriptedBrain(
        [
            ModelReply(tool_calls=(ToolCall("get_weather", '{"city": "Paris"}', "call_w1"),)),
            ModelReply("It is sunny in Paris."),
        ]
    )
    agent = Agent(
        name="Weather",
        instructions="You are a weather assistant.",
        tools=[get_weather],
        model=model_class(model="offline", openai_client=async_client(brain)),
    )

    async def run() -> Any:
        if not streamed:
            return await Runner.run(agent, "Weather in Paris?")
        result = Runner.run_streamed(agent, "Weather in Paris?")
        async for _ in result.stream_events():
            pass
        return result

    result = asyncio.run(run())

    assert ran == ["Paris"]
    assert result.final_output == "It is sunny in Paris."
    tool = brain.requests[0].tools[0]
    assert (tool.name, tool.description) == ("get_weather", "Current weather in a city.")
    assert tool.parameters["required"] == ["city"]
    assert [(r.system, r.messages) for r in brain.requests] == [
        ("You are a weather assistant.", (Message("user", "Weather in Paris?"),)),
        (
            "You are a weather assistant.",
            (
                Message("user", "Weather in Paris?"),
                Message("assistant", tool_calls=(ToolCall("get_weather", '{"city": "Paris"}', "call_w1"),)),
                Message("tool", tool_results=(ToolResult("call_w1", weather("Paris"), "get_weather"),)),
            ),
        ),
    ]


@pytest.mark.parametrize("model_class", [OpenAIResponsesModel, OpenAIChatCompletionsModel])
def test_agents_sdk_structured_output(model_class: type) -> None:
    brain = ScriptedBrain([ModelReply('{"person": "Ana", "day": "Tuesday"}')])
    agent = Agent(
        name="Scheduler",
        instructions="Extract the meeting.",
        output_type=Meeting,
        model=model_class(model="offline", openai_client=async_client(brain)),
    )

    result = asyncio.run(Runner.run(agent, "Meet Ana on Tuesday."))

    assert result.final_output == Meeting(person="Ana", day="Tuesday")
    [request] = brain.requests
    assert request.output_schema is not None and set(request.output_schema["properties"]) == {"person", "day"}


# --- transport and server ----------------------------------------------------------------------


def test_transport_streams_chunk_by_chunk_sync_and_async() -> None:
    log: list[str] = []

    def chunks() -> Iterator[bytes]:
        for piece in (b"one", b"two", b"three"):
            log.append(f"made {piece.decode()}")
            yield piece

    def handler(request: WireRequest) -> WireResponse:
        assert (request.method, request.path, request.headers["x-probe"], request.body) == ("POST", "/v1/x", "1", b"{}")
        return WireResponse(200, {"content-type": "text/plain"}, chunks=chunks())

    with httpx2.Client(transport=OfflineTransport(handler)) as sync, sync.stream(
        "POST", "http://offline.invalid/v1/x", content=b"{}", headers={"X-Probe": "1"}
    ) as response:
        for piece in response.iter_bytes():
            log.append(f"read {piece.decode()}")

    async def read_async() -> None:
        async with httpx2.AsyncClient(transport=OfflineTransport(handler)) as client_, client_.stream(
            "POST", "http://offline.invalid/v1/x", content=b"{}", headers={"X-Probe": "1"}
        ) as response:
            async for piece in response.aiter_bytes():
                log.append(f"read {piece.decode()}")

    asyncio.run(read_async())

    interleaved = ["made one", "read one", "made two", "read two", "made three", "read three"]
    assert log == interleaved * 2


@pytest.fixture
def served() -> Iterator[tuple[int, ScriptedBrain]]:
    """A loopback server on a free port, serving a scripted brain, shut down after the test."""
    brain = ScriptedBrain([])
    server = make_server(OfflineModel(brain), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], brain
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_server_answers_the_real_sdk_over_loopback(
    served: tuple[int, ScriptedBrain], caplog: pytest.LogCaptureFixture
) -> None:
    port, brain = served
    brain.replies += [
        ModelReply("Whole reply."),
        ModelReply("A streamed reply over a real socket."),
        ModelReply("Responses, streamed over a socket."),
    ]
    sdk = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-secret-never-logged")
    caplog.set_level(logging.INFO, logger="orchestration.vendors.offline.server")
    question = [{"role": "user", "content": "private question"}]

    whole = sdk.chat.completions.create(model="offline", messages=question)
    streamed = sdk.chat.completions.create(model="offline", messages=question, stream=True)
    streamed_text = "".join(chunk.choices[0].delta.content or "" for chunk in streamed if chunk.choices)
    with sdk.responses.stream(model="offline", input="private question") as stream:
        responses_text = stream.get_final_response().output_text
    with pytest.raises(openai.BadRequestError, match="'messages' must be a non-empty list"):
        sdk.chat.completions.create(model="offline", messages=[])

    assert whole.choices[0].message.content == "Whole reply."
    assert streamed_text == "A streamed reply over a real socket."
    assert responses_text == "Responses, streamed over a socket."
    assert [r.messages for r in brain.requests] == [(Message("user", "private question"),)] * 3
    logged = [record.getMessage() for record in caplog.records]
    assert logged == [
        "POST /v1/chat/completions -> 200",
        "POST /v1/chat/completions -> 200",
        "POST /v1/responses -> 200",
        "POST /v1/chat/completions -> 400",
    ]
