"""A loopback HTTP server in front of the offline model, for clients that cannot take a transport hook.

Any SDK or tool that lets you set a base URL (`http://127.0.0.1:PORT/v1` for OpenAI) can then talk
to the offline model over a real socket. Every method and path is handed to the handler as a
`WireRequest`; whole bodies go back with `Content-Length`, streamed ones (SSE) with
`Transfer-Encoding: chunked`, each chunk written as soon as it is produced. The server listens on
loopback unless told otherwise, and its log lines name only the method, the path and the status:
never a body, a query string or a header (so no `Authorization`).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .wire import Handler, WireRequest, WireResponse

__all__ = ["DEFAULT_PORT", "OfflineServer", "make_server"]

DEFAULT_PORT = 8765
"""Port `serve` listens on when none is given."""

log = logging.getLogger(__name__)

_OWN_HEADERS = {"content-length", "transfer-encoding", "connection"}
"""Framing headers the server sets itself, whatever the handler said."""


_FAILURE = {"error": {"type": "server_error", "message": "the offline model failed; see the server log"}}
"""The body sent when the handler raised instead of answering."""


MAX_BODY_BYTES = 1_048_576
"""The largest request body taken; larger ones get 413."""
MAX_CONCURRENT = 64
"""Requests answered at once; more get 503 at once rather than a pile of threads."""
IDLE_TIMEOUT_S = 15.0
"""How long a connection may sit between bytes (a half-sent request, an idle keep-alive) before it is closed."""


class BadRequest(Exception):
    """A request whose framing cannot be read: the status and message it gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class OfflineServer(ThreadingHTTPServer):
    """A threading HTTP server that answers every request with `handler`: a real listen backlog, idle
    timeouts, a body size limit and a bound on concurrent requests, so it can be left running."""

    request_queue_size = 128
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Handler) -> None:
        self.handler = handler
        """Turns one `WireRequest` into one `WireResponse`."""
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        super().__init__(address, _Exchange)


class _Exchange(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection: requests in, the handler's responses out."""

    protocol_version = "HTTP/1.1"
    server_version = "OfflineModel"
    timeout = IDLE_TIMEOUT_S
    server: OfflineServer

    def _exchange(self) -> None:
        if not self.server.slots.acquire(blocking=False):
            self.close_connection = True
            self._send(_error(503, "too many requests at once; try again in a moment"))
            return
        try:
            self._answer()
        finally:
            self.server.slots.release()

    def _answer(self) -> None:
        try:
            request = WireRequest(self.command, self._path(), self._headers(), self._body())
        except BadRequest as error:  # the client's mistake: a reply, no traceback, and the connection closed
            self.close_connection = True
            self._send(_error(error.status, str(error)))
            return
        try:
            reply = self.server.handler(request)
        except Exception:
            log.exception("offline model failed on %s %s", self.command, request.path)
            reply = WireResponse.of_json(_FAILURE, status=500)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            log.info("client left before the end of the response to %s %s", self.command, request.path)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _exchange

    def _path(self) -> str:
        """The request path without its query (the path is unset when the request line was malformed)."""
        return urlsplit(getattr(self, "path", "")).path

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            for chunk in iter(self._read_chunk, b""):
                total += len(chunk)
                if total > MAX_BODY_BYTES:
                    raise BadRequest(413, f"the request body is over {MAX_BODY_BYTES} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
        declared = self.headers.get("Content-Length") or "0"
        if not declared.isdigit():
            raise BadRequest(400, f"Content-Length must be a whole number of bytes, not {declared[:20]!r}")
        if int(declared) > MAX_BODY_BYTES:
            raise BadRequest(413, f"the request body is over {MAX_BODY_BYTES} bytes")
        return self.rfile.read(int(declared))

    def _read_chunk(self) -> bytes:
        """One piece of a chunked request body (empty at the end)."""
        line = self.rfile.readline(100).split(b";")[0].strip()
        try:
            size = int(line, 16)
        except ValueError:
            raise BadRequest(400, f"a chunk size must be hexadecimal, not {line[:20]!r}") from None
        if size > MAX_BODY_BYTES:
            raise BadRequest(413, f"the request body is over {MAX_BODY_BYTES} bytes")
        chunk = self.rfile.read(size)
        self.rfile.readline()  # the CRLF after the chunk, or after the trailers when size is 0
        return chunk

    def _send(self, reply: WireResponse) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            if name.lower() not in _OWN_HEADERS:
                self.send_header(name, value)
        if reply.chunks is None:
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in reply.chunks:
            if chunk:  # an empty chunk would end the body early
                self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        log.info("%s %s -> %s", self.command, self._path(), code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class names it so)
        log.warning("%s: %s", self.address_string(), format % args)


def _error(status: int, message: str) -> WireResponse:
    return WireResponse.of_json({"error": {"type": "invalid_request_error" if status < 500 else "server_error",
                                           "message": message}}, status=status)


def make_server(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server bound to (host, port), not yet serving; port 0 picks a free one (see `server_address`)."""
    if not _is_loopback(host):
        log.warning("serving the offline model on %s: anyone who can reach it can use it", host)
    return OfflineServer((host, port), handler)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
