"""Recording: the taps that keep each model call where it happens, at the edges, never in a pattern.

- the emulated services (offline, and every Bedrock and Anthropic call on a local model): the brain behind
  each protocol, tapped per protocol (`Recorder.tap`, given to `OfflineModel(tap=...)`);
- OpenAI on a local server and OpenAI or Anthropic for real: the SDK client's httpx2 transport (`http_tap`),
  which reads the request and the answer with the same protocol readers (`wire.py`)."""

from __future__ import annotations

import json
import threading
from typing import Any

from ... import observe
from ..offline.protocol import ModelReply, ModelRequest
from .format import Call, Cassette, CassetteError, reply_data, request_data
from .wire import _api, _chat_reply, _messages_reply, _responses_reply


class Recorder:
    """Keeps each call made through its taps, in the order they return."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        self._lock = threading.Lock()

    def keep(self, api: str, request: ModelRequest, reply: ModelReply, notes: list[str]) -> None:
        with self._lock:
            self.cassette.calls.append(Call(api, request.model, request_data(request), reply_data(reply), notes))

    def tap(self, brain: Any, api: str) -> Any:
        """`brain` (a `Thinker`) with each of its answers kept."""
        return _TappedThinker(brain, api, self)



class _TappedThinker:
    def __init__(self, brain: Any, api: str, recorder: Recorder) -> None:
        self.brain, self.api, self.recorder = brain, api, recorder

    def reply(self, request: ModelRequest) -> ModelReply:
        with _notes() as notes:
            reply = self.brain.reply(request)
        self.recorder.keep(self.api, request, reply, notes)
        return reply



class _notes:
    """Collects what your code's edge says during a call (`decide` steps by code in the current scope)."""

    def __enter__(self) -> list[str]:
        self.scope = observe.current()
        self.before = len(self.scope.trace.events) if self.scope else 0
        self.found: list[str] = []
        return self.found

    def __exit__(self, *_: object) -> None:
        if self.scope is not None:
            self.found += [e.summary for e in self.scope.trace.events[self.before:]
                           if e.action == "decide" and e.decided_by == "code" and e.actor == self.scope.caller]


# --- The HTTP edge: OpenAI on a local server, OpenAI and Anthropic for real -------------------------



def http_tap(inner: Any, recorder: Recorder) -> Any:
    """An httpx2 transport that sends through `inner` (None: the network) and keeps each model call."""
    import httpx2

    class HttpTap(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
        def __init__(self) -> None:
            self._sync = inner if inner is not None else httpx2.HTTPTransport()
            self._async = inner if inner is not None else httpx2.AsyncHTTPTransport()

        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            with _notes() as notes:
                response = self._sync.handle_request(request)
                if _api(request) and response.status_code < 400:
                    response.read()
            _keep(recorder, request, response, notes)
            return response

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            with _notes() as notes:
                response = await self._async.handle_async_request(request)
                if _api(request) and response.status_code < 400:
                    await response.aread()
            _keep(recorder, request, response, notes)
            return response

        def close(self) -> None:
            self._sync.close()

        async def aclose(self) -> None:
            await self._async.aclose()

    return HttpTap()



def _keep(recorder: Recorder, request: Any, response: Any, notes: list[str]) -> None:
    """Keep a model call read off the wire; a streamed answer or an error is not a decision to keep."""
    from ..offline import anthropic_messages, openai_chat, openai_responses

    api = _api(request)
    if not api or response.status_code >= 400 or "text/event-stream" in response.headers.get("content-type", ""):
        return
    try:
        body, answer = json.loads(request.content), json.loads(response.content)
        if api == "openai.chat_completions":
            parsed, reply = openai_chat.to_model_request(body), _chat_reply(answer)
        elif api == "openai.responses":
            parsed, reply = openai_responses.to_model_request(body), _responses_reply(answer)
        else:
            parsed, reply = anthropic_messages.to_model_request(body, str(body.get("model"))), _messages_reply(answer)
    except Exception as error:  # noqa: BLE001 - a request this edge cannot read is said, not guessed
        raise CassetteError(f"cannot record a {api} call: {type(error).__name__}: {error}") from None
    recorder.keep(api, parsed, reply, notes)
