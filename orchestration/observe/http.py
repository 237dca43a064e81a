"""httpx2 event hooks that observe the openai and anthropic SDKs' model calls.

The SDKs accept `http_client=httpx2.Client(event_hooks=...)`. The request hook sees the JSON body the
SDK is about to send; the response hook reads the body the service answered. Between them they
record one `call_model` step and the model's answer (tool calls, a parse, or text) with its token
usage — for OpenAI Chat Completions and Anthropic Messages alike, real or offline.

The Agents SDK's clients are not hooked: its own trace processor reports their calls
(`orchestration.observe.sdk_trace`).
"""

from __future__ import annotations

import json
from time import perf_counter
from typing import Any

import httpx2

from . import ModelAnswer, current, model_answered, model_called

_STARTED = "observed.started"


class ModelCallHooks:
    """Event hooks for one vendor client: `httpx2.Client(event_hooks=hooks.event_hooks())`."""

    def __init__(self, model: str, model_id: str, provider: str) -> None:
        self.model = model
        """Actor id of the client's model."""
        self.model_id = model_id
        """Model id sent with each call."""
        self.provider = provider
        """The API's vendor: `openai` or `anthropic`."""

    def event_hooks(self) -> dict[str, list[Any]]:
        return {"request": [self.request], "response": [self.response]}

    def request(self, request: httpx2.Request) -> None:
        scope = current()
        body = _json(request.content) if scope is not None and _reader(request) else None
        if scope is None or body is None:
            return
        request.extensions[_STARTED] = (perf_counter(), bool(body.get("tools")))
        model_called(scope, self.model, len(body.get("messages") or []), len(body.get("tools") or []))

    def response(self, response: httpx2.Response) -> None:
        request = response.request
        scope, read = current(), _reader(request)
        if scope is None or read is None or _STARTED not in request.extensions or response.status_code >= 400:
            return
        response.read()
        body = _json(response.content)
        if body is None:
            return
        started, offered = request.extensions[_STARTED]
        model_answered(scope, self.model, self.model_id, read(body), offered, (perf_counter() - started) * 1000,
                       self.provider)


def _reader(request: httpx2.Request) -> Any:
    path = request.url.path
    if path.endswith("/chat/completions"):
        return _chat_completion
    if path.endswith("/messages"):
        return _anthropic_message
    return None


def _chat_completion(body: dict[str, Any]) -> ModelAnswer:
    message = ((body.get("choices") or [{}])[0]).get("message") or {}
    calls = tuple((c.get("function", {}).get("name", ""), c.get("function", {}).get("arguments", ""))
                  for c in message.get("tool_calls") or [])
    usage = body.get("usage") or {}
    return ModelAnswer(message.get("content") or "", calls, usage.get("prompt_tokens", 0),
                       usage.get("completion_tokens", 0))


def _anthropic_message(body: dict[str, Any]) -> ModelAnswer:
    blocks = body.get("content") or []
    text = " ".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    calls = tuple((b.get("name", ""), b.get("input", {})) for b in blocks if b.get("type") == "tool_use")
    usage = body.get("usage") or {}
    return ModelAnswer(text, calls, usage.get("input_tokens", 0), usage.get("output_tokens", 0))


def _json(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content or b"null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
