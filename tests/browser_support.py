"""Pieces for the browser tests: the app's server, Debian's Chromium, a request recorder, and waits.

Nothing here downloads a browser: Playwright drives the Chromium that `apt-get install chromium`
puts at /usr/bin/chromium. Every wait polls with a timeout and fails with what the page showed.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # playwright is imported lazily: without it the browser tests skip, not error
    from playwright.sync_api import BrowserContext, Locator, Page, Route

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]
INSTALL_HINT = "install Debian's Chromium: apt-get install chromium"
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
"""CI sets REQUIRE_BROWSER=1: a missing browser is then a failure, not a skip."""
VIEWPORT = {"width": 1400, "height": 1000}

VENDOR_PREFIXES = ("OPENAI_", "ANTHROPIC_", "AWS_", "BEDROCK_", "LAMBDA_")
"""Environment variables the server never inherits: keys (and agent ids) would turn a run real."""

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about"}

SERVER_START_S = 60.0
IDLE_S = 0.4
"""How long the app must stay connected and not running to count as idle."""


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found: {INSTALL_HINT}"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed: python -m pip install -r requirements-dev.txt"
    return None


def skip_without_a_browser() -> None:
    """Skip the calling test module when the browser tests cannot run, unless REQUIRE_BROWSER=1 (then the
    `server` fixture fails instead)."""
    import pytest

    why = missing()
    if why and not REQUIRED:
        pytest.skip(f"browser tests skipped: {why} (CI sets REQUIRE_BROWSER=1 to make this a failure)",
                    allow_module_level=True)


# --- The app's server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(VENDOR_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _health(port: int) -> str | None:
    """The body of /_stcore/health, or None while nothing answers (no proxy is consulted)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/_stcore/health")
        response = connection.getresponse()
        return response.read().decode(errors="replace").strip() if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


@dataclass
class StreamlitServer:
    """`python -m streamlit run streamlit_app.py` on a free loopback port, as a user starts it."""

    port: int
    process: subprocess.Popen[bytes]
    log: Any  # the temporary file that collects stdout and stderr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self, limit: int = 6000) -> str:
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode(errors="replace")
        return text if len(text) <= limit else "…" + text[-limit:]

    @classmethod
    def start(cls, timeout: float = SERVER_START_S) -> StreamlitServer:
        port = free_port()
        command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.address", "127.0.0.1",
                   "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(command, cwd=ROOT, env=server_environment(), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
        server = cls(port, process, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = server.output()
                server.stop()
                raise RuntimeError(f"`{' '.join(command)}` exited with code {process.returncode} before it served "
                                   f"/_stcore/health. Its output:\n{output}")
            if _health(port) == "ok":
                return server
            time.sleep(0.25)
        output = server.output()
        server.stop()
        raise RuntimeError(f"the app did not answer {server.url}/_stcore/health with 'ok' within {timeout:g} s "
                           f"(`{' '.join(command)}`). Its output:\n{output}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


# --- Requests: everything the page asked for, and whether it stayed on this machine -------------


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class RequestLog:
    """Every URL a browser context asked for: HTTP(S) from any frame or worker, and WebSockets."""

    urls: list[str] = field(default_factory=list)
    checked: bool = False

    def attach(self, context: BrowserContext) -> None:
        def route(route: Route) -> None:
            # Recorded by the "request" listener; anything off the machine is refused, not sent.
            if is_local(route.request.url):
                route.continue_()
            else:
                route.abort("blockedbyclient")

        context.on("request", lambda request: self.urls.append(request.url))
        # Every page of the context, the first one included, announces itself here: watch its WebSockets.
        context.on("page", lambda page: page.on("websocket", lambda socket: self.urls.append(socket.url)))
        context.route("**/*", route)

    def off_machine(self) -> list[str]:
        return list(dict.fromkeys(url for url in self.urls if not is_local(url)))

    def assert_stayed_local(self) -> None:
        self.checked = True
        offending = self.off_machine()
        assert not offending, (
            f"the page made {len(offending)} request(s) off the machine (only 127.0.0.1/localhost, data: and blob: "
            "are allowed):\n" + "\n".join(offending))


# --- Waiting for the app ------------------------------------------------------------------------

APP = '[data-testid="stApp"]'
EXCEPTION = '[data-testid="stException"]'
ASSISTANT = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'

_IDLE_JS = """([app, idleMs]) => {
  const el = document.querySelector(app);
  const idle = !!el && el.dataset.testScriptState === 'notRunning' && el.dataset.testConnectionState === 'CONNECTED';
  const now = performance.now();
  if (!idle) { window.__pwIdleSince = null; return false; }
  if (window.__pwIdleSince == null) window.__pwIdleSince = now;
  return now - window.__pwIdleSince >= idleMs;
}"""


def app_state(page: Page) -> str:
    """A line saying what the app was doing, for failure messages."""
    try:
        app = page.locator(APP)
        state = (f"script state {app.get_attribute('data-test-script-state', timeout=1000)!r}, "
                 f"connection {app.get_attribute('data-test-connection-state', timeout=1000)!r}")
    except Exception as error:  # noqa: BLE001 - only a description
        state = f"no app element ({type(error).__name__})"
    exceptions = exception_texts(page)
    return state + (f"; exceptions on the page: {exceptions}" if exceptions else "")


def exception_texts(page: Page) -> list[str]:
    try:
        return [text[:800] for text in page.locator(EXCEPTION).all_inner_texts()]
    except Exception:  # noqa: BLE001 - only a description
        return []


def wait_idle(page: Page, timeout: float = 60.0) -> None:
    """Until the app is connected and has not been running for IDLE_S seconds."""
    page.evaluate("() => { window.__pwIdleSince = null; }")
    try:
        page.wait_for_function(_IDLE_JS, arg=[APP, IDLE_S * 1000], polling=100, timeout=timeout * 1000)
    except Exception as error:
        raise AssertionError(f"the app at {page.url} did not become idle within {timeout:.0f} s: "
                             f"{app_state(page)}") from error


def wait_until(page: Page, check: Callable[[], Any], what: str, timeout: float = 60.0, every: float = 0.1) -> Any:
    """Poll `check()` until it returns something truthy; fail saying `what` was awaited and what the page showed."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what} at {page.url}: {app_state(page)}")
        page.wait_for_timeout(every * 1000)


def open_page(page: Page, base_url: str, path: str) -> None:
    """Load `path`, wait for the app to run it and settle, and fail on an exception or a page-not-found."""
    page.goto(base_url + path, wait_until="domcontentloaded")
    page.wait_for_selector(APP, timeout=30_000)
    wait_idle(page)
    assert_healthy(page)


def assert_healthy(page: Page) -> None:
    exceptions = exception_texts(page)
    assert not exceptions, f"{page.url} shows an exception:\n" + "\n---\n".join(exceptions)
    dialogs = [t for t in page.get_by_test_id("stDialog").all_inner_texts() if "Page not found" in t]
    assert not dialogs, f"{page.url} shows Streamlit's page-not-found dialog: {dialogs}"


# --- The chat -----------------------------------------------------------------------------------

_REPLY_JS = """(message) => {
  const parts = [...message.querySelectorAll('[data-testid="stMarkdownContainer"], [data-testid="stText"]')]
    .filter(el => !el.closest('[data-testid="stExpander"]') && !el.closest('[data-testid="stStatusWidget"]'));
  return parts.length ? parts[parts.length - 1].innerText.trim() : '';
}"""


def assistant_messages(page: Page) -> Locator:
    return page.locator(ASSISTANT)


def send_chat(page: Page, text: str, timeout: float = 90.0) -> str:
    """Type `text` into the chat input, press Enter, and return the assistant's new reply once the app is idle."""
    before = assistant_messages(page).count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(state="visible", timeout=30_000)
    box.fill(text)
    box.press("Enter")
    wait_until(page, lambda: assistant_messages(page).count() > before,
               f"an assistant reply to {text!r} (assistant messages: {before})", timeout)
    wait_idle(page, timeout)
    assert_healthy(page)
    count = assistant_messages(page).count()
    assert count == before + 1, f"expected one new assistant message after {text!r}, found {count - before}"
    return assistant_messages(page).last.evaluate(_REPLY_JS)


# --- The decision graph ------------------------------------------------------------------------

GRAPHS_JS = """() => [...document.querySelectorAll('svg.decision-graph')].map(svg => ({
  shownWidth: svg.clientWidth, shownHeight: svg.clientHeight,
  boxes: svg.querySelectorAll('g[data-node]').length,
  labels: svg.querySelectorAll('g[data-node^="steps:"]').length,
  steps: [...svg.querySelectorAll('g[data-node^="steps:"] text')]
    .reduce((sum, text) => sum + text.textContent.split(',').length, 0)}))"""
"""Every decision graph on a page (inline SVG, `ui.graph_svg`): its size as shown, its boxes (actors and
labels), its labels, and the step numbers they carry."""


def graphs(page: Page) -> list[dict[str, int]]:
    """Every decision graph on the page, with its size and its boxes."""
    return page.evaluate(GRAPHS_JS)


def settled_graph(page: Page, min_boxes: int = 3, timeout: float = 20.0, every: float = 0.25) -> dict[str, int]:
    """The graph once it is drawn with at least `min_boxes` boxes and two samples in a row agree (it redraws
    while a run goes on)."""
    previous: list[dict[str, int]] | None = None
    deadline = time.monotonic() + timeout
    seen: list[dict[str, int]] = []
    while time.monotonic() < deadline:
        seen = graphs(page)
        ready = [g for g in seen if g["shownWidth"] > 0 and g["shownHeight"] > 0 and g["boxes"] >= min_boxes]
        if ready and seen == previous:
            return max(ready, key=lambda g: g["boxes"])
        previous = seen
        page.wait_for_timeout(every * 1000)
    raise AssertionError(f"the decision graph did not settle drawn (>= {min_boxes} boxes) within {timeout:.0f} s "
                         f"at {page.url}; graphs seen: {seen or 'none'}")


# --- Screenshots --------------------------------------------------------------------------------


_SCROLLER = '[data-testid="stMain"]'
_FRAMES_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def screenshot(page: Page, name: str, max_height: int = 5000) -> Path:
    """A full-page screenshot. Streamlit scrolls inside its main area, not the document, so the
    viewport is stretched to that area's height for the picture and put back afterwards."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate(f"() => document.querySelector('{_SCROLLER}')?.scrollHeight || 0")
    stretched = viewport is not None and height > viewport["height"]
    if stretched:
        page.set_viewport_size({"width": viewport["width"], "height": min(height, max_height)})
        page.evaluate(_FRAMES_JS)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if stretched:
            page.set_viewport_size(viewport)
    return path


def confirmation_codes(text: str) -> list[str]:
    return re.findall(r"TC-[0-9A-F]{6}", text)
