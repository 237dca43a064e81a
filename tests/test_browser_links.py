"""A page's link, opened in another browser, carries nothing of the browser that made it.

Two browser contexts are two browsers (each its own cookies). The first sets a key, an OpenAI base
URL and a demo user, and books through a chat; the second opens the first one's exact URL
(`?session=…`) and must get a fresh session: no base URL (so a key it typed could not go to the
sender's server), no key, no conversation, no demo user, its own calendar. A reload in the first
still brings everything back but the key.

Skipped without /usr/bin/chromium or playwright, unless REQUIRE_BROWSER=1 (tests/browser_support.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from orchestration.vendors.offline import MODEL_LABEL

from .browser_support import (
    VIEWPORT,
    RequestLog,
    StreamlitServer,
    assert_healthy,
    confirmation_codes,
    open_page,
    screenshot,
    send_chat,
    skip_without_a_browser,
    wait_idle,
    wait_until,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

skip_without_a_browser()

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")
SENDERS_SERVER = "http://127.0.0.1:9/v1"
"""The sender's own "OpenAI-compatible" server (port 9, discard: nothing answers, nothing leaves the machine)."""
SENDERS_KEY = "sk-sender-browser-test-0123456789abcdef"
SENDERS_USER = "visitor-one"
BASE_URL_LABEL = "OpenAI base URL (compatible servers)"
CHAT_MESSAGE = '[data-testid="stChatMessageContent"]'


def _new_browser(browser: Browser) -> tuple[BrowserContext, Page, RequestLog]:
    """A browser context of its own: its own cookies, so to the app another browser."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    requests = RequestLog()
    requests.attach(context)
    return context, context.new_page(), requests


def _session_of(url: str) -> str:
    found = re.search(r"[?&]session=([0-9a-f]{32})", url)
    assert found, f"no session id in the URL: {url}"
    return found.group(1)


def _enter(page: Page, label: str, value: str) -> None:
    """Type `value` into the sidebar's input labelled `label` and commit it, as a visitor does."""
    box = page.get_by_test_id("stSidebar").get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    wait_idle(page)


def _browser_secret(context: BrowserContext) -> str:
    """The secret the app gave this browser (a cookie of 64 hex digits)."""
    [value] = [c["value"] for c in context.cookies() if c["name"] == "playground_browser"]
    assert re.fullmatch(r"[0-9a-f]{64}", value), value
    return value


def _chat(page: Page) -> list[str]:
    """The chat's messages as shown, oldest first."""
    return [text.strip() for text in page.locator(CHAT_MESSAGE).all_inner_texts()]


def _sidebar(page: Page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def _shows_demo_user(page: Page, user: str) -> None:
    """Wait for the sidebar's demo-user box to show `user`: right after a load, the box can be read before
    its value has reached it (a CI run once read '' there, with the value restored on the server)."""
    box = page.get_by_test_id("stSidebar").get_by_label("Demo user", exact=True)
    wait_until(page, lambda: box.input_value() == user, f"the demo-user box to show {user!r}", timeout=30)


def _base_url_typed(page: Page) -> str:
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_label(BASE_URL_LABEL, exact=True)
    if not box.is_visible():
        sidebar.get_by_text("Use real services").click()
    return box.input_value()


def test_a_link_opened_in_another_browser_carries_nothing_of_its_sender(browser: Browser,
                                                                         server: StreamlitServer) -> None:
    sender, page, sender_requests = _new_browser(browser)
    visitor = None
    try:
        # 1. The sender: a demo user, their own server as OpenAI's base URL, and a booking through A's chat
        #    (A asks Bedrock, which stays offline: no call goes to the base URL).
        open_page(page, server.url, "/pattern-a")
        _enter(page, "Demo user", SENDERS_USER)
        page.get_by_test_id("stSidebar").get_by_text("Use real services").click()
        _enter(page, BASE_URL_LABEL, SENDERS_SERVER)
        wait_until(page, lambda: "OpenAI: real" in _sidebar(page), "the sender's sidebar to say OpenAI is real",
                   timeout=30)
        replies = [send_chat(page, message) for message in DIALOGUE]
        [code] = confirmation_codes(replies[-1])
        link = page.url
        sent_session = _session_of(link)
        sent_secret = _browser_secret(sender)

        # 2. The sender reloads: the conversation, the demo user and the base URL are back.
        page.reload(wait_until="domcontentloaded")
        wait_idle(page)
        assert_healthy(page)
        wait_until(page, lambda: len(_chat(page)) == 6, "the sender's conversation to be back after a reload",
                   timeout=30)
        chat = _chat(page)
        assert [chat[0], chat[2], chat[4]] == list(DIALOGUE) and code in chat[5], chat
        assert _session_of(page.url) == sent_session
        _shows_demo_user(page, SENDERS_USER)
        wait_until(page, lambda: _base_url_typed(page) == SENDERS_SERVER, "the base URL back", timeout=30)
        assert "OpenAI: real" in _sidebar(page)

        # 3. The sender types a key too (it lives in that browser session only).
        _enter(page, "OpenAI API key", SENDERS_KEY)
        wait_until(page, lambda: "OpenAI API key: set for this session" in _sidebar(page),
                   "the sender's sidebar to say the key is set", timeout=30)
        sender_requests.assert_stayed_local()

        # 4. Another browser opens the sender's exact URL: a fresh session under an id of its own.
        visitor, other, visitor_requests = _new_browser(browser)
        other.goto(link, wait_until="domcontentloaded")
        wait_idle(other)
        assert_healthy(other)
        wait_until(other, lambda: "session=" in other.url and _session_of(other.url) != sent_session,
                   "the visitor's URL to name a session of its own", timeout=30)
        sidebar = _sidebar(other)
        assert f"OpenAI: {MODEL_LABEL}" in sidebar and ": real" not in sidebar, sidebar
        assert "set for this session" not in sidebar, sidebar
        assert _base_url_typed(other) == "", "the sender's base URL is in the visitor's sidebar"
        _shows_demo_user(other, "guest")
        assert _chat(other) == [], "the sender's conversation is on the visitor's page"
        assert SENDERS_KEY not in other.content() and SENDERS_SERVER not in other.content()
        other.get_by_test_id("stSidebarNav").get_by_text("Court calendar", exact=True).click()
        wait_idle(other)
        assert_healthy(other)
        calendar = other.get_by_test_id("stMain").inner_text()
        assert (code not in calendar
                and SENDERS_USER not in calendar), "the sender's booking is in the visitor's calendar"
        assert _browser_secret(visitor) != sent_secret, "two browsers were given the same secret"
        screenshot(other, "link-in-another-browser")
        visitor_requests.assert_stayed_local()
    finally:
        if visitor is not None:
            visitor.close()
        sender.close()
