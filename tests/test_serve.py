"""`serve` as a server you could leave running: load, malformed framing, big bodies, idle clients."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from orchestration.offline import OfflineModel
from orchestration.offline.server import make_server

BODY = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    server = make_server(OfflineModel(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[:2]
    server.shutdown()
    server.server_close()


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


def test_a_half_sent_request_is_closed_after_the_idle_timeout(address: tuple[str, int],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.offline import server

    monkeypatch.setattr(server._Exchange, "timeout", 1.0)  # noqa: SLF001 — the handler's socket timeout
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(post(f"Content-Length: {len(BODY)}\r\n", BODY[:10]))  # and then nothing more
        assert connection.recv(100) == b""  # the server gave up on it and closed the connection
