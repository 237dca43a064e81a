"""An httpx2 transport that hands the SDK's HTTP requests to the offline model, in process.

The openai and anthropic SDKs accept `http_client=httpx2.Client(transport=...)`. Plugging
`OfflineTransport` in there is a transport hook: the SDK still builds, serializes, sends, retries
and parses exactly as it would against the real service; only the bytes never leave the process.
Both the sync (`httpx2.Client`) and async (`httpx2.AsyncClient`) clients are served, and streamed
bodies (SSE) reach the SDK chunk by chunk, as they would over a socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import httpx2

from .wire import Handler, WireRequest

__all__ = ["OfflineTransport"]


class OfflineTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers httpx2 requests by calling `handler` (usually an `OfflineModel`) instead of the network."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        """Turns one `WireRequest` into one `WireResponse`."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Serve a request from a sync `httpx2.Client`."""
        reply = self.handler(_wire_request(request, request.read()))
        content = reply.body if reply.chunks is None else iter(reply.chunks)
        return httpx2.Response(reply.status, headers=reply.headers, content=content, request=request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Serve a request from an async `httpx2.AsyncClient`."""
        reply = self.handler(_wire_request(request, await request.aread()))
        content = reply.body if reply.chunks is None else _async_chunks(reply.chunks)
        return httpx2.Response(reply.status, headers=reply.headers, content=content, request=request)


def _wire_request(request: httpx2.Request, body: bytes) -> WireRequest:
    """The plain-data view of an httpx2 request."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    return WireRequest(request.method.upper(), request.url.path, headers, body)


async def _async_chunks(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    """A streamed body as the async iterator `httpx2.AsyncClient` requires."""
    for chunk in chunks:
        yield chunk
