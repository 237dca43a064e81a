"""`serve` as a server you could leave running: load, malformed framing, big bodies, idle, slow and hostile clients.

Deadlines here are a second or two, set through `Limits`, so that a slow client's whole story plays out fast."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from orchestration.vendors.offline import OfflineModel
from orchestration.vendors.offline.server import Limits, make_server, nesting
from orchestration.vendors.offline.wire import WireRequest, WireResponse

BODY = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()


@contextmanager
def serving(handler: Callable[[WireRequest], WireResponse] | None = None,
            limits: Limits | None = None) -> Iterator[tuple[str, int]]:
    server = make_server(handler or OfflineModel(), "127.0.0.1", 0, limits or Limits())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[:2]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    with serving() as where:
        yield where


def exchange(address: tuple[str, int], raw: bytes) -> bytes:
    with socket.create_connection(address, timeout=20) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received and (b'"error"' in received or b'"choices"' in received):
                break
        return received


def post(headers: str, body: bytes = b"") -> bytes:
    return (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}"
            "Connection: close\r\n\r\n").encode() + body


def test_200_simultaneous_requests_are_all_answered(address: tuple[str, int]) -> None:
    request = post(f"Content-Length: {len(BODY)}\r\n", BODY)
    barrier = threading.Barrier(200)

    def one(_: int) -> bytes:
        barrier.wait()
        return exchange(address, request)

    with ThreadPoolExecutor(200) as pool:
        answers = list(pool.map(one, range(200)))
    statuses = [a.split(b" ", 2)[1] for a in answers]
    print(f"200 simultaneous requests: {statuses.count(b'200')} answered 200, {statuses.count(b'503')} 503, "
          f"{sum(not a for a in answers)} reset")
    assert all(answers) and set(statuses) <= {b"200", b"503"} and statuses.count(b"200") >= 64


@pytest.mark.parametrize(("headers", "body", "status"), [
    ("Content-Length: abc\r\n", b"", b"400"),
    ("Content-Length: -5\r\n", b"", b"400"),
    ("Content-Length: 1e12\r\n", b"", b"400"),
    ("Content-Length: 99999999999\r\n", b"", b"413"),
    ("Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n", b"400"),
])
def test_malformed_framing_gets_a_4xx_reply(address: tuple[str, int], headers: str, body: bytes, status: bytes,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    answer = exchange(address, post(headers, body))
    assert answer.split(b" ", 2)[1] == status and b'"error"' in answer
    assert "Traceback" not in capsys.readouterr().err


def test_a_content_length_of_a_non_ascii_digit_gets_400(address: tuple[str, int],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """`"\\xb2".isdigit()` is true ("²"), and `int` refuses it: that would have been a traceback."""
    caplog.set_level(logging.DEBUG, logger="orchestration")
    answer = exchange(address, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n"
                               b"Connection: close\r\n\r\n")
    assert answer.split(b" ", 2)[1] == b"400" and not any(record.exc_info for record in caplog.records)


def test_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    with serving(limits=Limits(idle_timeout_s=1.0)) as address, \
            socket.create_connection(address, timeout=10) as connection:
        started = time.monotonic()
        assert connection.recv(100) == b""  # nothing was ever sent: the server gave up and closed it
        assert 0.8 < time.monotonic() - started < 5


def test_a_request_trickled_in_gets_408_at_its_deadline_however_often_a_byte_comes() -> None:
    """Regression: the timeout applied per read, so one byte every few seconds kept a request open for ever."""
    with serving(limits=Limits(request_deadline_s=1.0, idle_timeout_s=10.0)) as address, \
            socket.create_connection(address, timeout=10) as connection:
        connection.sendall(post("Content-Length: 1000\r\n", b"{"))
        started, answer = time.monotonic(), b""
        while b"\r\n\r\n" not in answer and time.monotonic() - started < 8:
            try:
                connection.sendall(b" ")  # a byte every 0.2 s: each read is quick, the request never ends
            except OSError:  # closed after its answer, which is still there to read
                pass
            time.sleep(0.2)
            connection.setblocking(False)
            try:
                answer += connection.recv(1000)
            except BlockingIOError:
                pass
            finally:
                connection.setblocking(True)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"did not arrive within 1 s" in answer
        assert time.monotonic() - started < 3


def test_headers_trickled_in_are_cut_off_at_the_deadline_too() -> None:
    with serving(limits=Limits(request_deadline_s=1.0, idle_timeout_s=10.0)) as address, \
            socket.create_connection(address, timeout=10) as connection:
        connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
        started, closed = time.monotonic(), None
        for n in range(40):  # a header every 0.2 s, for up to 8 s
            try:
                connection.sendall(f"X-Slow-{n}: 1\r\n".encode())
            except OSError:  # the server closed it: a send after that is reset
                closed = time.monotonic() - started
                break
            time.sleep(0.2)
        assert closed is not None and closed < 4


def test_slow_bodies_hold_no_slot_so_ordinary_requests_get_200() -> None:
    """Regression: a slot was taken before the body was read, so 64 dripping sockets made others get 503."""
    limits = Limits(max_concurrent=2, request_deadline_s=3.0)
    with serving(limits=limits) as address:
        slow = [socket.create_connection(address, timeout=10) for _ in range(6)]
        for connection in slow:
            connection.sendall(post("Content-Length: 100000\r\n", b"{"))
        try:
            time.sleep(0.3)
            for connection in slow:
                connection.sendall(b" ")
            answers = [exchange(address, post(f"Content-Length: {len(BODY)}\r\n", BODY)) for _ in range(5)]
            assert [a.split(b" ", 2)[1] for a in answers] == [b"200"] * 5
        finally:
            for connection in slow:
                connection.close()


def test_connections_past_the_limit_get_503_at_once_and_the_next_one_is_served() -> None:
    """Each open connection has a thread, so idle ones are bounded too: one more is turned away, not queued."""
    with serving(limits=Limits(max_connections=3, retry_after_s=2)) as address:
        idle = [socket.create_connection(address, timeout=10) for _ in range(3)]
        try:
            time.sleep(0.3)  # accepted, each waiting in its thread for a request
            turned_away = exchange(address, post(f"Content-Length: {len(BODY)}\r\n", BODY))
        finally:
            for connection in idle:
                connection.close()
        assert turned_away.startswith(b"HTTP/1.1 503 ") and b"\r\nRetry-After: 2\r\n" in turned_away
        assert b"too many connections" in turned_away
        for _ in range(50):  # the idle connections' threads end as they see the close
            answer = exchange(address, post(f"Content-Length: {len(BODY)}\r\n", BODY))
            if not answer.startswith(b"HTTP/1.1 503 "):
                break
            time.sleep(0.1)
        assert answer.startswith(b"HTTP/1.1 200 ")


def test_every_503_says_when_to_retry() -> None:
    entered, release = threading.Event(), threading.Event()

    def busy(request: WireRequest) -> WireResponse:
        if request.path == "/unavailable":
            return WireResponse.of_json({"error": "down for a moment"}, status=503)
        entered.set()
        release.wait(10)
        return WireResponse.of_json({"ok": True})

    with serving(busy, Limits(max_concurrent=1, retry_after_s=3)) as address:
        holder = threading.Thread(target=exchange, args=(address, post("Content-Length: 2\r\n", b"{}")))
        holder.start()
        try:
            assert entered.wait(10)
            full = exchange(address, post("Content-Length: 2\r\n", b"{}"))
            from_the_handler = exchange(address, post("Content-Length: 2\r\n", b"{}").replace(
                b"/v1/chat/completions", b"/unavailable"))
        finally:
            release.set()
            holder.join(10)
    for answer in (full, from_the_handler):
        assert answer.startswith(b"HTTP/1.1 503 ") and b"\r\nRetry-After: 3\r\n" in answer


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(("body", "status", "says"), [
    (DEEP, b"400", b"nests 100000 levels deep"),
    (b'{"model": "m", "messages": ' + b"[" * 65 + b"]" * 65 + b"}", b"400", b"nests 66 levels deep"),
    (json.dumps({"model": "m", "messages": [
        {"role": "user", "content": "Book court A tomorrow at 3pm"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "book", "arguments": DEEP.decode()}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "{}"}]}).encode(), b"400", b"nests too deeply"),
    (b'{"model": "m", "messages": [', b"400", b"not JSON"),
    (b"{" + b" " * 2000, b"413", b"over 1000 bytes"),
])
def test_deep_malformed_or_large_bodies_get_a_4xx_and_leave_no_traceback(
        body: bytes, status: bytes, says: bytes, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: 100,000 nested `[` got a 500, with a RecursionError traceback in the log. A depth past the
    limit is refused before parsing; JSON nested inside a string (tool arguments) is caught where it is parsed."""
    caplog.set_level(logging.DEBUG, logger="orchestration")
    with serving(limits=Limits(max_body_bytes=1000 if status == b"413" else 1_048_576)) as address:
        answer = exchange(address, post(f"Content-Length: {len(body)}\r\n", body))
    assert answer.split(b" ", 2)[1] == status and says in answer
    assert not any(record.exc_info for record in caplog.records)
    assert "Traceback" not in caplog.text + capsys.readouterr().err


def test_nesting_counts_brackets_outside_strings_only() -> None:
    assert [nesting(b) for b in (b"", b"42", b'"[[["', b"{}", b'{"a": [1, {"b": []}]}', b'{"a": "[[[{{"}',
                                 b'{"a": "\\"[[", "b": [[]]}', b'{"a": "unclosed [[[[', b"[[[" + b"]" * 9)] == \
        [0, 0, 0, 1, 4, 1, 3, 1, 3]


def test_a_hostile_body_is_measured_whole() -> None:
    """A megabyte of escaped quotes, brackets or one unclosed string is counted, not refused or recursed into.
    How fast (linear, never backtracking) is `benchmarks/bench_nesting.py`'s to say, against a plain scan."""
    assert [nesting(body) for body in (b'["' + b'\\"' * 500_000, b"[" * 1_000_000, b'{"a": "' + b"x" * 1_000_000)] \
        == [1, 1_000_000, 1]
