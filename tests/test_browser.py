"""The app in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run`.

One server and one browser serve the whole module; each test gets a fresh browser context (so a
fresh Streamlit session with its own calendar). Every request the page makes is recorded, and each
test ends by asserting that none left the machine: with no keys, the app is fully offline.

Without /usr/bin/chromium (or the playwright package) the module is skipped, unless
REQUIRE_BROWSER=1 (as CI sets it), in which case every test fails saying what is missing.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orchestration.cli import main as cli_main
from orchestration.patterns import PATTERNS
from orchestration.vendors.offline import MODEL_LABEL

from .browser_support import (
    VIEWPORT,
    RequestLog,
    StreamlitServer,
    assert_healthy,
    confirmation_codes,
    graphs,
    open_page,
    screenshot,
    send_chat,
    settled_graph,
    skip_without_a_browser,
    wait_idle,
    wait_until,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

skip_without_a_browser()

DIALOGUE = ("Book a court for tomorrow", "3pm", "A")
LETTERS = list("ABCDEFG")
"""Non-transparent pixels the graph needs: a few boxed actors and numbered arrows are far more."""


@dataclass
class Browsing:
    """A fresh browser context's page, the server's base URL, and every URL the context requested."""

    page: Page
    base_url: str
    requests: RequestLog
    console_errors: list[str]
    """Every error the page logged to the browser's console."""

    def open(self, path: str) -> None:
        open_page(self.page, self.base_url, path)


@pytest.fixture
def browsing(browser: Browser, server: StreamlitServer) -> Iterator[Browsing]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    requests = RequestLog()
    requests.attach(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        yield Browsing(page, server.url, requests, errors)
    finally:
        context.close()
    if not requests.checked:  # the test stopped before its own check: still report any request off the machine
        requests.assert_stayed_local()


def _assert_vendors_offline(page: Page) -> None:
    """What the sidebar says about where calls go: with the keys removed, all three are offline."""
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    for name in ("OpenAI", "Anthropic", "AWS Bedrock"):
        assert f"{name}: {MODEL_LABEL}" in sidebar, f"the sidebar does not say {name} calls go to the {MODEL_LABEL}"


def test_home_page_shows_the_seven_patterns(browsing: Browsing) -> None:
    page = browsing.page
    browsing.open("/")
    main = page.get_by_test_id("stMain")
    text = main.inner_text()
    for letter in LETTERS:
        name = PATTERNS[letter].name
        assert f"{letter} · {name}" in text, f"the home page does not show pattern {letter} ({name})"
    # The cards' links can arrive a moment after the headings: wait for the last one before reading.
    # (If it never comes, the assertion below says which links there were.)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        main.locator('a[href$="/pattern-g"], a[href$="/pattern-g/"]').first.wait_for(state="attached", timeout=15_000)
    except PlaywrightTimeout:
        pass
    links = main.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    for letter in LETTERS:
        assert any(re.search(rf"/pattern-{letter.lower()}/?$", href) for href in links), \
            f"the home page has no link to /pattern-{letter.lower()}; links: {links}"
    _assert_vendors_offline(page)
    screenshot(page, "home")
    browsing.requests.assert_stayed_local()


@pytest.mark.parametrize("letter", LETTERS)
def test_pattern_page_books_through_the_chat_and_draws_the_graph(browsing: Browsing, letter: str) -> None:
    page = browsing.page
    browsing.open(f"/pattern-{letter.lower()}")
    _assert_vendors_offline(page)
    replies = []
    for message in DIALOGUE:
        reply = send_chat(page, message)
        assert reply, f"pattern {letter}: empty reply to {message!r}"
        assert not reply.startswith("This turn failed"), f"pattern {letter}: {message!r} -> {reply}"
        replies.append(reply)
    final = replies[-1]
    assert "Booked" in final and confirmation_codes(final), \
        f"pattern {letter}: the last reply is not a booking with a TC-XXXXXX code: {final!r} (all replies: {replies})"
    graph = settled_graph(page)
    assert graph["labels"] >= 3, f"pattern {letter}: the graph has too few step labels: {graph}"
    screenshot(page, f"pattern-{letter.lower()}")
    browsing.requests.assert_stayed_local()


def run_and_wait_for_results(browsing: Browsing, path: str, button: str, what: str, timeout: float) -> None:
    """Open `path`, press `button`, wait for a results table and an idle, healthy page; screenshot it."""
    page = browsing.page
    browsing.open(path)
    page.get_by_role("button", name=button).click()
    results = page.get_by_test_id("stMain").locator('[data-testid="stDataFrame"], [data-testid="stTable"]')
    wait_until(page, lambda: results.count() > 0, what, timeout=timeout)
    wait_idle(page, timeout=timeout)
    assert_healthy(page)
    assert results.count() > 0, f"{what} disappeared once the run finished"
    screenshot(page, path.strip("/"))
    browsing.requests.assert_stayed_local()


def test_compare_page_runs_all_seven(browsing: Browsing) -> None:
    run_and_wait_for_results(browsing, "/compare", "Run all seven", "the compare page's results table", timeout=120)


def test_arena_runs_the_suite(browsing: Browsing) -> None:
    run_and_wait_for_results(browsing, "/arena", "Run the suite", "the arena's results table", timeout=180)


def test_a_key_typed_in_the_sidebar_is_taken_and_never_shown_again(browsing: Browsing) -> None:
    """The interaction AppTest cannot drive: type a key into the real password box."""
    page = browsing.page
    key = "sk-browser-test-0123456789abcdef"
    browsing.open("/")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Use real services").click()
    box = sidebar.get_by_label("OpenAI API key")
    box.fill(key)
    box.press("Enter")
    wait_until(page, lambda: "OpenAI API key: set for this session" in sidebar.inner_text(),
               "the sidebar to say the key is set", timeout=30)
    wait_idle(page)
    assert "OpenAI: real · gpt-4.1-mini" in sidebar.inner_text()
    assert key not in page.content(), "the typed key is still somewhere in the page"
    sidebar.get_by_role("button", name="Forget the keys typed here").click()
    wait_until(page, lambda: "OpenAI: offline model (rule-based)" in sidebar.inner_text(),
               "the vendor to go back offline", timeout=30)
    browsing.requests.assert_stayed_local()


def test_calendar_page_loads(browsing: Browsing) -> None:
    page = browsing.page
    browsing.open("/calendar")
    assert page.get_by_test_id("stMain").get_by_role("heading").count() > 0, "the calendar page shows no heading"
    screenshot(page, "calendar")
    browsing.requests.assert_stayed_local()


def test_one_visitor_books_the_articles_dialogue_on_every_page_in_turn(browsing: Browsing) -> None:
    """One browser session, moving by sidebar clicks: each page starts from the same calendar, so the
    article's dialogue books court A on 2025-12-04 at 15:00 on A, B, C, D, E, F and G in that order."""
    page = browsing.page
    browsing.open("/")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Pretend today is…").click()  # the article's dialogue is set on 3 December 2025
    wait_idle(page)
    for letter in LETTERS:
        _go_to(page, letter)
        replies = [send_chat(page, message) for message in DIALOGUE]
        assert "Booked" in replies[-1] and "Court A" in replies[-1] and confirmation_codes(replies[-1]), \
            f"pattern {letter}: {replies}"
        assert "4 December" in replies[-1] or "2025-12-04" in replies[-1], f"pattern {letter}: {replies[-1]!r}"
    for name in ("Compare all seven", "Arena: scenarios and faults", "Court calendar", "Home"):
        sidebar.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        wait_idle(page)
        assert_healthy(page)
    assert browsing.console_errors == [], (f"{len(browsing.console_errors)} console errors: "
                                           f"{browsing.console_errors[:5]}")
    browsing.requests.assert_stayed_local()


def _go_to(page: Page, letter: str) -> None:
    """Open a pattern's page by its sidebar link."""
    page.get_by_test_id("stSidebarNav").get_by_text(f"{letter} · {PATTERNS[letter].name}", exact=True).click()
    wait_until(page, lambda: f"{letter} · {PATTERNS[letter].name}" in page.get_by_test_id("stMain").inner_text()
               .split("\n", 1)[0], f"the page of pattern {letter}", timeout=30)
    wait_idle(page)


def test_a_reload_in_the_middle_of_a_conversation_keeps_it(browsing: Browsing) -> None:
    """The session's id is in the URL: a reload brings back the chat, and the next message continues it."""
    page = browsing.page
    browsing.open("/pattern-c")
    assert "What time would you like?" in send_chat(page, "Book court A tomorrow")
    assert "session=" in page.url, f"no session id in the URL: {page.url}"
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    assert_healthy(page)
    wait_until(page, lambda: "Book court A tomorrow" in page.get_by_test_id("stMain").inner_text(),
               "the conversation to be back after the reload", timeout=30)
    reply = send_chat(page, "3pm")
    assert "Booked" in reply and confirmation_codes(reply), f"the conversation did not go on: {reply!r}"
    browsing.requests.assert_stayed_local()


LONG_RUN = ("Book a court for tomorrow", "3pm", "A", "Is court B free on Friday at 10am?", "Book it",
            "What is free on Saturday at 9am?")


def _replay_to(page: Page, step: int) -> None:
    """Move the replay slider to `step` with the keyboard, as a visitor can."""
    slider = page.get_by_test_id("stMain").get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    for _ in range(step - 1):
        slider.press("ArrowRight")
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    wait_until(page, lambda: f"Step {step}:" in main.inner_text(), f"the replay caption at step {step}")


def test_a_40_step_run_draws_every_step_number_at_10_20_and_40_steps(browsing: Browsing) -> None:
    """G's six-message run has over 40 steps. The graph is drawn at steps 10, 20 and 40, and in the
    gathered view; every step number is on a label (tested without a browser in test_graph), and the
    screenshots are there to look at: test-artifacts/browser/graph-g-*.png."""
    page = browsing.page
    browsing.open("/")  # then by the sidebar, as a visitor moves: a full load of a sub-page logs Streamlit's own
    _go_to(page, "G")   # 404s for /pattern-g/_stcore/health and host-config (streamlit/streamlit#7074)
    for message in LONG_RUN:
        send_chat(page, message)
    main = page.get_by_test_id("stMain")
    wait_until(page, lambda: "Step " in main.inner_text(), "the replay caption")
    for step in (10, 20, 40):
        _replay_to(page, step)
        settled_graph(page)
        page.get_by_test_id("stMain").locator("svg.decision-graph").first.screenshot(
            path=str(screenshot(page, f"graph-g-{step}").with_name(f"graph-g-{step}-graph.png")))
    main.get_by_text("Gathered: one arrow per pair of actors").click()
    wait_idle(page)
    settled_graph(page)
    main.locator("svg.decision-graph").first.screenshot(
        path=str(screenshot(page, "graph-g-gathered").with_name("graph-g-gathered-graph.png")))
    assert browsing.console_errors == [], browsing.console_errors[:5]
    browsing.requests.assert_stayed_local()


@pytest.mark.parametrize("letter", ["D", "E"])
def test_a_calendar_that_cannot_be_reached_shows_as_a_failed_step(browsing: Browsing, letter: str) -> None:
    """With the fault "Calendar unreachable" chosen in the sidebar, the first check_availability fails:
    its row in the steps table is marked failed and reads "→ error", never "→ done"."""
    page = browsing.page
    browsing.open("/")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Inject a fault").locator("input").click()
    page.get_by_role("option", name="Calendar unreachable").click()
    wait_idle(page)
    assert "The calendar cannot be reached on the first call" in sidebar.inner_text()
    _go_to(page, letter)
    assert "fault: Calendar unreachable" in page.get_by_test_id("stMain").inner_text()
    reply = send_chat(page, "Book court A tomorrow at 3pm")
    assert reply, f"pattern {letter}: no reply"
    table = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first
    wait_until(page, lambda: table.count() and "check_availability → error" in _grid_text(table),
               f"pattern {letter}: a failed check_availability in the steps table")
    failed = [row for row in _grid_text(table).split("\n") if "check_availability → error" in row]
    assert failed and all("done" not in row for row in failed), failed
    settled_graph(page)
    screenshot(page, f"fault-calendar-unreachable-{letter.lower()}")
    assert browsing.console_errors == [], browsing.console_errors[:5]
    browsing.requests.assert_stayed_local()


def _grid_text(table: Locator) -> str:
    """A dataframe's visible cells, one row per line (Streamlit draws it on a canvas, with an accessible table)."""
    return table.evaluate("""el => [...el.querySelectorAll('[role="row"]')]
        .map(row => [...row.querySelectorAll('[role="gridcell"], [role="columnheader"]')]"""
        """.map(c => c.innerText).join(' | '))
        .join('\\n')""")


def test_the_safeguards_switch_reaches_the_pattern_page_and_compare_runs_both(browsing: Browsing) -> None:
    """The real switch (AppTest cannot click sidebar widgets): on, with a made-up slot, C's checked-slots
    safeguard acts, is drawn as its own box and listed in the steps; the Code tab shows the safeguards apart
    from the article's code; Compare with both runs each pattern twice, every card naming its setting."""
    page = browsing.page
    browsing.open("/")
    sidebar = page.get_by_test_id("stSidebar")
    assert "Off: each pattern as the article writes it." in sidebar.inner_text()
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Inject a fault").locator("input").click()
    page.get_by_role("option", name="Made-up slot").click()
    wait_idle(page)
    sidebar.get_by_text("Safeguards", exact=True).click()
    wait_until(page, lambda: "On: the playground's own checks run too" in sidebar.inner_text(),
               "the sidebar to say the safeguards are on", timeout=30)
    _go_to(page, "C")
    main = page.get_by_test_id("stMain")
    assert "safeguards on" in main.inner_text()
    reply = send_chat(page, "Book court A tomorrow at 3pm")
    assert "Booked" in reply and "Court A" in reply, reply
    table = main.get_by_test_id("stDataFrame").first
    wait_until(page, lambda: table.count() and "Safeguard checked-slots" in _grid_text(table),
               "a step by Safeguard checked-slots in the steps table")
    settled_graph(page)
    main.locator("svg.decision-graph").first.screenshot(
        path=str(screenshot(page, "safeguards-c").with_name("safeguards-c-graph.png")))
    main.get_by_role("tab", name="Code").click()
    wait_until(page, lambda: "The playground's safeguards (not in the article)" in main.inner_text(),
               "the Code tab's safeguards section")
    assert "the playground's addition, not the article's code" in main.inner_text()
    sidebar.get_by_test_id("stSidebarNav").get_by_text("Compare all seven", exact=True).click()
    wait_idle(page)
    main.get_by_text("Both, side by side").click()
    wait_idle(page)
    main.get_by_role("button", name="Run all seven").click()
    wait_until(page, lambda: main.inner_text().count("· safeguards on") >= 7, "fourteen cards, off beside on",
               timeout=240)
    wait_idle(page, timeout=120)
    assert_healthy(page)
    assert main.inner_text().count("· safeguards off") >= 7
    screenshot(page, "compare-both")
    assert browsing.console_errors == [], browsing.console_errors[:5]
    browsing.requests.assert_stayed_local()


def test_the_trace_page_opens_a_chat_json_run_and_its_otlp_side_by_side(browsing: Browsing, tmp_path: Path) -> None:
    """One run made here by the CLI, as `--json` and as `--otlp`, uploaded through the real file inputs: each
    has its label, its painted graph and its steps, side by side."""
    out, otlp = io.StringIO(), tmp_path / "run-c.otlp.jsonl"
    assert cli_main(["chat", "--json", "--otlp", str(otlp), "--pattern", "C", "--today", "2025-12-03",
                     "--user", "alice", *DIALOGUE], out=out) == 0
    steps = sum(len(turn["events"]) for turn in json.loads(out.getvalue())["turns"])
    page = browsing.page
    browsing.open("/")
    page.get_by_test_id("stSidebarNav").get_by_text("Open a trace", exact=True).click()
    main = page.get_by_test_id("stMain")
    inputs = main.get_by_test_id("stFileUploaderDropzoneInput")
    wait_until(page, lambda: inputs.count() == 2, "the trace page's two uploaders")
    inputs.first.set_input_files({"name": "run-c.json", "mimeType": "application/json",
                                  "buffer": out.getvalue().encode()})
    wait_until(page, lambda: "chat --json run of pattern C" in main.inner_text(), "the opened run's label")
    wait_idle(page)
    settled_graph(page)
    main.get_by_test_id("stFileUploaderDropzoneInput").last.set_input_files(
        {"name": otlp.name, "mimeType": "application/json", "buffer": otlp.read_bytes()})
    wait_until(page, lambda: "OTLP export (this project)" in main.inner_text(), "the opened OTLP file's label")
    wait_idle(page)
    assert_healthy(page)

    def two_drawn() -> list[dict[str, int]]:
        drawn = [g for g in graphs(page) if g["shownWidth"] > 0 and g["labels"] > 0]
        return drawn if len(drawn) == 2 else []
    wait_until(page, two_drawn, "two drawn graphs", timeout=20)
    tables = main.get_by_test_id("stDataFrame")

    def steps_tables() -> list[str]:
        found = [_grid_text(tables.nth(n)) for n in range(tables.count())]
        return [text for text in found if text.startswith("step | turn") and "Your code" in text]
    wait_until(page, lambda: len(steps_tables()) == 2, "two steps tables")
    assert main.inner_text().count(f"Steps\n\n{steps}\n") == 2
    screenshot(page, "trace-page-side-by-side")
    assert browsing.console_errors == [], browsing.console_errors[:5]
    browsing.requests.assert_stayed_local()


def _recorded_booking() -> tuple[str, Path, int, str, str]:
    """A recorded real-model run kept with the app whose model booked a slot: (pattern, file, the step of
    its model's `book` decision, that decision as JSON, the slot id it booked)."""
    from orchestration.vendors import cassette

    for letter in LETTERS:
        for path, tape in cassette.recordings(letter):
            for call in tape.calls:
                decision = json.dumps(cassette.decision_of(call))
                slots = [f"{b['court']}-{b['date']}-{b['time'].replace(':', '')}" for b in tape.bookings]
                booked = next((slot for slot in slots if slot in decision), None)
                if call.step and booked and '"book"' in decision:
                    return letter, path, call.step, decision, booked
    pytest.fail("no recorded run in recordings/ has a model's booking to fork")


def _replay_recorded(page: Page, browsing: Browsing, letter: str, path: Path) -> Locator:
    browsing.open(f"/pattern-{letter.lower()}")
    main = page.get_by_test_id("stMain")
    main.get_by_text("Recorded runs of real models").click()
    wait_idle(page)
    picker = main.get_by_test_id("stSelectbox").filter(has_text="A recorded run")
    from orchestration.vendors import cassette
    from ui.recorded import _label

    wanted = _label(cassette.Cassette.load(path))
    def chosen() -> str:  # the selected option's label: the combobox's input holds it
        return picker.inner_text() + picker.locator("input").input_value()

    for _ in range(3):  # a rerun under load can close the list while it is typed in: then type again
        if wanted[:40] in chosen():
            break
        typed = picker.locator("input")
        typed.click()
        typed.fill(wanted[:40])
        page.locator('[role="option"]').filter(has_text=wanted[:40]).first.wait_for(state="visible")
        typed.press("Enter")  # the first option the typed text leaves
        wait_idle(page)
    assert wanted[:40] in chosen(), f"could not choose the recording {wanted[:40]!r}: {chosen()!r}"
    main.get_by_role("button", name="Replay it").click()
    wait_until(page, lambda: "Showing a recorded run" in main.inner_text(), "the replayed run", timeout=120)
    wait_idle(page)
    return main


def test_a_recorded_real_model_run_replays_on_its_page_with_no_model(browsing: Browsing) -> None:
    """The keyless visitor's view: a real model's run, kept as a cassette, runs again through the page's own
    pattern code, with the same bookings, and the graph draws it."""
    from orchestration.vendors import cassette

    letter, path, _, _, _ = _recorded_booking()
    page = browsing.page
    main = _replay_recorded(page, browsing, letter, path)
    _assert_vendors_offline(page)  # no key, no local model: the sidebar says so
    booked = "; ".join(f"court {b['court']} {b['date']} {b['time']} for {b['user']}"
                       for b in cassette.Cassette.load(path).bookings)
    assert f"This run booked: {booked}" in main.inner_text()
    assert "The replay left the recording" not in main.inner_text()
    settled_graph(page)
    assert_healthy(page)
    screenshot(page, f"recorded-{letter.lower()}")
    browsing.requests.assert_stayed_local()


def test_a_fork_at_the_models_booking_books_another_court_on_the_calendar(browsing: Browsing, tmp_path: Path) -> None:
    from orchestration.calendar import Calendar, Clock

    letter, path, step, decision, booked = _recorded_booking()
    day, hour = booked[2:12], f"{booked[13:15]}:{booked[15:17]}"
    from orchestration.vendors.cassette import Cassette

    demo = Calendar.open(tmp_path / "demo.db", Clock.on(date.fromisoformat(Cassette.load(path).today)), seed="demo")
    other = next(s.slot_id for s in demo.check_availability(day, hour).slots if s.slot_id != booked)
    page = browsing.page
    main = _replay_recorded(page, browsing, letter, path)
    chooser = main.get_by_test_id("stSelectbox").filter(has_text="At step").locator("input")
    chooser.click()
    chooser.fill(f"step {step}:")
    page.locator('[role="option"]').filter(has_text=f"step {step}:").first.click()
    wait_idle(page)
    box = main.get_by_test_id("stTextArea").locator("textarea").last
    wait_until(page, lambda: box.input_value() == decision, f"step {step}'s recorded decision in the text box")
    box.fill(decision.replace(booked, other))
    box.press("Control+Enter")
    wait_idle(page)
    main.get_by_role("button", name="Fork here and go on").click()
    wait_until(page, lambda: f"forked at step {step} by you" in main.inner_text(), "the forked run", timeout=120)
    wait_idle(page)
    court, day, hour = other[0], other[2:12], f"{other[13:15]}:{other[15:17]}"
    assert f"court {court} {day} {hour}" in main.inner_text().split("This run booked:")[1].split("\n")[0]
    settled_graph(page)
    screenshot(page, f"recorded-{letter.lower()}-forked")
    browsing.requests.assert_stayed_local()
