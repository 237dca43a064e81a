"""The guard every test runs under: a socket to anything but loopback fails the test."""

from __future__ import annotations

import socket

import pytest


def test_a_remote_connection_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="reach the network"):
        sock.connect(("93.184.215.14", 443))


def test_resolving_a_remote_name_is_refused() -> None:
    with pytest.raises(AssertionError, match="reach the network"):
        socket.getaddrinfo("api.openai.com", 443)


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
