"""Route one boto3 client's HTTP calls to the offline model through botocore's `before-send` hook.

botocore emits `before-send.<service-id>.<Operation>` with the fully serialized (and signed)
`AWSPreparedRequest` right before it would open a connection; a handler that returns an
`AWSResponse` replaces the network call, and botocore's own parsers then read that response as
they would a real one (JSON bodies via `.content`, event streams via `raw.stream()`, blob payloads
such as InvokeModel's `body` via `raw.read()`).

Each boto3 client owns a copy of its session's event emitter, so registering on
`client.meta.events` affects that client alone.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from .wire import Handler, WireRequest

__all__ = ["OfflineSend", "attach_boto3"]


def attach_boto3(client: Any, handler: Handler) -> Any:
    """Answer every call of `client` (e.g. a `bedrock-runtime` client) with `handler`; returns it."""
    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-send.{service_id}.*", OfflineSend(handler))
    return client


class OfflineSend:
    """A botocore `before-send` handler that answers from a wire handler instead of the network."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        """Turns one `WireRequest` into one `WireResponse`."""

    def __call__(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        reply = self.handler(_wire_request(request))
        return AWSResponse(request.url, reply.status, reply.headers, ChunkReader(reply.iter_bytes()))


def _wire_request(request: AWSPreparedRequest) -> WireRequest:
    """The plain-data view of a prepared request.

    The path stays as sent on the wire (percent-encoded, e.g. `/model/arn%3Aaws%3A...%2Fx/converse`)
    so that a `/` inside a model id is not mistaken for a separator; routes decode what they read.
    """
    headers = {str(name).lower(): _text(value) for name, value in request.headers.items()}
    return WireRequest(request.method.upper(), urlsplit(request.url).path, headers, _body_bytes(request.body))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        return bytes(body.read())
    return bytes(body)


class ChunkReader(io.RawIOBase):
    """A response body read from chunks, as botocore reads urllib3's raw response.

    `stream()` hands the chunks over as they come (event streams decode message by message);
    `read()` serves `StreamingBody` and `AWSResponse.content`.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes, or the rest of the body when `size` is None or negative."""
        return super().read(-1 if size is None else size) or b""

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        """The remaining body, one chunk at a time (the signature of urllib3's `stream`)."""
        if self._pending:
            yield self._pending
            self._pending = b""
        for chunk in self._chunks:
            if chunk:
                yield chunk
