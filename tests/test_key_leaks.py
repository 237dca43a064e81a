"""Keys stay where they belong: each vendor's key in its own request's headers, and nowhere else.

Distinctive fake keys are set for all three vendors, and every vendor's endpoint points at one
echoing server on loopback: it answers through the offline model, except that its errors repeat the
credential they were sent (as real services' authentication errors can), so a key that gets into any
text has every chance to travel on. The run then checks every request body the server received,
stdout, stderr, the log, the trace and its exports (OpenTelemetry spans too), the replies and the
calendar's database file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orchestration.observe import otel
from orchestration.patterns import Deps, b_bedrock_agent, start
from orchestration.patterns.f_manager_bedrock import availability_agent, booking_agent
from orchestration.vendors.offline import OfflineModel
from orchestration.vendors.offline.server import make_server
from orchestration.vendors.offline.wire import WireRequest, WireResponse
from orchestration.vendors.settings import Settings

from .helpers import new_calendar

KEYS = {
    "openai": "sk-proj-CANARYopenai0123456789abcdefghijklmn",
    "anthropic": "sk-ant-api03-CANARYanthropic0123456789abcdefgh",
    "aws": "AKIACANARYAWS0123456",
    "aws-secret": "CANARYawsSecret/0123456789abcdefghijklmnopqr",
}
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")


@dataclass
class Echoing:
    """The offline model behind a socket, recording every request; `fail` names the vendors whose calls
    get an authentication error that quotes the key they carried."""

    fail: set[str] = field(default_factory=set)
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    model: OfflineModel = field(default_factory=OfflineModel)

    def __call__(self, request: WireRequest) -> WireResponse:
        vendor = vendor_of(request.path)
        self.requests.append((vendor, request.body))
        if vendor in self.fail:
            credential = (request.headers.get("x-api-key") or request.headers.get("authorization", ""))
            return WireResponse.of_json({"type": "error", "error": {
                "type": "authentication_error", "message": f"invalid credential: {credential}"},
                "message": f"The security token included in the request is invalid: {credential}"}, status=401)
        return self.model(request)


def vendor_of(path: str) -> str:
    if path.endswith("/messages"):
        return "anthropic"
    if path.startswith("/v1/"):
        return "openai"
    return "aws"


@pytest.fixture
def echoing(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Echoing, str]]:
    handler = Echoing()
    server = make_server(handler, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)  # botocore's own setting: every AWS call goes to the server
    yield handler, url
    server.shutdown()
    server.server_close()


def settings_for(server: Echoing, url: str) -> Settings:
    """Keys for all three vendors, every endpoint the echoing server, and B's and F's Bedrock agents
    deployed there from their definitions in code (returning control, as no Lambda runs there)."""
    ids = {}
    for name, definition in (("bedrock_agent", b_bedrock_agent.BOOKING_AGENT),
                             ("bedrock_availability_agent", availability_agent.AVAILABILITY_AGENT),
                             ("bedrock_booking_agent", booking_agent.BOOKING_AGENT)):
        agent_id, alias_id = server.model.agents.deploy(definition.as_request(Settings().models()["aws"], True))
        ids |= {f"{name}_id": agent_id, f"{name}_alias_id": alias_id}
    return Settings(openai_api_key=KEYS["openai"], openai_base_url=f"{url}/v1", anthropic_api_key=KEYS["anthropic"],
                    anthropic_base_url=url, aws_access_key_id=KEYS["aws"], aws_secret_access_key=KEYS["aws-secret"],
                    bedrock_return_control="1", model_retries=0, **ids)


def leaks(text: str | bytes) -> list[str]:
    """The fake keys (or a 12-character piece of one) found in `text`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.replace("\\/", "/")
    return [name for name, key in KEYS.items()
            if any(key[i:i + 12] in text for i in range(0, len(key) - 11, 4))]


@pytest.mark.parametrize("failing", [set(), {"anthropic"}, {"aws"}, {"openai"}], ids=lambda f: "-".join(f) or "none")
def test_no_key_leaves_its_own_request_headers(echoing: tuple[Echoing, str], failing: set[str], tmp_path: Path,
                                               capfd: pytest.CaptureFixture[str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    server, url = echoing
    server.fail = failing
    caplog.set_level(logging.DEBUG)
    found: dict[str, list[str]] = {}
    for letter in "ABCDEFG":
        (tmp_path / letter).mkdir()
        calendar = new_calendar(tmp_path / letter)
        conversation = start(letter, Deps.of(calendar, "alice", settings_for(server, url), 8))
        replies = []
        for message in DIALOGUE:
            try:
                replies.append(conversation.send(message))
            except Exception as error:  # noqa: BLE001 - a failure's message is checked like a reply
                replies.append(str(error))
        for name, text in (("replies", "\n".join(replies)), ("trace", conversation.trace.to_json()),
                           ("mermaid", conversation.trace.to_mermaid()),
                           ("otlp", otel.otlp_json(otel.spans(conversation.trace.events, letter, letter,
                                                              conversation.trace.started_at))),
                           ("database", Path(calendar.path).read_bytes())):
            if hit := leaks(text):
                found[f"{letter} {name}"] = hit
    for n, (vendor, body) in enumerate(server.requests):
        if hit := leaks(body):
            found[f"request {n} to {vendor}"] = hit
    out, err = capfd.readouterr()  # read before anything of the test's own is printed
    for name, text in (("stdout", out), ("stderr", err), ("log", caplog.text)):
        if hit := leaks(text):
            found[name] = hit
    vendors = {vendor for vendor, _ in server.requests}
    with capfd.disabled():
        print(f"\nkey leaks (failing: {sorted(failing) or 'none'}): {len(server.requests)} requests to "
              f"{sorted(vendors)} checked, and replies, traces, exports, database, stdout, stderr, log: "
              f"{len(found)} leaks")
    assert {"openai", "aws"} <= vendors, vendors
    if not failing & {"openai", "aws"}:  # with both up, G's booking reaches its Claude agent
        assert "anthropic" in vendors, vendors
    assert found == {}
