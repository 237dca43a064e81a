"""Shared fixtures. The network guard makes any test that opens a non-loopback socket fail."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import netguard
from .helpers import Recorded, record_requests

VENDOR_VARIABLES = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "OFFLINE_MODEL_FAULTS", "BEDROCK_RETURN_CONTROL", "LAMBDA_MODE",
    "CALENDAR_URL",
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything opens a socket to a non-loopback address (or resolves a remote name)."""
    monkeypatch.setattr(socket.socket, "connect", netguard.guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", netguard.guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", netguard.guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def no_vendor_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keys and settings in the developer's shell must not turn a test into a real (network) run,
    and botocore must not look for instance metadata, profiles or config files."""
    for name in VENDOR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
def requests_to_the_model(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """Every request any offline model's brain answers during the test, with its vendor."""
    return record_requests(monkeypatch)


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """moto's DynamoDB served on loopback for the whole session (see dynamodb_server.py)."""
    from .dynamodb_server import dynamodb_server

    with dynamodb_server() as endpoint:
        yield endpoint


@pytest.fixture
def dynamodb(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """That server's endpoint, with the credentials it accepts in this test's environment."""
    from .dynamodb_server import CREDENTIALS

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return dynamodb_endpoint
