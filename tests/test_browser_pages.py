"""The Arena, Compare and a pattern page in a real browser: what they measured is drawn, and kept.

Debian's Chromium driven by Playwright against `streamlit run`, as tests/test_browser.py does (the
`server` and `browser` fixtures are in tests/conftest.py, when and why it is skipped in
tests/browser_support.py).

- The Arena's cost-versus-pass^k chart has one point per pattern, its y axis reads 0.25 and 0.75,
  a failing run's graph is drawn at full size when its expander opens, and the results (and what
  was chosen) survive leaving the page, coming back, and a reload.
- Compare lists its runs in one order in the table, the charts and the cards, and keeps them.
- A pattern page draws its graph inline, with no iframe to load, and redraws it as a replay moves. A fault chosen in the
  sidebar is announced in the chat and applies from the next message; the conversation goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from orchestration.patterns import PATTERNS, SPECTRUM

from .browser_support import (
    VIEWPORT,
    RequestLog,
    StreamlitServer,
    assert_healthy,
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

FAILURE_GRAPH_HEIGHT = 520
"""ui.arena_view.FAILURE_GRAPH_HEIGHT (not imported: that module needs a Streamlit session to be useful)."""


@pytest.fixture
def page(browser: Browser, server: StreamlitServer) -> Iterator[Page]:
    """A fresh browser context (a fresh Streamlit session), every request checked to stay on the machine."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    requests = RequestLog()
    requests.attach(context)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
    requests.assert_stayed_local()


def _nav(page: Page, name: str) -> None:
    """Go to another page by its sidebar link, as a visitor does."""
    page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
    wait_idle(page)
    assert_healthy(page)


def _pick(page: Page, widget: Locator, option: str) -> None:
    """Choose `option` in a select or multiselect."""
    widget.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)


# --- The Arena ------------------------------------------------------------------------------------

_VEGA_JS = """(chart) => {
  // Streamlit draws Vega-Lite on a canvas and keeps the Vega view in React's state: find it there, and read
  // its scene graph, which holds every point drawn and every axis label. (React's internals: if a Streamlit
  // upgrade moves them, this says "no Vega view found" rather than passing.)
  const seen = new Set(), found = [];
  const isView = v => v && typeof v === 'object' && typeof v.scenegraph === 'function' && typeof v.data === 'function';
  const visit = (obj, depth) => {
    if (!obj || typeof obj !== 'object' || seen.has(obj) || depth > 6 || found.length) return;
    seen.add(obj);
    if (isView(obj)) { found.push(obj); return; }
    for (const key of Object.keys(obj)) {
      if (key === 'return' || key === 'sibling' || key === '_owner') continue;
      try { visit(obj[key], key === 'next' ? depth : depth + 1); } catch (error) { /* a getter that throws */ }
    }
  };
  for (const node of [chart, ...chart.querySelectorAll('*')]) {
    const key = Object.keys(node).find(k => k.startsWith('__reactFiber'));
    for (let fiber = key && node[key], i = 0; fiber && i < 30 && !found.length; fiber = fiber.return, i++) {
      visit(fiber.memoizedState, 0); visit(fiber.memoizedProps, 0);
    }
    if (found.length) break;
  }
  if (!found.length) return null;
  const points = [], labels = [], titles = [];
  const walk = item => {
    if (!item) return;
    const role = item.mark && item.mark.role;
    const kind = item.mark && item.mark.marktype;
    if ((kind === 'symbol' || kind === 'rect') && item.datum && (item.datum.patterns || item.datum.run)) {
      points.push(item.datum.patterns || item.datum.run);
    }
    if (role === 'axis-label') labels.push(String(item.text));
    if (role === 'axis-title') titles.push(String(item.text));
    (item.items || []).forEach(walk);
  };
  walk(found[0].scenegraph().root);
  return {points, labels, titles};
}"""


def _chart(page: Page) -> dict:
    chart = page.get_by_test_id("stMain").get_by_test_id("stVegaLiteChart").first
    chart.wait_for(state="visible", timeout=30_000)

    def drawn() -> dict | None:
        scene = chart.evaluate(_VEGA_JS)
        return scene if scene and scene["points"] else None
    return wait_until(page, drawn, "the Arena's cost-versus-pass^k chart with its points (no Vega view found?)")


def _failure_graph(page: Page, expander: Locator) -> dict:
    """The graph inside an open failure expander: its box on the page and what it draws."""
    svg = expander.locator("svg.decision-graph")
    wait_until(page, lambda: svg.count() == 1, "the failing run's graph in its open expander")

    def drawn() -> dict | None:
        boxes = svg.evaluate("svg => svg.querySelectorAll('g[data-node]').length")
        return {"box": svg.bounding_box(), "boxes": boxes} if boxes >= 3 else None
    return wait_until(page, drawn, "the failing run's graph drawn")


def _assert_full_size(page: Page, graph: dict, expander: Locator) -> None:
    """Regression: a failing run's graph had a height of 0 until the window was resized, then drew cropped."""
    inside = expander.bounding_box()
    assert graph["box"]["height"] >= FAILURE_GRAPH_HEIGHT * 0.95, f"the graph is cropped: {graph}"
    assert graph["box"]["width"] >= inside["width"] * 0.9, f"the graph is not full width: {graph} in {inside}"


def _assert_arena_results(page: Page, what: str) -> dict:
    main = page.get_by_test_id("stMain")
    wait_until(page, lambda: main.get_by_test_id("stDataFrame").count() > 0, f"the Arena's results {what}")
    assert "Runs that did not pass" in main.inner_text(), what
    chosen = main.get_by_test_id("stMultiSelect").filter(has_text="Faults").inner_text()
    assert "Made-up slot" in chosen, f"the chosen fault is gone {what}: {chosen!r}"
    scene = _chart(page)
    assert sorted(scene["points"]) == list(PATTERNS), f"one point per pattern {what}: {scene}"
    return scene


def test_the_arena_draws_its_chart_and_failure_graphs_and_keeps_its_results(page: Page,
                                                                            server: StreamlitServer) -> None:
    open_page(page, server.url, "/arena")
    main = page.get_by_test_id("stMain")
    _pick(page, main.get_by_test_id("stMultiSelect").filter(has_text="Faults"), "Made-up slot")
    main.get_by_role("button", name="Run the suite").click()
    wait_until(page, lambda: main.get_by_test_id("stDataFrame").count() > 0, "the Arena's results", timeout=300)
    wait_idle(page, timeout=300)
    assert_healthy(page)

    scene = _assert_arena_results(page, "after the run")
    assert {"0.25", "0.5", "0.75"} <= set(scene["labels"]), f"the axes read {scene['labels']}"
    assert not {"0.3", "0.8"} & set(scene["labels"]), f"the y axis rounds 0.25 and 0.75: {scene['labels']}"
    assert "est. cost per scenario ($)" in scene["titles"] and "pass^k" in scene["titles"], scene["titles"]

    failures = main.get_by_test_id("stExpander").filter(has_text=" — fail, ")
    assert failures.count() > 1, "fewer than two failing runs listed under a made-up slot"
    _assert_full_size(page, _failure_graph(page, failures.first), failures.first)  # the first starts open
    closed = failures.last
    assert closed.locator("svg.decision-graph").count() == 0, "a closed expander drew its graph"
    closed.locator("summary").click()
    wait_idle(page)
    _assert_full_size(page, _failure_graph(page, closed), closed)
    closed.screenshot(path=str(screenshot(page, "arena-failure").with_name("arena-failure-expander.png")))

    _nav(page, "Home")
    _nav(page, "Arena: scenarios and faults")
    _assert_arena_results(page, "after leaving the page and coming back")

    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    assert_healthy(page)
    _assert_arena_results(page, "after a reload")
    first = main.get_by_test_id("stExpander").filter(has_text=" — fail, ").first
    _assert_full_size(page, _failure_graph(page, first), first)
    screenshot(page, "arena-after-reload")


# --- Compare --------------------------------------------------------------------------------------


def _compare_order(page: Page) -> tuple[list[str], list[str]]:
    """(the table's patterns, the cards' letters), top to bottom and left to right."""
    main = page.get_by_test_id("stMain")  # the results table: the first one outside the recorded runs' expander
    table = main.locator('[data-testid="stDataFrame"]'
                         ':not([data-testid="stExpander"] [data-testid="stDataFrame"])').first
    rows = wait_until(page, lambda: table.evaluate("""el => [...el.querySelectorAll('[role="row"]')]
        .map(row => [...row.querySelectorAll('[role="gridcell"], [role="rowheader"]')].map(cell => cell.innerText))
        .filter(cells => cells.length).map(cells => cells[0])"""), "the compare table's rows")
    names = {f"{letter} · {info.name}": letter for letter, info in PATTERNS.items()}
    cards = [names[text.strip()] for text in main.locator("strong").all_inner_texts() if text.strip() in names]
    return [row.split(" · ")[0].strip() for row in rows if row], cards


def test_compare_lists_its_runs_in_one_order_and_keeps_them(page: Page, server: StreamlitServer) -> None:
    open_page(page, server.url, "/compare")
    main = page.get_by_test_id("stMain")
    main.get_by_role("button", name="Run all seven").click()
    wait_until(page, lambda: main.get_by_test_id("stDataFrame").count() > 0, "the compare table", timeout=240)
    wait_idle(page, timeout=240)
    assert_healthy(page)
    table, cards = _compare_order(page)
    assert table == list(SPECTRUM), f"the table's order: {table}"
    assert cards == list(SPECTRUM), f"the cards' order: {cards}"
    charts = main.get_by_test_id("stVegaLiteChart")
    wait_until(page, lambda: charts.count() == 4, "the four charts")
    for n in range(4):
        scene = wait_until(page, lambda n=n: charts.nth(n).evaluate(_VEGA_JS), f"chart {n}'s bars")
        assert scene["points"] == list(SPECTRUM), f"chart {n}'s bars: {scene['points']}"
    assert main.inner_text().count("steps, decided by:") == len(SPECTRUM), "a card without its strip of steps"
    screenshot(page, "compare-one-order")
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    assert_healthy(page)
    wait_until(page, lambda: main.get_by_test_id("stDataFrame").count() > 0, "the compare results after a reload")
    assert _compare_order(page)[0] == list(SPECTRUM)


# --- A pattern page -------------------------------------------------------------------------------


def test_a_pattern_page_draws_its_graph_inline_and_a_fault_applies_from_the_next_message(
        page: Page, server: StreamlitServer) -> None:
    """Regression: every rerun loaded the graph's iframe anew (37 times in F's dialogue). The graph is now
    inline SVG: no message, rerun or replay step loads a frame, and a replay step redraws it one step
    shorter, in the same box."""
    frames: list[str] = []
    page.on("request", lambda request: frames.append(request.url) if request.frame.parent_frame is not None else None)
    open_page(page, server.url, "/")  # then by the sidebar: a full load of a sub-page logs Streamlit's own 404s
    _nav(page, f"F · {PATTERNS['F'].name}")
    for message in ("Book a court for tomorrow", "3pm", "A"):
        assert send_chat(page, message)
    whole = settled_graph(page)
    main = page.get_by_test_id("stMain")
    for tab in ("Who controls what", "Architecture", "Steps"):  # reruns that leave the graph as it is
        main.get_by_role("tab", name=tab).click()
        wait_idle(page)
    assert settled_graph(page) == whole, "a rerun that changed nothing changed the graph"
    slider = main.get_by_role("slider").first
    slider.focus()
    for _ in range(3):
        slider.press("ArrowLeft")
        wait_idle(page)
    replayed = settled_graph(page)
    assert replayed["steps"] == whole["steps"] - 3, (replayed, whole)
    assert (replayed["shownWidth"], replayed["shownHeight"]) == (whole["shownWidth"], whole["shownHeight"])
    assert frames == [], f"the page loaded frames: {frames}"

    sidebar = page.get_by_test_id("stSidebar")
    _pick(page, sidebar.get_by_test_id("stSelectbox").filter(has_text="Inject a fault"), "Calendar unreachable")
    wait_until(page, lambda: "Fault “Calendar unreachable” from your next message on" in main.inner_text(),
               "the chat's note about the fault")
    assert "Book a court for tomorrow" in main.inner_text(), "the conversation started over"
    assert send_chat(page, "Is court B free tomorrow at 9am?")
    assert "Book a court for tomorrow" in main.inner_text(), "the conversation started over"
    screenshot(page, "pattern-f-fault-note")

    # Markdown in a message stays text in the graph's tooltips (the SVG is written with st.markdown)
    assert send_chat(page, "[link](http://example.com) *is* court B free tomorrow at 10am?")
    settled_graph(page)
    graph = page.locator("svg.decision-graph").first
    assert graph.locator("a, em").count() == 0, "Markdown in a message became markup in the graph"
    titles = graph.locator("title").all_text_contents()
    assert any("[link](http://example.com) *is* court B" in title for title in titles), titles
