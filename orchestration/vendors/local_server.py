"""How every client reaches a local OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio).

`ServerAdapter`, an httpx2 transport under every client that talks to the server, is the one place
for the differences between servers. It sends `tool_choice` and a `max_tokens` bound when a request
has none; when the server refuses `json_schema` structured output it falls back to `json_object`,
then to the schema in the prompt (the caller validates what comes back), remembers that for the
session (`ServerQuirks`) and says so in the trace; and it cuts a server's traceback out of an error
before anyone reads it. A request that offers tools and asks for structured output is sent without
`response_format`, with the schema in the prompt: a server such as llama.cpp applies a
`response_format` grammar from the first token, so the model could never call a tool (and the
server does not refuse the request). The caller validates the answer, from which only a Markdown
code fence around the JSON is removed. The adapter handles `/chat/completions` only: a Responses
API request (`OPENAI_AGENTS_API=responses`) goes to the server as it is. It also notes what the
server read for each call in the run's `PromptLedger` (its `usage` and `timings`, and the tokens
of llama.cpp's `/apply-template` and `/tokenize`).

It reads the session's settings through `ServerSettings`, an interface, and imports nothing of the
project but `observe`: the clients (`clients.py`) and the local model (`local_model.py`) import
it, never the other way round.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

from .. import observe


class ServerSettings(Protocol):
    """What this module reads of the session's settings (`settings.Settings` has it): the interface the
    providers and the local server meet through, so neither imports the other's module."""

    local_model_url: str
    """The server's OpenAI-compatible base URL."""
    local_model: str
    """The model name sent to the server."""
    max_tokens: str
    """The `max_tokens` bound sent when a request has none."""
    temperature: str
    """The temperature sent when a request has none ("" for the server's own)."""

    def timeout(self) -> float: ...
    def retries(self) -> int: ...


@dataclass
class ServerQuirks:
    """What one session has learnt about its server."""

    json_schema: bool = True
    """The server accepts `response_format: json_schema`."""
    json_object: bool = True
    """The server accepts `response_format: json_object`."""
    tokenizes: bool = True
    """The server renders and tokenizes a chat request for us (llama.cpp's `/apply-template`, `/tokenize`)."""


class ServerAdapter(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Sends chat completions the way the session's server accepts them (sync and async clients)."""

    def __init__(self, settings: ServerSettings, quirks: ServerQuirks) -> None:
        self.settings, self.quirks = settings, quirks
        self._sync: httpx2.HTTPTransport | None = None
        self._async: httpx2.AsyncHTTPTransport | None = None

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self._sync = self._sync or httpx2.HTTPTransport()
        body = self._chat_body(request)
        if body is None:
            return _clean(self._sync.handle_request(request), request)
        while True:
            sent = self._fitted(body)
            response = self._sync.handle_request(_with_body(request, sent))
            if response.status_code < 400 or not self._learn(body):
                break
            response.read()
            response.close()
        if not body.get("stream"):
            response.read()
            self._count(response, request, sent, self._sync.handle_request)
        if _tools_and_format(body):
            response = _tools_answer(response, request, body)
        return _clean(response, request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self._async = self._async or httpx2.AsyncHTTPTransport()
        body = self._chat_body(request)
        if body is None:
            return await _aclean(await self._async.handle_async_request(request), request)
        while True:
            sent = self._fitted(body)
            response = await self._async.handle_async_request(_with_body(request, sent))
            if response.status_code < 400 or not self._learn(body):
                break
            await response.aread()
            await response.aclose()
        if not body.get("stream"):
            await response.aread()
            tokens = await self._atokens(request, sent) if self._counting(response) else None
            self._counted(response, tokens)
        if _tools_and_format(body):
            response = _tools_answer(response, request, body)
        return await _aclean(response, request)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()

    # What the server read: `PromptLedger` of the run, per call ----------------------------------------

    def _counting(self, response: httpx2.Response) -> bool:
        return response.status_code < 400 and observe.current() is not None

    def _count(self, response: httpx2.Response, request: httpx2.Request, sent: dict[str, Any],
               send: Callable[[httpx2.Request], httpx2.Response]) -> None:
        tokens = None
        if self._counting(response) and self.quirks.tokenizes:
            rendered = _read(send(_server_call(request, "apply-template", _prompt_only(sent))))
            if rendered is not None:
                tokens = _read(send(_server_call(request, "tokenize", {"content": rendered.get("prompt", "")})))
            tokens = self._tokens_from(rendered, tokens)
        self._counted(response, tokens)

    async def _atokens(self, request: httpx2.Request, sent: dict[str, Any]) -> list[int] | None:
        if not self.quirks.tokenizes:
            return None
        assert self._async is not None
        rendered = _read(await _aread(await self._async.handle_async_request(
            _server_call(request, "apply-template", _prompt_only(sent)))))
        tokens = None
        if rendered is not None:
            tokens = _read(await _aread(await self._async.handle_async_request(
                _server_call(request, "tokenize", {"content": rendered.get("prompt", "")}))))
        return self._tokens_from(rendered, tokens)

    def _tokens_from(self, rendered: dict[str, Any] | None, tokenized: dict[str, Any] | None) -> list[int] | None:
        found = (tokenized or {}).get("tokens")
        if rendered is None or not isinstance(found, list):
            self.quirks.tokenizes = False  # not llama.cpp: the floor stays unknown (null)
            return None
        return [t if isinstance(t, int) else t.get("id", -1) for t in found]

    def _counted(self, response: httpx2.Response, tokens: list[int] | None) -> None:
        scope = observe.current()
        if scope is None or response.status_code >= 400:
            return
        payload = _read(response)
        usage, timings = (payload or {}).get("usage") or {}, (payload or {}).get("timings") or {}
        evaluated = timings.get("prompt_n")
        scope.trace.prompts.add(scope.trace.turn, int(usage.get("prompt_tokens") or 0),
                                evaluated if isinstance(evaluated, int) else None, tokens)

    def _chat_body(self, request: httpx2.Request) -> dict[str, Any] | None:
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return None
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _fitted(self, body: dict[str, Any]) -> dict[str, Any]:
        """The request as this server takes it."""
        body = dict(body)
        if body.get("tools") and "tool_choice" not in body:
            body["tool_choice"] = "auto"  # some servers leave tools out of the prompt unless this is sent
        if "max_tokens" not in body and "max_completion_tokens" not in body:
            body["max_tokens"] = int(self.settings.max_tokens)
        if self.settings.temperature and "temperature" not in body:
            body["temperature"] = float(self.settings.temperature)
        wanted = body.get("response_format") or {}
        if _tools_and_format(body):  # a grammar would forbid tool calls
            body["messages"] = _with_schema_note(body.get("messages") or [],
                                                 (wanted.get("json_schema") or {}).get("schema") or {})
            body.pop("response_format")
        elif wanted.get("type") == "json_schema" and not self.quirks.json_schema:
            schema = wanted.get("json_schema", {}).get("schema", {})
            body["messages"] = _with_schema_note(body.get("messages") or [], schema)
            if self.quirks.json_object:
                body["response_format"] = {"type": "json_object"}
            else:
                body.pop("response_format")
        return body

    def _learn(self, body: dict[str, Any]) -> bool:
        """After an error: whether a structured-output fallback remains to try (and remember it)."""
        if (body.get("response_format") or {}).get("type") != "json_schema" or _tools_and_format(body):
            return False
        if self.quirks.json_schema:
            self.quirks.json_schema = False
            _note("the server refused json_schema output → ask for json_object, with the schema in the prompt")
            return True
        if self.quirks.json_object:
            self.quirks.json_object = False
            _note("the server refused json_object output too → the schema in the prompt only; the answer is validated")
            return True
        return False


def _note(summary: str) -> None:
    scope = observe.current()
    if scope is not None:
        scope.emit(scope.caller, scope.caller, "decide", "code", summary)


def _tools_and_format(body: dict[str, Any]) -> bool:
    """Whether a chat request offers tools and asks for structured (JSON) output at once."""
    offered = bool(body.get("tools")) and body.get("tool_choice") != "none"
    return offered and (body.get("response_format") or {}).get("type") in ("json_schema", "json_object")


def _with_schema_note(messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    note = (f"Answer with only a JSON object that follows this JSON schema:\n{json.dumps(schema)}" if schema
            else "Answer with only a JSON object.")
    if messages and messages[0].get("role") in ("system", "developer") and isinstance(messages[0].get("content"), str):
        return [{**messages[0], "content": f"{messages[0]['content']}\n\n{note}"}, *messages[1:]]
    return [{"role": "system", "content": note}, *messages]


_FENCED = re.compile(r"\A\s*```[ \t]*(?:json)?[ \t]*\n(?P<json>.*?)\n?[ \t]*(?:```)?\s*\Z", re.S | re.I)
"""JSON in a Markdown code fence (a small model may stop before the closing one)."""


def _unfenced(text: Any) -> Any:
    """JSON text the model wrapped in one Markdown code fence, without the fence; anything else as it is."""
    found = _FENCED.match(text) if isinstance(text, str) else None
    if found is None:
        return text
    try:
        json.loads(found["json"])
    except ValueError:
        return text
    return found["json"].strip()


def _tools_answer(response: httpx2.Response, request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
    """The answer to a request sent with tools and the schema in the prompt, said so in the trace.

    A (read, not streamed) chat completion whose text answer is JSON in a Markdown code fence loses
    the fence, as a `response_format` grammar would have given it; nothing else is changed.
    """
    unfenced = 0
    if response.status_code < 400 and not body.get("stream"):
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = None
        choices = payload.get("choices") if isinstance(payload, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict) and not message.get("tool_calls"):
                text = _unfenced(message.get("content"))
                unfenced += text != message.get("content")
                message["content"] = text
        if unfenced:
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")}
            response = httpx2.Response(response.status_code, headers=headers, json=payload, request=request)
    _note("tools and structured output together: the schema goes in the prompt while tools are offered "
          "(a response_format grammar would forbid tool calls); the answer is validated"
          + ("; its JSON came in a Markdown code fence, which was removed" if unfenced else ""))
    return response


def _prompt_only(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("messages", "tools", "tool_choice") if k in body}


def _server_call(request: httpx2.Request, endpoint: str, body: dict[str, Any]) -> httpx2.Request:
    """A request to the server's own endpoint beside `/v1/chat/completions` (llama.cpp's `/tokenize`)."""
    path = request.url.path
    root = path.removesuffix("/chat/completions").removesuffix("/v1")
    headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "user-agent")}
    return httpx2.Request("POST", request.url.copy_with(path=f"{root}/{endpoint}", query=None),
                          headers={**headers, "content-type": "application/json"}, content=json.dumps(body).encode())


def _read(response: httpx2.Response) -> dict[str, Any] | None:
    """A server's JSON object answer, or None (an error, not JSON)."""
    if response.status_code >= 400:
        response.read()
        return None
    try:
        payload = json.loads(response.read())
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


async def _aread(response: httpx2.Response) -> httpx2.Response:
    await response.aread()
    return response


def _with_body(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx2.Request(request.method, request.url, headers=headers, content=json.dumps(body).encode(),
                          extensions=request.extensions)


def _clean(response: httpx2.Response, request: httpx2.Request) -> httpx2.Response:
    if response.status_code < 400:
        return response
    response.read()
    return _cleaned(response, request)


async def _aclean(response: httpx2.Response, request: httpx2.Request) -> httpx2.Response:
    if response.status_code < 400:
        return response
    await response.aread()
    return _cleaned(response, request)


def _cleaned(response: httpx2.Response, request: httpx2.Request) -> httpx2.Response:
    """An error response whose message holds no server traceback: the first plain line of what it said."""
    try:
        payload = json.loads(response.content)
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        message = error.get("message", json.dumps(error)) if isinstance(error, dict) else str(error)
    except ValueError:
        message = response.text
    message = without_traceback(message)
    body = {"error": {"message": message, "type": "server_error", "code": response.status_code}}
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding",
                                                                              "transfer-encoding")}
    return httpx2.Response(response.status_code, headers=headers, json=body, request=request)


def without_traceback(text: str, limit: int = 300) -> str:
    """A server's error text without the Python traceback some servers put in it."""
    text = re.split(r"Traceback \(most recent call last\)", text)[0]
    lines = [line for line in text.splitlines()
             if line.strip() and not re.match(r'\s*(File ".*", line \d+|\^+$)', line)]
    return " ".join(" ".join(lines).split())[:limit] or "the server failed without saying why"
