"""OpenAI Responses API (`POST .../responses`) spoken by the offline model; the Agents SDK's default.

`instructions` and system/developer input messages become the system prompt; `message`,
`function_call` and `function_call_output` input items become neutral turns (the items of one
assistant turn, its text and its calls, are grouped, and so are consecutive call outputs). The
brain's reply goes back as a `response` object with `message` and `function_call` output items,
or, with `"stream": true`, as the `response.*` server-sent events the openai SDK and the Agents SDK
parse (`openai/types/responses/response_stream_event.py`).

The offline model keeps no server-side state: `previous_response_id`, `conversation` and stored
`prompt`s are refused with a 400 asking for the full input instead.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

from .openai_chat import (
    EMPTY_PARAMETERS,
    body_object,
    invalid,
    new_id,
    openai_error,
    parts_text,
    pieces,
    read_sampling,
    sse,
    tool_choice_name,
    with_call_ids,
)
from .protocol import Message, ModelReply, ModelRequest, ToolCall, ToolDef, ToolResult
from .wire import Route, WireRequest, WireResponse

__all__ = ["route"]

STATEFUL_PARAMETERS = ("previous_response_id", "conversation", "prompt")
"""Request parameters that only make sense with state kept on the server."""

TEXT_PARTS = {"input_text", "output_text", "refusal"}
"""Content part types the offline model reads (it reads text only)."""

Event = Callable[..., bytes]
"""Renders one stream event: `event(type, **fields)`."""


# --- request ---------------------------------------------------------------------------------


def to_model_request(body: dict[str, Any]) -> ModelRequest:
    """The neutral request a Responses API body describes."""
    for name in STATEFUL_PARAMETERS:
        if body.get(name):
            raise invalid(
                f"the offline model keeps no server-side state, so it cannot use {name!r}; "
                "send the full conversation in 'input' instead",
                name,
            )
    instructions = body.get("instructions") or ""
    if not isinstance(instructions, str):
        raise invalid("'instructions' must be a string", "instructions")
    system, messages = read_input(body.get("input"))
    tools = tuple(read_tool(tool, f"tools[{i}]") for i, tool in enumerate(body.get("tools") or []))
    return ModelRequest(
        model=body["model"],
        system="\n\n".join(part for part in (instructions, *system) if part),
        messages=messages,
        tools=tools,
        output_schema=read_text_format((body.get("text") or {}).get("format")),
        tool_choice=tool_choice_name(read_tool_choice(body.get("tool_choice", "auto")), tools),
        **read_sampling(body, "max_output_tokens"),
    )


def read_input(items: Any) -> tuple[list[str], tuple[Message, ...]]:
    """System texts and conversation turns from `input` (a string is one user message)."""
    if isinstance(items, str):
        return [], (Message("user", items),)
    if not isinstance(items, list) or not items:
        raise invalid("'input' must be a string or a non-empty list of items", "input")
    system: list[str] = []
    turns: list[Message] = []
    call_names: dict[str, str] = {}
    for index, item in enumerate(items):
        param = f"input[{index}]"
        if not isinstance(item, dict):
            raise invalid("each input item must be an object", param)
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "message":
            read_message(item, param, system, turns)
        elif kind == "function_call":
            call = read_function_call(item, param)
            call_names[call.id] = call.name
            extend(turns, Message("assistant", tool_calls=(call,)))
        elif kind == "function_call_output":
            extend(turns, Message("tool", tool_results=(read_call_output(item, param, call_names),)))
        else:
            raise invalid(f"input item type {kind!r} is not supported by the offline model", f"{param}.type")
    return system, tuple(turns)


def read_message(item: dict[str, Any], param: str, system: list[str], turns: list[Message]) -> None:
    """One input message: system text, a user turn, or (part of) an earlier assistant turn."""
    role = item.get("role")
    text = parts_text(item.get("content"), TEXT_PARTS, f"{param}.content")
    if role in ("system", "developer"):
        system.append(text)
    elif role == "user":
        turns.append(Message("user", text))
    elif role == "assistant":
        extend(turns, Message("assistant", text))
    else:
        raise invalid(f"unsupported message role {role!r}; use user, assistant, system or developer", f"{param}.role")


def extend(turns: list[Message], turn: Message) -> None:
    """Append `turn`, merging it into the last turn when both belong to one assistant or tool turn."""
    last = turns[-1] if turns else None
    if last is None or last.role != turn.role or turn.role == "user":
        turns.append(turn)
        return
    text = "\n".join(part for part in (last.text, turn.text) if part)
    turns[-1] = Message(last.role, text, last.tool_calls + turn.tool_calls, last.tool_results + turn.tool_results)


def read_function_call(item: dict[str, Any], param: str) -> ToolCall:
    """A call the model made earlier."""
    if not all(isinstance(item.get(key), str) and item[key] for key in ("call_id", "name")):
        raise invalid("a function_call item needs a call_id and a name", param)
    return ToolCall(item["name"], str(item.get("arguments", "")), item["call_id"])


def read_call_output(item: dict[str, Any], param: str, call_names: dict[str, str]) -> ToolResult:
    """The caller's result for an earlier function call."""
    call_id = item.get("call_id")
    if not isinstance(call_id, str) or call_id not in call_names:
        raise invalid(
            f"function_call_output answers call_id {call_id!r}, but no earlier function_call item has that call_id",
            f"{param}.call_id",
        )
    content = parts_text(item.get("output"), {"input_text"}, f"{param}.output")
    return ToolResult(call_id, content, name=call_names[call_id])


def read_tool(tool: Any, param: str) -> ToolDef:
    """A function tool declaration."""
    kind = tool.get("type") if isinstance(tool, dict) else None
    if kind != "function":
        raise invalid(f"the offline model only runs function tools; got tool type {kind!r}", param)
    if not isinstance(tool.get("name"), str) or not tool["name"]:
        raise invalid("a function tool needs a name", f"{param}.name")
    return ToolDef(tool["name"], tool.get("description") or "", tool.get("parameters") or EMPTY_PARAMETERS)


def read_text_format(text_format: Any) -> dict[str, Any] | None:
    """The JSON output the caller asked for: a schema, `{}` for any JSON object, None for text."""
    kind = text_format.get("type") if isinstance(text_format, dict) else text_format
    if kind in (None, "text"):
        return None
    if kind == "json_object":
        return {}
    schema = text_format.get("schema") if kind == "json_schema" else None
    if not isinstance(schema, dict):
        raise invalid("text.format must be text, json_object, or json_schema with a schema", "text.format")
    return schema


def read_tool_choice(choice: Any) -> str:
    """`auto`, `none`, `required`, or the name of the function the model must call."""
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return choice["name"]
    kind = choice.get("type") if isinstance(choice, dict) else choice
    raise invalid(f"tool_choice {kind!r} is not supported; use auto, none, required or a function", "tool_choice")


# --- reply -----------------------------------------------------------------------------------


def output_items(reply: ModelReply) -> list[dict[str, Any]]:
    """The reply as output items: a `message` when there is text, then one `function_call` per call."""
    items: list[dict[str, Any]] = []
    if reply.text:
        text = {"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}
        message = {"type": "message", "id": new_id("msg_"), "role": "assistant", "status": "completed"}
        items.append(message | {"content": [text]})
    for call in reply.tool_calls:
        items.append(
            {
                "type": "function_call",
                "id": new_id("fc_"),
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    return items


def usage(reply: ModelReply) -> dict[str, Any]:
    """Responses API usage, from the brain's estimate."""
    read, written = reply.usage.input_tokens, reply.usage.output_tokens
    return {
        "input_tokens": read,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": written,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": read + written,
    }


def response_object(body: dict[str, Any], response_id: str, created_at: int) -> dict[str, Any]:
    """A `response` object still in progress (no output yet), echoing the request's settings."""
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": "in_progress",
        "background": False,
        "completed_at": None,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "metadata": body.get("metadata") or {},
        "model": body["model"],
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "reasoning": body.get("reasoning"),
        "service_tier": "default",
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": None,
    }


def completed(pending: dict[str, Any], reply: ModelReply, output: list[dict[str, Any]]) -> dict[str, Any]:
    """The finished `response` object."""
    return pending | {"status": "completed", "completed_at": int(time.time()), "output": output, "usage": usage(reply)}


def events(pending: dict[str, Any], done: dict[str, Any]) -> Iterator[bytes]:
    """The stream events of one response, from `response.created` to `response.completed`."""
    numbers = itertools.count()

    def event(kind: str, **fields: Any) -> bytes:
        return sse({"type": kind, "sequence_number": next(numbers), **fields}, event=kind)

    yield event("response.created", response=pending)
    yield event("response.in_progress", response=pending)
    for index, item in enumerate(done["output"]):
        stream_item = message_events if item["type"] == "message" else call_events
        yield from stream_item(event, index, item)
    yield event("response.completed", response=done)


def message_events(event: Event, index: int, item: dict[str, Any]) -> Iterator[bytes]:
    """A message item: added, its text part opened, the text in deltas, then everything closed."""
    part = item["content"][0]
    where = {"item_id": item["id"], "output_index": index, "content_index": 0}
    yield event("response.output_item.added", output_index=index, item=item | {"status": "in_progress", "content": []})
    yield event("response.content_part.added", **where, part=part | {"text": ""})
    for piece in pieces(part["text"]):
        yield event("response.output_text.delta", **where, delta=piece, logprobs=[])
    yield event("response.output_text.done", **where, text=part["text"], logprobs=[])
    yield event("response.content_part.done", **where, part=part)
    yield event("response.output_item.done", output_index=index, item=item)


def call_events(event: Event, index: int, item: dict[str, Any]) -> Iterator[bytes]:
    """A function call item: added with empty arguments, the arguments in deltas, then done."""
    where = {"item_id": item["id"], "output_index": index}
    opening = item | {"status": "in_progress", "arguments": ""}
    yield event("response.output_item.added", output_index=index, item=opening)
    for piece in pieces(item["arguments"]):
        yield event("response.function_call_arguments.delta", **where, delta=piece)
    yield event("response.function_call_arguments.done", **where, arguments=item["arguments"])
    yield event("response.output_item.done", output_index=index, item=item)


# --- route -----------------------------------------------------------------------------------


def route(brain: Any) -> Route:
    """The Responses API adapter bound to `brain`."""

    def handle(request: WireRequest) -> WireResponse:
        body = body_object(request)
        reply = with_call_ids(brain.reply(to_model_request(body)))
        pending = response_object(body, new_id("resp_"), int(time.time()))
        done = completed(pending, reply, output_items(reply))
        headers = {"x-request-id": new_id("req_")}
        if not body.get("stream"):
            return WireResponse.of_json(done, headers=headers)
        headers["content-type"] = "text/event-stream; charset=utf-8"
        return WireResponse(200, headers, chunks=events(pending, done))

    return Route(
        name="openai.responses",
        matches=lambda method, path: method == "POST" and path.endswith("/responses"),
        handle=handle,
        render_error=openai_error,
    )
