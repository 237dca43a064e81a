"""OpenAI Chat Completions (`POST .../chat/completions`) spoken by the offline model.

The request is read into a neutral `ModelRequest` (system and developer messages become the
system prompt, `tool` messages become `ToolResult`s named after the assistant call they answer),
the brain answers, and the `ModelReply` goes back as a `chat.completion` object, or, with
`"stream": true`, as the `chat.completion.chunk` server-sent events the openai SDK assembles.

The helpers shared with the Responses adapter (ids, SSE framing, OpenAI's error shape and
request validation) live here too, since both speak OpenAI's conventions.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .protocol import Message, ModelReply, ModelRequest, ToolCall, ToolDef, ToolResult
from .wire import Route, WireError, WireRequest, WireResponse

__all__ = [
    "EMPTY_PARAMETERS",
    "InvalidRequest",
    "body_object",
    "invalid",
    "new_id",
    "openai_error",
    "parts_text",
    "pieces",
    "read_sampling",
    "route",
    "sse",
    "tool_choice_name",
    "with_call_ids",
]

EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
"""The arguments schema of a function declared without `parameters`."""


@dataclass
class InvalidRequest(WireError):
    """A 400 in OpenAI's style, naming the offending parameter when there is one."""

    param: str | None = None
    """Path of the offending parameter, e.g. `messages[2].tool_call_id`."""


def invalid(message: str, param: str | None = None) -> InvalidRequest:
    """A 400 `invalid_request_error`."""
    return InvalidRequest(400, "invalid_request_error", message, param)


def openai_error(error: WireError) -> WireResponse:
    """An error response in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`."""
    param = error.param if isinstance(error, InvalidRequest) else None
    payload = {"error": {"message": error.message, "type": error.code, "param": param, "code": None}}
    return WireResponse.of_json(payload, status=error.status, headers={"x-request-id": new_id("req_")})


def new_id(prefix: str) -> str:
    """A fresh id in OpenAI's style, e.g. `call_3f2a...`."""
    return prefix + uuid.uuid4().hex[:24]


def sse(data: dict[str, Any] | str, event: str | None = None) -> bytes:
    """One server-sent event: an optional `event:` line and a `data:` line (JSON unless a string)."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


def pieces(text: str, size: int = 16) -> list[str]:
    """`text` cut into stream deltas of at most `size` characters (none for empty text)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def body_object(request: WireRequest) -> dict[str, Any]:
    """The request body, which must be a JSON object naming a model."""
    body = request.json()
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise invalid("you must provide a model parameter", "model")
    if not isinstance(body.get("stream", False), bool):
        raise invalid("'stream' must be true or false", "stream")
    return body


def parts_text(content: Any, allowed: set[str], param: str) -> str:
    """Text of a message content: a string, or a list of parts whose types are in `allowed`."""
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise invalid("content must be a string or a list of content parts", param)
    texts = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in allowed:
            unsupported = f"the offline model reads text only; content part type {kind!r} is not supported"
            raise invalid(unsupported, f"{param}[{index}]")
        texts.append(str(part.get("text", part.get("refusal", ""))))
    return "\n".join(texts)


def tool_choice_name(choice: str, tools: tuple[ToolDef, ...]) -> str:
    """Check a tool choice against the offered tools and return it."""
    if choice in ("auto", "none"):
        return choice
    if not tools:
        raise invalid(f"tool_choice {choice!r} is only allowed when tools are specified", "tool_choice")
    if choice != "required" and choice not in {tool.name for tool in tools}:
        raise invalid(f"tool_choice names {choice!r}, which is not among the tools", "tool_choice")
    return choice


# --- request ---------------------------------------------------------------------------------


def to_model_request(body: dict[str, Any]) -> ModelRequest:
    """The neutral request a Chat Completions body describes."""
    if body.get("n") not in (None, 1):
        raise invalid("the offline model returns one choice; n must be 1", "n")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid("'messages' must be a non-empty list", "messages")
    system, conversation = read_messages(messages)
    tools = tuple(read_tool(tool, f"tools[{i}]") for i, tool in enumerate(body.get("tools") or []))
    return ModelRequest(
        model=body["model"],
        system=system,
        messages=conversation,
        tools=tools,
        output_schema=read_response_format(body.get("response_format")),
        tool_choice=tool_choice_name(read_tool_choice(body.get("tool_choice", "auto")), tools),
        **read_sampling(body, "max_completion_tokens", "max_tokens"),
    )


def read_messages(messages: list[Any]) -> tuple[str, tuple[Message, ...]]:
    """The system prompt and the conversation; consecutive `tool` messages form one tool turn."""
    system: list[str] = []
    turns: list[Message] = []
    call_names: dict[str, str] = {}
    for index, message in enumerate(messages):
        param = f"messages[{index}]"
        role = message.get("role") if isinstance(message, dict) else None
        if role in ("system", "developer"):
            system.append(parts_text(message.get("content"), {"text"}, f"{param}.content"))
        elif role == "user":
            turns.append(Message("user", parts_text(message.get("content"), {"text"}, f"{param}.content")))
        elif role == "assistant":
            turn = read_assistant(message, param)
            call_names.update((call.id, call.name) for call in turn.tool_calls)
            turns.append(turn)
        elif role == "tool":
            result = read_tool_message(message, param, call_names)
            if turns and turns[-1].role == "tool":
                turns[-1] = Message("tool", tool_results=(*turns[-1].tool_results, result))
            else:
                turns.append(Message("tool", tool_results=(result,)))
        else:
            roles = "system, developer, user, assistant or tool"
            raise invalid(f"unsupported message role {role!r}; use {roles}", f"{param}.role")
    return "\n\n".join(part for part in system if part), tuple(turns)


def read_assistant(message: dict[str, Any], param: str) -> Message:
    """An earlier assistant turn: its text and the tool calls it made."""
    calls = []
    for index, call in enumerate(message.get("tool_calls") or []):
        where = f"{param}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or call.get("type", "function") != "function":
            raise invalid("the offline model only knows function tool calls", where)
        if not isinstance(call.get("id"), str) or not call["id"] or not function.get("name"):
            raise invalid("a tool call needs an id and a function name", where)
        calls.append(ToolCall(function["name"], str(function.get("arguments", "")), call["id"]))
    text = parts_text(message.get("content"), {"text", "refusal"}, f"{param}.content")
    return Message("assistant", text, tool_calls=tuple(calls))


def read_tool_message(message: dict[str, Any], param: str, call_names: dict[str, str]) -> ToolResult:
    """A tool result, named after the earlier assistant call it answers."""
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or call_id not in call_names:
        raise invalid(
            f"tool message answers tool_call_id {call_id!r}, but no earlier assistant message made that call",
            f"{param}.tool_call_id",
        )
    content = parts_text(message.get("content"), {"text"}, f"{param}.content")
    return ToolResult(call_id, content, name=call_names[call_id])


def read_tool(tool: Any, param: str) -> ToolDef:
    """A function tool declaration."""
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise invalid(f"the offline model only runs function tools; got tool type {kind!r}", param)
    if not isinstance(function.get("name"), str) or not function["name"]:
        raise invalid("a function tool needs a name", f"{param}.function.name")
    return ToolDef(function["name"], function.get("description") or "", function.get("parameters") or EMPTY_PARAMETERS)


def read_response_format(response_format: Any) -> dict[str, Any] | None:
    """The JSON output the caller asked for: a schema, `{}` for any JSON object, None for text."""
    kind = response_format.get("type") if isinstance(response_format, dict) else response_format
    if kind in (None, "text"):
        return None
    if kind == "json_object":
        return {}
    schema = (response_format.get("json_schema") or {}).get("schema") if kind == "json_schema" else None
    if not isinstance(schema, dict):
        raise invalid("response_format must be text, json_object, or json_schema with a schema", "response_format")
    return schema


def read_sampling(body: dict[str, Any], *limits: str) -> dict[str, Any]:
    """The caller's `temperature` and output token bound (the first of the `limits` parameters set),
    as `ModelRequest` fields; None where the caller set none."""
    temperature = body.get("temperature")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))):
        raise invalid("temperature must be a number", "temperature")
    name = next((name for name in limits if body.get(name) is not None), None)
    limit = body.get(name) if name else None
    if name and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise invalid(f"{name} must be an integer", name)
    return {"temperature": None if temperature is None else float(temperature), "max_tokens": limit}


def read_tool_choice(choice: Any) -> str:
    """`auto`, `none`, `required`, or the name of the function the model must call."""
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and (choice.get("function") or {}).get("name"):
        return choice["function"]["name"]
    raise invalid("tool_choice must be auto, none, required, or {type: function, function: {name}}", "tool_choice")


# --- reply -----------------------------------------------------------------------------------


def with_call_ids(reply: ModelReply) -> ModelReply:
    """The reply with an OpenAI-style id on every tool call the brain left without one."""
    calls = tuple(call if call.id else replace(call, id=new_id("call_")) for call in reply.tool_calls)
    return replace(reply, tool_calls=calls)


def usage(reply: ModelReply) -> dict[str, Any]:
    """Chat Completions usage, from the brain's estimate."""
    prompt, completion = reply.usage.input_tokens, reply.usage.output_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def tool_call(call: ToolCall) -> dict[str, Any]:
    """A tool call as `choices[0].message.tool_calls` lists it."""
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def finish_reason(reply: ModelReply) -> str:
    """`tool_calls` when the caller must run tools, else `stop`."""
    return "tool_calls" if reply.stop_reason == "tool_calls" else "stop"


def completion(reply: ModelReply, model: str) -> dict[str, Any]:
    """A whole `chat.completion` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None, "annotations": []}
    if reply.tool_calls:
        message["tool_calls"] = [tool_call(call) for call in reply.tool_calls]
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason(reply)}],
        "usage": usage(reply),
        "service_tier": "default",
        "system_fingerprint": None,
    }


def chunks(reply: ModelReply, model: str, include_usage: bool) -> Iterator[bytes]:
    """The `chat.completion.chunk` events of a streamed reply, ending with `data: [DONE]`."""
    head = {"id": new_id("chatcmpl-"), "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    head |= {"service_tier": "default", "system_fingerprint": None} | ({"usage": None} if include_usage else {})

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return sse(head | {"choices": [choice]})

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in pieces(reply.text):
        yield chunk({"content": piece})
    for index, call in enumerate(reply.tool_calls):
        opening = {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        yield chunk({"tool_calls": [opening]})
        for piece in pieces(call.arguments):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, finish_reason(reply))
    if include_usage:
        yield sse(head | {"choices": [], "usage": usage(reply)})
    yield sse("[DONE]")


# --- route -----------------------------------------------------------------------------------


def route(brain: Any) -> Route:
    """The Chat Completions adapter bound to `brain`."""

    def handle(request: WireRequest) -> WireResponse:
        body = body_object(request)
        options = body.get("stream_options")
        if options is not None and not body.get("stream"):
            raise invalid("'stream_options' is only allowed when 'stream' is enabled", "stream_options")
        reply = with_call_ids(brain.reply(to_model_request(body)))
        headers = {"x-request-id": new_id("req_")}
        if not body.get("stream"):
            return WireResponse.of_json(completion(reply, body["model"]), headers=headers)
        include_usage = bool((options or {}).get("include_usage"))
        headers["content-type"] = "text/event-stream; charset=utf-8"
        return WireResponse(200, headers, chunks=chunks(reply, body["model"], include_usage))

    return Route(
        name="openai.chat_completions",
        matches=lambda method, path: method == "POST" and path.endswith("/chat/completions"),
        handle=handle,
        render_error=openai_error,
    )
