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


# --- The browser tests' app server and Chromium, one per test module (tests/browser_support.py) ---


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    """The app, started as a user starts it, on a free loopback port."""
    from .browser_support import StreamlitServer, missing

    why = missing()
    if why:
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {why}", pytrace=False)
    running = StreamlitServer.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser(server: object) -> Iterator[object]:
    """Debian's Chromium, after one visit to the home page (which must stay on the machine)."""
    from playwright.sync_api import sync_playwright

    from .browser_support import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, RequestLog, wait_idle

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # Streamlit shows "Page not found" over the first session after a start when it opens on a
            # page other than the default (streamlit/streamlit#9992): one visit to the home page first.
            context = chromium.new_context(viewport=VIEWPORT)
            requests = RequestLog()
            requests.attach(context)
            page = context.new_page()
            page.goto(server.url + "/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
            try:
                wait_idle(page)
            except AssertionError:
                pass  # whatever is wrong with the home page, its own test says so
            context.close()
            requests.assert_stayed_local()
            yield chromium
        finally:
            chromium.close()
