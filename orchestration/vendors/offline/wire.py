"""HTTP exchanges between a vendor SDK and the offline model, as plain data.

One router serves three doors: an httpx2 transport (openai, anthropic), a botocore `before-send`
handler (boto3), and a loopback HTTP server (`python -m orchestration serve`). Each door turns its
own request object into a `WireRequest` and its `WireResponse` back into what the SDK expects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request as the SDK serialized it."""

    method: str
    """HTTP method, upper case."""
    path: str
    """URL path, e.g. `/v1/chat/completions` or `/model/<id>/converse`."""
    headers: dict[str, str]
    """Headers with lower-case names."""
    body: bytes
    """Raw request body."""

    def json(self) -> Any:
        """The body parsed as JSON (raises `WireError` 400 when it is not)."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError as error:
            raise WireError(400, "invalid_request_error", f"request body is not JSON: {error}") from None


@dataclass(frozen=True)
class WireResponse:
    """One HTTP response: a whole body, or chunks for a stream (SSE, AWS event stream)."""

    status: int
    """HTTP status code."""
    headers: dict[str, str]
    """Response headers."""
    body: bytes = b""
    """Whole body, when not streaming."""
    chunks: Iterable[bytes] | None = None
    """Body pieces, when streaming; consumed once."""

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as a sequence of byte chunks, whether streamed or not."""
        if self.chunks is None:
            yield self.body
        else:
            yield from self.chunks

    @classmethod
    def of_json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> WireResponse:
        """A JSON response."""
        return cls(status, {"content-type": "application/json", **(headers or {})}, json.dumps(payload).encode())


@dataclass
class WireError(Exception):
    """A request the offline model refuses, with the status a real service would send."""

    status: int
    """HTTP status code."""
    code: str
    """Short machine-readable kind, e.g. `invalid_request_error`."""
    message: str
    """What was wrong, in plain words."""

    def __str__(self) -> str:
        return self.message


Handler = Callable[[WireRequest], WireResponse]
ErrorRenderer = Callable[[WireError], WireResponse]


@dataclass(frozen=True)
class Route:
    """A protocol adapter bound to the paths it serves."""

    name: str
    """Protocol name, e.g. `openai.chat_completions`."""
    matches: Callable[[str, str], bool]
    """Whether this route serves (method, path)."""
    handle: Handler
    """Turns the request into the vendor's response."""
    render_error: ErrorRenderer
    """Renders a `WireError` the way this vendor reports errors."""


@dataclass
class Router:
    """Dispatches wire requests to the first matching route."""

    routes: list[Route] = field(default_factory=list)

    def add(self, route: Route) -> None:
        """Serve a protocol."""
        self.routes.append(route)

    def __call__(self, request: WireRequest) -> WireResponse:
        for route in self.routes:
            if route.matches(request.method, request.path):
                try:
                    return route.handle(request)
                except WireError as error:
                    return route.render_error(error)
        return WireResponse.of_json(
            {"error": {"type": "not_found",
                       "message": f"the offline model does not serve {request.method} {request.path}"}},
            status=404,
        )
