"""Anthropic Messages API (`POST /v1/messages`) in front of the offline model.

Turns a Messages request body into a neutral `ModelRequest`, asks the brain, and answers with a
`message` object, or with the server-sent events the SDK's stream parser assembles into one. The
same body conversion serves Anthropic models on Bedrock (`InvokeModel`), whose body is this format
with `anthropic_version` instead of `model`; `bedrock_runtime` calls `answer` for it.

Like the real API, a request is refused (400 `invalid_request_error`) when an assistant turn's
`tool_use` blocks are not all answered by `tool_result` blocks in the next message, so a caller
that forgets one of several tool calls fails visibly.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from .protocol import Message, ModelReply, ModelRequest, ToolCall, ToolDef, ToolResult
from .wire import Route, WireError, WireRequest, WireResponse

if TYPE_CHECKING:
    from . import Thinker

_INVALID = "invalid_request_error"
_TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}
_ID_ALPHABET = string.ascii_letters + string.digits


def route(brain: Thinker) -> Route:
    """The Messages adapter, serving POST paths ending in `/v1/messages`."""
    return Route("anthropic.messages", _matches, partial(_handle, brain), render_error)


def render_error(error: WireError) -> WireResponse:
    """An error in Anthropic's shape: `{"type": "error", "error": {"type", "message"}}`."""
    return WireResponse.of_json(
        {"type": "error", "error": {"type": error.code, "message": error.message}}, status=error.status
    )


def answer(brain: Thinker, body: Mapping[str, Any], model: str) -> dict[str, Any]:
    """The `message` object the brain gives for a Messages request body."""
    request = to_model_request(body, model)
    return message_json(brain.reply(request), model)


def to_model_request(body: Mapping[str, Any], model: str) -> ModelRequest:
    """A Messages request body as a neutral request (raises `WireError` 400 when malformed)."""
    try:
        messages = body["messages"]
        if not isinstance(messages, list) or not messages:
            raise _invalid("messages: at least one message is required")
        if "max_tokens" not in body:
            raise _invalid("max_tokens: Field required")
        return ModelRequest(
            model=model,
            system=_system(body.get("system")),
            messages=_messages(messages),
            tools=tuple(_tool_def(tool) for tool in body.get("tools") or ()),
            output_schema=_output_schema(body.get("output_config")),
            tool_choice=_tool_choice(body.get("tool_choice")),
            temperature=None if body.get("temperature") is None else float(body["temperature"]),
            max_tokens=int(body["max_tokens"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise _invalid(f"malformed request body: {error!r}") from None


def message_json(reply: ModelReply, model: str) -> dict[str, Any]:
    """A brain reply as an Anthropic `message` object."""
    content: list[dict[str, Any]] = []
    if reply.text or not reply.tool_calls:
        content.append({"type": "text", "text": reply.text})
    content.extend(_tool_use(call) for call in reply.tool_calls)
    return {
        "id": new_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.usage.input_tokens,
            "output_tokens": reply.usage.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _tool_use(call: ToolCall) -> dict[str, Any]:
    call_id = call.id or new_id("toolu_01")
    return {"type": "tool_use", "id": call_id, "name": call.name, "input": tool_input(call.arguments)}


def tool_input(arguments: str) -> dict[str, Any]:
    """Tool-call arguments as the object vendors send; text that is not a JSON object is passed
    on as `{"_unparsed_arguments": text}` so the caller's validation rejects it visibly."""
    try:
        parsed = json.loads(arguments)
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {"_unparsed_arguments": arguments}


def stream_pieces(text: str, size: int = 24) -> list[str]:
    """`text` cut into the small pieces a streaming model would send (none for empty text)."""
    return [text[start : start + size] for start in range(0, len(text), size)]


def new_id(prefix: str) -> str:
    """A fresh id in the vendors' style: prefix plus 22 random letters and digits."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def neutral_turns(role: str, texts: list[str], calls: list[ToolCall], results: list[ToolResult]) -> list[Message]:
    """One wire message's parts as neutral turns. A user message carrying tool results becomes a
    tool turn, followed by a user turn only if it also has text."""
    text = "\n".join(texts)
    if role == "assistant":
        return [Message("assistant", text, tuple(calls))]
    turns = [Message("tool", tool_results=tuple(results))] if results else []
    if text or not results:
        turns.append(Message("user", text))
    return turns


def unanswered_calls(messages: Sequence[Message]) -> list[str]:
    """Ids of the first turn's tool calls that the turn right after it does not answer (or none)."""
    for turn, following in zip(messages, messages[1:]):
        answered = {result.call_id for result in following.tool_results}
        missing = [call.id for call in turn.tool_calls if call.id not in answered]
        if missing:
            return missing
    return []


def _matches(method: str, path: str) -> bool:
    return method == "POST" and path.endswith("/v1/messages")


def _handle(brain: Thinker, request: WireRequest) -> WireResponse:
    body = request.json()
    if not isinstance(body, dict):
        raise _invalid("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _invalid("model: Field required")
    message = answer(brain, body, model)
    if body.get("stream"):
        return WireResponse(200, {"content-type": "text/event-stream"}, chunks=_sse(message))
    return WireResponse.of_json(message)


def _invalid(message: str) -> WireError:
    return WireError(400, _INVALID, message)


def _system(system: str | list[dict[str, Any]] | None) -> str:
    if system is None or isinstance(system, str):
        return system or ""
    return "\n".join(_text_of(block, "system") for block in system)


def _text_of(block: Mapping[str, Any], where: str) -> str:
    if block.get("type") != "text":
        raise _invalid(f"{where}: the offline model reads only text blocks here, not {block.get('type')!r}")
    return str(block["text"])


def _messages(raw: list[dict[str, Any]]) -> tuple[Message, ...]:
    names: dict[str, str] = {}
    turns: list[Message] = []
    for index, item in enumerate(raw):
        role = item["role"]
        if role not in ("user", "assistant"):
            raise _invalid(f"messages.{index}.role: Unexpected role {role!r}. Allowed roles are 'user' or 'assistant'.")
        content = item["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        turns.extend(_turn(role, blocks, names, f"messages.{index}"))
    if unanswered := unanswered_calls(turns):
        raise _invalid(
            f"`tool_use` ids were found without `tool_result` blocks immediately after: {', '.join(unanswered)}. "
            "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
        )
    return tuple(turns)


def _turn(role: str, blocks: list[dict[str, Any]], names: dict[str, str], where: str) -> list[Message]:
    texts: list[str] = []
    calls: list[ToolCall] = []
    results: list[ToolResult] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "tool_use" and role == "assistant":
            calls.append(ToolCall(name=block["name"], arguments=json.dumps(block.get("input", {})), id=block["id"]))
            names[block["id"]] = block["name"]
        elif kind == "tool_result" and role == "user":
            results.append(_tool_result(block, names, where))
        else:
            texts.append(_text_of(block, where))
    return neutral_turns(role, texts, calls, results)


def _tool_result(block: Mapping[str, Any], names: Mapping[str, str], where: str) -> ToolResult:
    call_id = block["tool_use_id"]
    if call_id not in names:
        raise _invalid(
            f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {call_id}. "
            "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
        )
    content = block.get("content", "")
    text = content if isinstance(content, str) else "\n".join(_text_of(part, where) for part in content)
    return ToolResult(call_id=call_id, content=text, name=names[call_id], is_error=bool(block.get("is_error")))


def _tool_def(tool: Mapping[str, Any]) -> ToolDef:
    if tool.get("type") not in (None, "custom") or "input_schema" not in tool:
        kind = tool.get("type")
        raise _invalid(f"tools: the offline model runs only custom tools with an input_schema, not {kind!r}")
    return ToolDef(name=tool["name"], description=tool.get("description", ""), parameters=tool["input_schema"])


def _tool_choice(choice: Mapping[str, Any] | None) -> str:
    if choice is None:
        return "auto"
    kind = choice["type"]
    if kind == "tool":
        return str(choice["name"])
    if kind not in _TOOL_CHOICES:
        raise _invalid(f"tool_choice.type: expected 'auto', 'any', 'tool' or 'none', not {kind!r}")
    return _TOOL_CHOICES[kind]


def _output_schema(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    output_format = (config or {}).get("format")
    if output_format is None:
        return None
    if output_format.get("type") != "json_schema":
        raise _invalid(f"output_config.format.type: expected 'json_schema', not {output_format.get('type')!r}")
    return dict(output_format["schema"])


def _sse(message: Mapping[str, Any]) -> Iterator[bytes]:
    """The server-sent events of a streamed `message`, in the order the API sends them."""
    start = {**message, "content": [], "stop_reason": None, "usage": {**message["usage"], "output_tokens": 0}}
    yield _event("message_start", {"message": start})
    yield _event("ping", {})
    for index, block in enumerate(message["content"]):
        yield from _block_events(index, block)
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    yield _event("message_delta", {"delta": delta, "usage": {"output_tokens": message["usage"]["output_tokens"]}})
    yield _event("message_stop", {})


def _block_events(index: int, block: Mapping[str, Any]) -> Iterator[bytes]:
    if block["type"] == "text":
        opening: Mapping[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in stream_pieces(block["text"])]
    else:
        opening = {**block, "input": {}}
        arguments = json.dumps(block["input"])
        deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in stream_pieces(arguments)]
    yield _event("content_block_start", {"index": index, "content_block": opening})
    for delta in deltas:
        yield _event("content_block_delta", {"index": index, "delta": delta})
    yield _event("content_block_stop", {"index": index})


def _event(kind: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()
