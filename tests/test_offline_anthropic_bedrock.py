"""The offline model behind the real anthropic SDK and the real boto3 Bedrock Runtime client.

A scripted brain returns given replies in order and records what it was asked, so each test checks
both directions: the neutral request the adapter built from the SDK's wire format, and what the
SDK parsed from the adapter's answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import boto3
import botocore.eventstream
import botocore.exceptions
import botocore.parsers
import httpx2
import pytest
from botocore.awsrequest import AWSPreparedRequest

from orchestration.vendors.offline import anthropic_messages, bedrock_runtime
from orchestration.vendors.offline.boto3_hook import ChunkReader, OfflineSend, attach_boto3
from orchestration.vendors.offline.eventstream import encode_error, encode_event, encode_exception, encode_message
from orchestration.vendors.offline.protocol import (
    Message,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolDef,
    ToolResult,
    Usage,
)
from orchestration.vendors.offline.transport import OfflineTransport
from orchestration.vendors.offline.wire import Router

from .helpers import ScriptedBrain

MODEL = "claude-sonnet-4-6"
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "You book tennis courts."
AVAILABILITY_SCHEMA = {
    "type": "object",
    "properties": {"date": {"type": "string"}, "time": {"type": "string"}},
    "required": ["date"],
}
BOOKING_SCHEMA = {"type": "object", "properties": {"court": {"type": "string"}}, "required": ["court"]}
TOOL_DEFS = (
    ToolDef("check_availability", "Free courts at a date and time.", AVAILABILITY_SCHEMA),
    ToolDef("book_court", "Book one court.", BOOKING_SCHEMA),
)
TWO_CALLS = ModelReply(
    text="Let me check.",
    tool_calls=(
        ToolCall("check_availability", '{"date": "2025-12-04", "time": "15:00"}'),
        ToolCall("book_court", '{"court": "A"}'),
    ),
    usage=Usage(input_tokens=120, output_tokens=30),
)
DONE = ModelReply(text="Court A is booked for tomorrow at 3pm.", usage=Usage(input_tokens=160, output_tokens=12))




def offline(*replies: ModelReply) -> tuple[ScriptedBrain, Router]:
    """A scripted brain behind the two adapters under test."""
    brain = ScriptedBrain(list(replies))
    return brain, Router([anthropic_messages.route(brain), bedrock_runtime.route(brain)])


def run_tool(name: str, arguments: dict[str, Any]) -> str:
    """The caller's side of the tools."""
    if name == "check_availability":
        return json.dumps({"free": ["A", "C"], **arguments})
    return json.dumps({"booked": arguments["court"]})


# --- Anthropic Messages -----------------------------------------------------------------------


def anthropic_client(router: Router) -> anthropic.Anthropic:
    http_client = httpx2.Client(transport=OfflineTransport(router))
    return anthropic.Anthropic(
        api_key="offline", base_url="http://offline.invalid", http_client=http_client, max_retries=0
    )


ANTHROPIC_TOOLS = [
    {"name": tool.name, "description": tool.description, "input_schema": tool.parameters} for tool in TOOL_DEFS
]
TWO_TEXT_BLOCKS = [{"type": "text", "text": "Court A"}, {"type": "text", "text": "at 3pm"}]


def test_anthropic_tool_round_trip_answers_every_tool_use() -> None:
    brain, router = offline(TWO_CALLS, DONE)
    client = anthropic_client(router)
    messages: list[Any] = [{"role": "user", "content": "Book a court for tomorrow at 3pm"}]

    first = client.messages.create(
        model=MODEL, max_tokens=512, system=SYSTEM, tools=ANTHROPIC_TOOLS, tool_choice={"type": "auto"},
        messages=messages,
    )

    assert first.id.startswith("msg_") and first.type == "message" and first.role == "assistant"
    assert (first.model, first.stop_reason, first.stop_sequence) == (MODEL, "tool_use", None)
    assert (first.usage.input_tokens, first.usage.output_tokens) == (120, 30)
    text, *uses = first.content
    assert text.type == "text" and text.text == "Let me check."
    assert [(u.type, u.name, u.input) for u in uses] == [
        ("tool_use", "check_availability", {"date": "2025-12-04", "time": "15:00"}),
        ("tool_use", "book_court", {"court": "A"}),
    ]
    assert all(u.id.startswith("toolu_") for u in uses) and uses[0].id != uses[1].id

    availability, booking = (run_tool(u.name, u.input) for u in uses)
    results = [
        {"type": "tool_result", "tool_use_id": uses[0].id, "content": availability},
        {"type": "tool_result", "tool_use_id": uses[1].id, "content": [{"type": "text", "text": booking}],
         "is_error": True},
    ]
    messages += [{"role": "assistant", "content": first.content}, {"role": "user", "content": results}]
    final = client.messages.create(model=MODEL, max_tokens=512, system=[{"type": "text", "text": SYSTEM}],
                                   tools=ANTHROPIC_TOOLS, messages=messages)

    assert [(b.type, b.text) for b in final.content] == [("text", DONE.text)]
    assert final.stop_reason == "end_turn"
    calls = tuple(ToolCall(u.name, json.dumps(u.input), u.id) for u in uses)
    assert brain.requests == [
        ModelRequest(MODEL, SYSTEM, (Message("user", "Book a court for tomorrow at 3pm"),), TOOL_DEFS, max_tokens=512),
        ModelRequest(
            MODEL,
            SYSTEM,
            (
                Message("user", "Book a court for tomorrow at 3pm"),
                Message("assistant", "Let me check.", calls),
                Message("tool", tool_results=(
                    ToolResult(uses[0].id, availability, "check_availability"),
                    ToolResult(uses[1].id, booking, "book_court", is_error=True),
                )),
            ),
            TOOL_DEFS,
            max_tokens=512,
        ),
    ]


def test_anthropic_refuses_a_turn_that_leaves_a_tool_use_unanswered() -> None:
    _, router = offline(TWO_CALLS)
    client = anthropic_client(router)
    question = {"role": "user", "content": "Book a court for tomorrow at 3pm"}
    first = client.messages.create(model=MODEL, max_tokens=512, tools=ANTHROPIC_TOOLS, messages=[question])
    uses = [block for block in first.content if block.type == "tool_use"]
    only_first = [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "{}"}]

    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model=MODEL, max_tokens=512, tools=ANTHROPIC_TOOLS, messages=[
            question, {"role": "assistant", "content": first.content}, {"role": "user", "content": only_first},
        ])

    assert raised.value.type == "invalid_request_error"
    assert raised.value.api_message == (
        f"`tool_use` ids were found without `tool_result` blocks immediately after: {uses[1].id}. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
    )


def test_anthropic_stream_assembles_the_same_message() -> None:
    brain, router = offline(TWO_CALLS)
    client = anthropic_client(router)

    with client.messages.stream(
        model=MODEL, max_tokens=512, tools=ANTHROPIC_TOOLS, tool_choice={"type": "tool", "name": "book_court"},
        messages=[{"role": "user", "content": TWO_TEXT_BLOCKS}],
    ) as stream:
        streamed_text = "".join(stream.text_stream)
        final = stream.get_final_message()

    assert streamed_text == "Let me check."
    assert final.id.startswith("msg_") and final.stop_reason == "tool_use" and final.stop_sequence is None
    assert (final.usage.input_tokens, final.usage.output_tokens) == (120, 30)
    assert [block.type for block in final.content] == ["text", "tool_use", "tool_use"]
    assert [(b.name, b.input) for b in final.content[1:]] == [
        ("check_availability", {"date": "2025-12-04", "time": "15:00"}),
        ("book_court", {"court": "A"}),
    ]
    assert brain.requests == [
        ModelRequest(MODEL, "", (Message("user", "Court A\nat 3pm"),), TOOL_DEFS, tool_choice="book_court",
                     max_tokens=512)
    ]


def test_async_anthropic_structured_output_and_unparsable_arguments() -> None:
    reply = ModelReply(text='{"court": "A"}', tool_calls=(ToolCall("book_court", "court A please", "toolu_given"),))
    brain, router = offline(reply)

    async def ask() -> anthropic.types.Message:
        http_client = httpx2.AsyncClient(transport=OfflineTransport(router))
        async with anthropic.AsyncAnthropic(
            api_key="offline", base_url="http://offline.invalid", http_client=http_client
        ) as client:
            return await client.messages.create(
                model=MODEL, max_tokens=256, tools=ANTHROPIC_TOOLS[1:], tool_choice={"type": "any"},
                output_config={"format": {"type": "json_schema", "schema": BOOKING_SCHEMA}},
                messages=[{"role": "user", "content": "Court A"}],
            )

    message = asyncio.run(ask())

    assert [block.to_dict() for block in message.content] == [
        {"type": "text", "text": '{"court": "A"}'},
        {"type": "tool_use", "id": "toolu_given", "name": "book_court",
         "input": {"_unparsed_arguments": "court A please"}},
    ]
    assert brain.requests == [
        ModelRequest(MODEL, "", (Message("user", "Court A"),), TOOL_DEFS[1:], BOOKING_SCHEMA, tool_choice="required",
                     max_tokens=256)
    ]


def test_anthropic_error_shape() -> None:
    _, router = offline()
    client = anthropic_client(router)

    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model=MODEL, max_tokens=64, messages=[])

    assert raised.value.status_code == 400
    assert raised.value.body == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "messages: at least one message is required"},
    }


# --- Bedrock Runtime through boto3 ---------------------------------------------------------------




def bedrock_client() -> Any:
    session = boto3.session.Session(
        aws_access_key_id="offline", aws_secret_access_key="offline", region_name="us-east-1"
    )
    return session.client("bedrock-runtime")


BEDROCK_TOOL_CONFIG = {
    "tools": [
        {"toolSpec": {"name": tool.name, "description": tool.description, "inputSchema": {"json": tool.parameters}}}
        for tool in TOOL_DEFS
    ],
    "toolChoice": {"any": {}},
}


def test_converse_tool_round_trip() -> None:
    brain, router = offline(TWO_CALLS, DONE)
    client = attach_boto3(bedrock_client(), router)
    messages: list[Any] = [{"role": "user", "content": [{"text": "Book a court for tomorrow at 3pm"}]}]

    first = client.converse(modelId=PROFILE_ARN, system=[{"text": SYSTEM}], toolConfig=BEDROCK_TOOL_CONFIG,
                            messages=messages)

    assert first["stopReason"] == "tool_use"
    assert first["usage"] == {"inputTokens": 120, "outputTokens": 30, "totalTokens": 150}
    assert isinstance(first["metrics"]["latencyMs"], int)
    reply = first["output"]["message"]
    text, *uses = reply["content"]
    assert reply["role"] == "assistant" and text == {"text": "Let me check."}
    assert [(u["toolUse"]["name"], u["toolUse"]["input"]) for u in uses] == [
        ("check_availability", {"date": "2025-12-04", "time": "15:00"}),
        ("book_court", {"court": "A"}),
    ]
    ids = [u["toolUse"]["toolUseId"] for u in uses]
    assert all(i.startswith("tooluse_") for i in ids) and ids[0] != ids[1]

    results = [
        {"toolResult": {"toolUseId": ids[0], "content": [{"json": {"free": ["A", "C"]}}]}},
        {"toolResult": {"toolUseId": ids[1], "content": [{"text": "court A is taken"}], "status": "error"}},
    ]
    messages += [reply, {"role": "user", "content": results}]
    final = client.converse(modelId=PROFILE_ARN, system=[{"text": SYSTEM}], toolConfig=BEDROCK_TOOL_CONFIG,
                            messages=messages)

    assert final["stopReason"] == "end_turn"
    assert final["output"]["message"] == {"role": "assistant", "content": [{"text": DONE.text}]}
    calls = (
        ToolCall("check_availability", '{"date": "2025-12-04", "time": "15:00"}', ids[0]),
        ToolCall("book_court", '{"court": "A"}', ids[1]),
    )
    question = Message("user", "Book a court for tomorrow at 3pm")
    assert brain.requests[1] == ModelRequest(
        PROFILE_ARN,
        SYSTEM,
        (
            question,
            Message("assistant", "Let me check.", calls),
            Message("tool", tool_results=(
                ToolResult(ids[0], '{"free": ["A", "C"]}', "check_availability"),
                ToolResult(ids[1], "court A is taken", "book_court", is_error=True),
            )),
        ),
        TOOL_DEFS,
        tool_choice="required",
    )
    assert brain.requests[0] == ModelRequest(PROFILE_ARN, SYSTEM, (question,), TOOL_DEFS, tool_choice="required")


def test_converse_structured_output_schema_arrives_as_a_string() -> None:
    brain, router = offline(ModelReply(text='{"court": "B"}'))
    client = attach_boto3(bedrock_client(), router)

    answer = client.converse(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": [{"text": "Court B"}]}],
        outputConfig={"textFormat": {"type": "json_schema",
                                     "structure": {"jsonSchema": {"schema": json.dumps(BOOKING_SCHEMA), "name": "b"}}}},
    )

    assert answer["output"]["message"]["content"] == [{"text": '{"court": "B"}'}]
    assert brain.requests == [
        ModelRequest("anthropic.claude-3-haiku-20240307-v1:0", "", (Message("user", "Court B"),), (), BOOKING_SCHEMA)
    ]


def test_converse_stream_assembles_from_events() -> None:
    brain, router = offline(TWO_CALLS)
    client = attach_boto3(bedrock_client(), router)

    response = client.converse_stream(modelId=PROFILE_ARN, toolConfig=BEDROCK_TOOL_CONFIG,
                                      messages=[{"role": "user", "content": [{"text": "Court A at 3pm"}]}])
    events = list(response["stream"])

    assert [next(iter(event)) for event in events] == [
        "messageStart", "contentBlockDelta", "contentBlockStop",
        "contentBlockStart", *["contentBlockDelta"] * 2, "contentBlockStop",
        "contentBlockStart", "contentBlockDelta", "contentBlockStop",
        "messageStop", "metadata",
    ]
    assert assemble_converse_stream(events) == {
        "role": "assistant",
        "content": [
            {"text": "Let me check."},
            {"toolUse": {"toolUseId": events[3]["contentBlockStart"]["start"]["toolUse"]["toolUseId"],
                         "name": "check_availability", "input": {"date": "2025-12-04", "time": "15:00"}}},
            {"toolUse": {"toolUseId": events[7]["contentBlockStart"]["start"]["toolUse"]["toolUseId"],
                         "name": "book_court", "input": {"court": "A"}}},
        ],
        "stopReason": "tool_use",
        "usage": {"inputTokens": 120, "outputTokens": 30, "totalTokens": 150},
    }
    assert brain.requests == [
        ModelRequest(PROFILE_ARN, "", (Message("user", "Court A at 3pm"),), TOOL_DEFS, tool_choice="required")
    ]


def assemble_converse_stream(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What a ConverseStream caller rebuilds from the events."""
    message: dict[str, Any] = {"content": []}
    inputs: dict[int, str] = {}
    for event in events:
        kind, body = next(iter(event.items()))
        if kind == "messageStart":
            message["role"] = body["role"]
        elif kind == "contentBlockStart":
            message["content"].append({"toolUse": {**body["start"]["toolUse"], "input": {}}})
        elif kind == "contentBlockDelta" and "text" in body["delta"]:
            if len(message["content"]) <= body["contentBlockIndex"]:
                message["content"].append({"text": ""})
            message["content"][body["contentBlockIndex"]]["text"] += body["delta"]["text"]
        elif kind == "contentBlockDelta":
            index = body["contentBlockIndex"]
            inputs[index] = inputs.get(index, "") + body["delta"]["toolUse"]["input"]
        elif kind == "contentBlockStop" and body["contentBlockIndex"] in inputs:
            index = body["contentBlockIndex"]
            message["content"][index]["toolUse"]["input"] = json.loads(inputs[index])
        elif kind == "messageStop":
            message["stopReason"] = body["stopReason"]
        elif kind == "metadata":
            message["usage"] = body["usage"]
    return message


def test_invoke_model_with_an_anthropic_body() -> None:
    brain, router = offline(TWO_CALLS)
    client = attach_boto3(bedrock_client(), router)
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 512,
        "system": SYSTEM,
        "tools": ANTHROPIC_TOOLS,
        "messages": [{"role": "user", "content": "Book a court for tomorrow at 3pm"}],
    }

    response = client.invoke_model(modelId=PROFILE_ARN, body=json.dumps(body), contentType="application/json",
                                   accept="application/json")
    message = json.loads(response["body"].read())

    assert response["contentType"] == "application/json"
    assert (message["type"], message["role"], message["model"], message["stop_reason"]) == (
        "message", "assistant", PROFILE_ARN, "tool_use")
    assert [block["type"] for block in message["content"]] == ["text", "tool_use", "tool_use"]
    assert message["content"][2]["input"] == {"court": "A"}
    assert message["usage"]["input_tokens"] == 120
    assert brain.requests == [
        ModelRequest(PROFILE_ARN, SYSTEM, (Message("user", "Book a court for tomorrow at 3pm"),), TOOL_DEFS,
                     max_tokens=512)
    ]


def test_invoke_model_refuses_other_body_formats_as_validation_exception() -> None:
    brain, router = offline()
    client = attach_boto3(bedrock_client(), router)

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.invoke_model(modelId="amazon.titan-text-express-v1", body=json.dumps({"inputText": "Book a court"}))

    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "the offline model's InvokeModel reads only the Anthropic Messages body "
        '(anthropic_version "bedrock-2023-05-31", max_tokens, messages, system, tools); '
        "use Converse for other model formats"
    )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert isinstance(raised.value, client.exceptions.ValidationException)
    assert brain.requests == []


def test_converse_refuses_tool_blocks_without_tool_config() -> None:
    _, router = offline()
    client = attach_boto3(bedrock_client(), router)
    use = {"toolUse": {"toolUseId": "tooluse_1", "name": "book_court", "input": {"court": "A"}}}
    result = {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "ok"}]}}

    with pytest.raises(client.exceptions.ValidationException) as raised:
        client.converse(modelId=MODEL, messages=[
            {"role": "user", "content": [{"text": "Court A"}]},
            {"role": "assistant", "content": [use]},
            {"role": "user", "content": [result]},
        ])

    assert raised.value.response["Error"]["Message"] == (
        "The toolConfig field must be defined when using toolUse and toolResult content blocks."
    )


def test_attach_registers_on_that_client_only() -> None:
    brain, router = offline(DONE)
    attached = attach_boto3(bedrock_client(), router)
    other = bedrock_client()
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}).encode()
    request = AWSPreparedRequest(
        "POST", "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse", {}, body, False
    )

    attached_answers = attached.meta.events.emit("before-send.bedrock-runtime.Converse", request=request)
    other_answers = other.meta.events.emit("before-send.bedrock-runtime.Converse", request=request)

    answered = [(handler, answer) for handler, answer in attached_answers if answer is not None]
    assert [type(handler) for handler, _ in answered] == [OfflineSend]  # (once imported, moto adds a silent handler)
    assert answered[0][1].status_code == 200
    assert not any(isinstance(handler, OfflineSend) for handler, _ in other_answers)
    assert all(answer is None for _, answer in other_answers)
    assert brain.requests == [ModelRequest("m", "", (Message("user", "hi"),))]


# --- AWS event stream framing ----------------------------------------------------------------------


def decode(frames: bytes, chunk_size: int) -> list[botocore.eventstream.EventStreamMessage]:
    """Frames decoded by botocore's own parser, fed `chunk_size` bytes at a time."""
    buffer = botocore.eventstream.EventStreamBuffer()
    messages = []
    for start in range(0, len(frames), chunk_size):
        buffer.add_data(frames[start : start + chunk_size])
        messages.extend(buffer)
    return messages


@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_event_stream_frames_decode_with_botocore(chunk_size: int) -> None:
    frames = (
        encode_event("chunk", b'{"bytes": "eyJ0eXBlIjoiY2h1bmsifQ=="}')
        + encode_exception("validationException", "bad input")
        + encode_error("InternalFailure", "it broke")
        + encode_message({":event-type": "trace", "blob": b"\x00\x01"}, b"")
    )

    decoded = decode(frames, chunk_size)

    assert [(m.headers, m.payload) for m in decoded] == [
        ({":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
         b'{"bytes": "eyJ0eXBlIjoiY2h1bmsifQ=="}'),
        ({":exception-type": "validationException", ":content-type": "application/json", ":message-type": "exception"},
         b'{"message": "bad input"}'),
        ({":message-type": "error", ":error-code": "InternalFailure", ":error-message": "it broke"}, b""),
        ({":event-type": "trace", "blob": b"\x00\x01"}, b""),
    ]
    assert [m.to_response_dict()["status_code"] for m in decoded] == [200, 400, 400, 200]


def test_event_stream_exception_raises_from_botocore_event_iterator() -> None:
    client = bedrock_client()
    shape = client.meta.service_model.operation_model("ConverseStream").output_shape.members["stream"]
    frames = [
        encode_event("messageStart", b'{"role": "assistant"}'),
        encode_exception("validationException", "the offline model refused"),
    ]
    stream = botocore.eventstream.EventStream(
        ChunkReader(frames), shape, botocore.parsers.EventStreamJSONParser(), "ConverseStream"
    )
    events: Iterator[dict[str, Any]] = iter(stream)

    assert next(events) == {"messageStart": {"role": "assistant"}}
    with pytest.raises(botocore.exceptions.EventStreamError) as raised:
        next(events)
    assert raised.value.response["Error"] == {"Code": "validationException", "Message": "the offline model refused"}
