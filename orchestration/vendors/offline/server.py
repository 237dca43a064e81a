"""A loopback HTTP server in front of the offline model, for clients that cannot take a transport hook.

Any SDK or tool that lets you set a base URL (`http://127.0.0.1:PORT/v1` for OpenAI) can then talk
to the offline model over a real socket. Every method and path is handed to the handler as a
`WireRequest`; whole bodies go back with `Content-Length`, streamed ones (SSE) with
`Transfer-Encoding: chunked`, each chunk written as soon as it is produced. The server listens on
loopback unless told otherwise, and its log lines name only the method, the path and the status:
never a body, a query string or a header (so no `Authorization`).

It can be left running in front of slow or hostile clients (`Limits`):
1. A request must arrive whole — request line, headers and body — within a deadline counted from its
   first byte; a client that trickles it in gets 408 and is closed, however often it sends a byte.
2. Only then does the request take one of the concurrency slots, so a slow client never holds one;
   when all are taken the reply is 503 with `Retry-After`.
3. A body too large gets 413; one whose JSON nests deeper than the limit, or whose framing is
   malformed, gets 400. None of them leaves a traceback in the reply or the log.
4. Connections open at once are bounded too (each has a thread while it lasts): one more is answered
   503 with `Retry-After` as it is accepted, and closed, without a thread of its own.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import re
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import accumulate
from socket import socket
from time import monotonic
from typing import Any
from urllib.parse import urlsplit

from .wire import Handler, WireRequest, WireResponse

__all__ = ["DEFAULT_PORT", "Limits", "OfflineServer", "make_server", "nesting"]

DEFAULT_PORT = 8765
"""Port `serve` listens on when none is given."""

log = logging.getLogger(__name__)

_OWN_HEADERS = {"content-length", "transfer-encoding", "connection"}
"""Framing headers the server sets itself, whatever the handler said."""


_FAILURE = {"error": {"type": "server_error", "message": "the offline model failed; see the server log"}}
"""The body sent when the handler raised instead of answering."""


@dataclass(frozen=True)
class Limits:
    """What one client may take of the server, so that it keeps answering the others."""

    max_body_bytes: int = 1_048_576
    """The largest request body taken; larger ones get 413."""
    max_nesting: int = 64
    """How deep a JSON body's arrays and objects may nest; deeper ones get 400 (the SDKs' bodies nest under 20)."""
    max_concurrent: int = 64
    """Requests answered at once, counted once their bodies are in; more get 503 with `Retry-After`."""
    request_deadline_s: float = 10.0
    """How long a request may take to arrive whole (request line, headers and body) from its first byte."""
    idle_timeout_s: float = 15.0
    """How long a connection may wait for its next request, or for one write of a response, before it is closed."""
    max_connections: int = 512
    """Connections open at once, idle or not; one more gets 503 with `Retry-After` and is closed at once."""
    retry_after_s: int = 1
    """The seconds a 503 tells the client to wait before trying again."""


class BadRequest(Exception):
    """A request that cannot be taken as it came: the status and message it gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class OfflineServer(ThreadingHTTPServer):
    """A threading HTTP server that answers every request with `handler`, within `limits`."""

    request_queue_size = 128
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Handler, limits: Limits = Limits()) -> None:
        self.handler = handler
        """Turns one `WireRequest` into one `WireResponse`."""
        self.limits = limits
        """The bounds every connection is held to."""
        self.slots = threading.BoundedSemaphore(limits.max_concurrent)
        self.connections = threading.BoundedSemaphore(limits.max_connections)
        super().__init__(address, _Exchange)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread for the connection while there are fewer than `max_connections`; else 503 at once."""
        if not self.connections.acquire(blocking=False):
            self._turn_away(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    def _turn_away(self, connection: socket) -> None:
        """503 to a connection over the limit, written once (never waited on), then closed."""
        body = _error(503, "too many connections at once; try again in a moment").body
        head = (f"HTTP/1.1 503 Service Unavailable\r\nRetry-After: {self.limits.retry_after_s}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        try:
            connection.setblocking(False)
            connection.send(head.encode() + body)
        except OSError:
            pass  # a client that cannot take 200 bytes now is not waited for
        log.warning("a connection was turned away: %d are open", self.limits.max_connections)
        self.shutdown_request(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that ended badly: a client that reset or vanished is one log line, not a traceback
        (which stays for what would be a bug here)."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.info("connection from %s ended: %s", client_address[0], type(error).__name__)
        else:
            log.exception("connection from %s failed", client_address[0])


class _Arrival(io.RawIOBase):
    """A connection's incoming bytes, each read bounded by what is left of the request's deadline."""

    def __init__(self, connection: socket, limits: Limits) -> None:
        self.connection, self.limits = connection, limits
        self.deadline: float | None = None
        """When the request being read must be in; None until its first byte."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        late = f"the request did not arrive within {self.limits.request_deadline_s:g} s"
        wait, why = self.limits.idle_timeout_s, f"nothing came for {self.limits.idle_timeout_s:g} s"
        if self.deadline is not None:
            left = self.deadline - monotonic()
            if left <= 0:
                raise TimeoutError(late)
            if left < wait:
                wait, why = left, late
        self.connection.settimeout(wait)
        try:
            received = self.connection.recv_into(buffer)
        except TimeoutError:
            raise TimeoutError(why) from None
        if received and self.deadline is None:
            self.deadline = monotonic() + self.limits.request_deadline_s
        return received

    def restart(self) -> None:
        """The request is in (or the next is awaited): a new deadline from the next request's first byte,
        and the idle timeout for the writes of the response."""
        self.deadline = None
        self.connection.settimeout(self.limits.idle_timeout_s)


class _Exchange(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection: requests in, the handler's responses out."""

    protocol_version = "HTTP/1.1"
    server_version = "OfflineModel"
    server: OfflineServer

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by a reader that keeps each request's deadline
        self.arrival = _Arrival(self.connection, self.server.limits)
        self.rfile = io.BufferedReader(self.arrival)

    def handle_one_request(self) -> None:
        self.arrival.restart()
        super().handle_one_request()

    def _exchange(self) -> None:
        # 1. The whole request, within its deadline, before it takes a slot.
        request = self._receive()
        self.arrival.restart()
        if isinstance(request, WireResponse):  # refused: the rest of it may still be on its way, so close
            self.close_connection = True
            self._send(request)
            return
        # 2. A slot, or 503 at once.
        if not self.server.slots.acquire(blocking=False):
            self._send(_error(503, "too many requests at once; try again in a moment"))  # `_send` adds Retry-After
            return
        # 3. The handler's answer.
        try:
            self._answer(request)
        finally:
            self.server.slots.release()

    def _receive(self) -> WireRequest | WireResponse:
        """The whole request, or the reply that refuses it: the client's mistake, answered with no traceback."""
        try:
            return WireRequest(self.command, self._path(), self._headers(), self._body())
        except BadRequest as error:
            return _error(error.status, str(error))
        except TimeoutError as error:
            return _error(408, str(error))

    def _answer(self, request: WireRequest) -> None:
        try:
            reply = self.server.handler(request)
        except RecursionError:  # JSON nested inside a string, parsed by the handler: still the client's doing
            log.warning("%s %s -> 400: the request nests too deeply to read", self.command, request.path)
            reply = _error(400, "the request nests too deeply to read")
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
        """The body, whole and within the limits (raises `BadRequest`, or `TimeoutError` past the deadline)."""
        limit = self.server.limits.max_body_bytes
        too_large = BadRequest(413, f"the request body is over {limit} bytes")
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            for chunk in iter(self._read_chunk, b""):
                total += len(chunk)
                if total > limit:
                    raise too_large
                chunks.append(chunk)
            body = b"".join(chunks)
        else:
            declared = self.headers.get("Content-Length") or "0"
            if not (declared.isascii() and declared.isdigit()):  # "²" is a digit to `isdigit`, not to `int`
                raise BadRequest(400, f"Content-Length must be a whole number of bytes, not {declared[:20]!r}")
            if int(declared) > limit:
                raise too_large
            body = self.rfile.read(int(declared))
            if len(body) < int(declared):
                raise BadRequest(400, f"the body ended after {len(body)} of the {declared} bytes announced")
        depth = nesting(body)
        if depth > self.server.limits.max_nesting:
            raise BadRequest(400, f"the request body nests {depth} levels deep; at most "
                                  f"{self.server.limits.max_nesting} are read")
        return body

    def _read_chunk(self) -> bytes:
        """One piece of a chunked request body (empty at the end)."""
        line = self.rfile.readline(100).split(b";")[0].strip()
        try:
            size = int(line, 16)
        except ValueError:
            raise BadRequest(400, f"a chunk size must be hexadecimal, not {line[:20]!r}") from None
        if size > self.server.limits.max_body_bytes:
            raise BadRequest(413, f"the request body is over {self.server.limits.max_body_bytes} bytes")
        chunk = self.rfile.read(size)
        self.rfile.readline()  # the CRLF after the chunk, or after the trailers when size is 0
        return chunk

    def _send(self, reply: WireResponse) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            if name.lower() not in _OWN_HEADERS:
                self.send_header(name, value)
        if reply.status == 503 and not any(name.lower() == "retry-after" for name in reply.headers):
            self.send_header("Retry-After", str(self.server.limits.retry_after_s))
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


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
"""A JSON string, or the rest of the body after an unclosed quote (it never fails, so it never backtracks)."""
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def nesting(body: bytes) -> int:
    """How deep the arrays and objects of a JSON `body` nest (0 when it is not an array or object).

    Counted over the brackets outside strings, without parsing: linear in the body, with no recursion,
    so a body of 100,000 `[` costs a few milliseconds instead of a `RecursionError` in `json.loads`.
    """
    if body.lstrip()[:1] not in (b"[", b"{"):
        return 0
    brackets = _STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def make_server(handler: Handler, host: str = "127.0.0.1", port: int = 0, limits: Limits = Limits()) -> OfflineServer:
    """A server bound to (host, port), not yet serving; port 0 picks a free one (see `server_address`)."""
    if not _is_loopback(host):
        log.warning("serving the offline model on %s: anyone who can reach it can use it", host)
    return OfflineServer((host, port), handler, limits)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
