"""Shared fixtures. The network guard makes any test that opens a non-loopback socket fail."""

from __future__ import annotations

import socket

import pytest

from . import netguard

VENDOR_VARIABLES = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything opens a socket to a non-loopback address (or resolves a remote name)."""
    monkeypatch.setattr(socket.socket, "connect", netguard.guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", netguard.guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", netguard.guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def no_vendor_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys in the developer's shell must not turn a test into a real (network) run."""
    for name in VENDOR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
