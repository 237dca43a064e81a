"""Amazon Bedrock Runtime (`/model/{modelId}/...`) in front of the offline model.

- `Converse`: content blocks (`text`, `toolUse`, `toolResult`), `toolConfig`, the structured
  output config (`outputConfig.textFormat`, whose JSON schema travels as a *string*) and
  `inferenceConfig`'s `temperature` and `maxTokens` become a neutral `ModelRequest`; the reply is
  Converse JSON with `tooluse_...` ids.
- `ConverseStream`: the same reply as AWS event stream messages (`messageStart`,
  `contentBlockStart` for tool uses, `contentBlockDelta`, `contentBlockStop`, `messageStop`,
  `metadata`).
- `InvokeModel`: the Anthropic-on-Bedrock body (`anthropic_version: "bedrock-2023-05-31"`),
  answered by the Anthropic Messages adapter; other model families' bodies are refused.

Model ids arrive percent-encoded in the path (botocore encodes `:` and `/` of ARNs); they are
decoded here. Errors are AWS JSON errors: `{"message": ...}` plus an `x-amzn-errortype` header,
which botocore raises as `ClientError` with that code.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .anthropic_messages import answer as answer_anthropic
from .anthropic_messages import neutral_turns, new_id, stream_pieces, tool_input, unanswered_calls
from .eventstream import encode_json_event
from .protocol import Message, ModelReply, ModelRequest, ToolCall, ToolDef, ToolResult
from .wire import Route, WireError, WireRequest, WireResponse

if TYPE_CHECKING:
    from . import Thinker

_PATH = re.compile(r"^/model/(?P<model>.+)/(?P<action>[^/]+)$")
_ACTIONS = ("converse", "converse-stream", "invoke")
_ANTHROPIC_VERSION = "bedrock-2023-05-31"
_ERROR_TYPES = {400: "ValidationException", 404: "ResourceNotFoundException", 500: "InternalServerException"}
_TOOL_CHOICES = {"auto": "auto", "any": "required"}
EVENT_STREAM = "application/vnd.amazon.eventstream"


def route(brain: Thinker) -> Route:
    """The Bedrock Runtime adapter, serving POST `/model/{modelId}/{action}`."""
    return Route("bedrock.runtime", _matches, partial(_handle, brain), render_error)


def render_error(error: WireError) -> WireResponse:
    """An AWS JSON error; a code that is not already an AWS exception name is mapped by status."""
    code = error.code if error.code.endswith("Exception") else _ERROR_TYPES.get(error.status, "ValidationException")
    return WireResponse.of_json({"message": error.message}, status=error.status, headers={"x-amzn-errortype": code})


def to_model_request(body: Mapping[str, Any], model: str) -> ModelRequest:
    """A Converse request body as a neutral request (raises `WireError` 400 when malformed)."""
    try:
        tool_config = body.get("toolConfig")
        messages = _messages(body.get("messages") or [], has_tools=tool_config is not None)
        inference = body.get("inferenceConfig") or {}
        return ModelRequest(
            model=model,
            system=_system(body.get("system") or []),
            messages=messages,
            tools=_tools(tool_config),
            output_schema=_output_schema(body.get("outputConfig")),
            tool_choice=_tool_choice(tool_config),
            temperature=None if inference.get("temperature") is None else float(inference["temperature"]),
            max_tokens=None if inference.get("maxTokens") is None else int(inference["maxTokens"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise _invalid(f"Malformed input request: {error!r}") from None


def converse_json(reply: ModelReply, latency_ms: int) -> dict[str, Any]:
    """A brain reply as a Converse response."""
    content: list[dict[str, Any]] = []
    if reply.text or not reply.tool_calls:
        content.append({"text": reply.text})
    content.extend({"toolUse": _tool_use(call)} for call in reply.tool_calls)
    usage = reply.usage
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": "tool_use" if reply.tool_calls else "end_turn",
        "usage": {
            "inputTokens": usage.input_tokens,
            "outputTokens": usage.output_tokens,
            "totalTokens": usage.input_tokens + usage.output_tokens,
        },
        "metrics": {"latencyMs": latency_ms},
    }


def _matches(method: str, path: str) -> bool:
    return method == "POST" and _PATH.match(path) is not None


def _handle(brain: Thinker, request: WireRequest) -> WireResponse:
    found = _PATH.match(request.path)
    assert found is not None  # guaranteed by _matches
    model, action = unquote(found["model"]), found["action"]
    if action not in _ACTIONS:
        raise _invalid(f"the offline model serves {', '.join(_ACTIONS)} for /model/{{modelId}}/..., not {action!r}")
    body = request.json()
    if not isinstance(body, dict):
        raise _invalid("Malformed input request: the body must be a JSON object")
    if action == "invoke":
        return _invoke(brain, body, model)
    started = time.perf_counter()
    reply = brain.reply(to_model_request(body, model))
    converse = converse_json(reply, round((time.perf_counter() - started) * 1000))
    if action == "converse-stream":
        return WireResponse(200, {"content-type": EVENT_STREAM}, chunks=_stream_events(converse))
    return WireResponse.of_json(converse)


def _invoke(brain: Thinker, body: Mapping[str, Any], model: str) -> WireResponse:
    if body.get("anthropic_version") != _ANTHROPIC_VERSION:
        raise _invalid(
            "the offline model's InvokeModel reads only the Anthropic Messages body "
            f'(anthropic_version "{_ANTHROPIC_VERSION}", max_tokens, messages, system, tools); '
            "use Converse for other model formats"
        )
    return WireResponse.of_json(answer_anthropic(brain, body, model))


def _invalid(message: str) -> WireError:
    return WireError(400, "ValidationException", message)


def _system(blocks: list[dict[str, Any]]) -> str:
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(str(block["text"]))
        elif "cachePoint" not in block:
            raise _invalid(f"system: the offline model reads only text blocks, not {sorted(block)}")
    return "\n".join(texts)


def _messages(raw: list[dict[str, Any]], *, has_tools: bool) -> tuple[Message, ...]:
    names: dict[str, str] = {}
    turns: list[Message] = []
    for index, item in enumerate(raw):
        role = item["role"]
        if role not in ("user", "assistant"):
            raise _invalid(f"messages.{index}.role: expected 'user' or 'assistant', not {role!r}")
        if not isinstance(item["content"], list):
            raise _invalid(f"messages.{index}.content: expected a list of content blocks")
        turns.extend(_turn(role, item["content"], names, f"messages.{index}.content"))
    if (names or any(turn.tool_results for turn in turns)) and not has_tools:
        raise _invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
    if unanswered := unanswered_calls(turns):
        raise _invalid(f"Expected toolResult blocks for the following Ids: {', '.join(unanswered)}")
    return tuple(turns)


def _turn(role: str, blocks: list[dict[str, Any]], names: dict[str, str], where: str) -> list[Message]:
    texts: list[str] = []
    calls: list[ToolCall] = []
    results: list[ToolResult] = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"])
        elif "toolUse" in block and role == "assistant":
            use = block["toolUse"]
            calls.append(ToolCall(name=use["name"], arguments=json.dumps(use["input"]), id=use["toolUseId"]))
            names[use["toolUseId"]] = use["name"]
        elif "toolResult" in block and role == "user":
            results.append(_tool_result(block["toolResult"], names, where))
        elif "cachePoint" not in block:
            raise _invalid(f"{where}: the offline model reads text, toolUse and toolResult blocks, not {sorted(block)}")
    return neutral_turns(role, texts, calls, results)


def _tool_result(result: Mapping[str, Any], names: Mapping[str, str], where: str) -> ToolResult:
    call_id = result["toolUseId"]
    if call_id not in names:
        raise _invalid(f"{where}: toolResult {call_id} does not answer any earlier toolUse")
    return ToolResult(
        call_id=call_id,
        content="\n".join(_result_text(part, where) for part in result["content"]),
        name=names[call_id],
        is_error=result.get("status") == "error",
    )


def _result_text(part: Mapping[str, Any], where: str) -> str:
    if "json" in part:
        return json.dumps(part["json"])
    if "text" in part:
        return str(part["text"])
    raise _invalid(f"{where}: the offline model reads json and text toolResult content, not {sorted(part)}")


def _tools(config: Mapping[str, Any] | None) -> tuple[ToolDef, ...]:
    specs = [tool["toolSpec"] for tool in (config or {}).get("tools", ()) if "cachePoint" not in tool]
    return tuple(
        ToolDef(name=spec["name"], description=spec.get("description", ""), parameters=spec["inputSchema"]["json"])
        for spec in specs
    )


def _tool_choice(config: Mapping[str, Any] | None) -> str:
    choice = (config or {}).get("toolChoice") or {"auto": {}}
    if "tool" in choice:
        return str(choice["tool"]["name"])
    (kind,) = choice
    if kind not in _TOOL_CHOICES:
        raise _invalid(f"toolConfig.toolChoice: expected auto, any or tool, not {kind!r}")
    return _TOOL_CHOICES[kind]


def _output_schema(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    text_format = (config or {}).get("textFormat")
    if text_format is None:
        return None
    if text_format["type"] != "json_schema":
        raise _invalid(f"outputConfig.textFormat.type: expected 'json_schema', not {text_format['type']!r}")
    schema = json.loads(text_format["structure"]["jsonSchema"]["schema"])
    if not isinstance(schema, dict):
        raise _invalid("outputConfig.textFormat.structure.jsonSchema.schema must be a JSON object")
    return schema


def _tool_use(call: ToolCall) -> dict[str, Any]:
    return {
        "toolUseId": call.id or new_id("tooluse_"),
        "name": call.name,
        "input": tool_input(call.arguments),
    }


def _stream_events(converse: Mapping[str, Any]) -> Iterator[bytes]:
    """ConverseStream events carrying the same message as the `converse` response."""
    message = converse["output"]["message"]
    yield encode_json_event("messageStart", {"role": message["role"]})
    for index, block in enumerate(message["content"]):
        if "toolUse" in block:
            use = block["toolUse"]
            start = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}
            yield encode_json_event("contentBlockStart", {"contentBlockIndex": index, "start": start})
            deltas = [{"toolUse": {"input": piece}} for piece in stream_pieces(json.dumps(use["input"]))]
        else:
            deltas = [{"text": piece} for piece in stream_pieces(block["text"])]
        for delta in deltas:
            yield encode_json_event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta})
        yield encode_json_event("contentBlockStop", {"contentBlockIndex": index})
    yield encode_json_event("messageStop", {"stopReason": converse["stopReason"]})
    yield encode_json_event("metadata", {"usage": converse["usage"], "metrics": converse["metrics"]})
