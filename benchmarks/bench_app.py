"""The app as a user meets it, each figure beside a floor:
- replies: on each pattern's page, the time from pressing Enter in the chat until the reply and the
  decision graph have both drawn, for the article's three messages (floor: `echo_page.py`, a chat
  page that echoes, typed into the same way);
- start: time from `streamlit run` to the first page served (floor: a one-line app started the same
  way), and memory after visiting every page (floor: that one-line app after its page);
- load: 20 browser sessions at once, each running the article's dialogue on a pattern page.

Needs the test requirements (Playwright) and Debian's Chromium at /usr/bin/chromium.

    python benchmarks/bench_app.py                    # all three
    python benchmarks/bench_app.py replies --rounds 3 # only Enter-to-graph, 3 fresh sessions per page

How "drawn" is seen: a script added to the page before its own notes, in page time
(`performance.timeOrigin + performance.now()`), the Enter key going down, the first animation frame
in which the new reply's text is in the page, and the first animation frame after each change to the
graph's SVG (`svg.decision-graph`, seen by a MutationObserver: the graph is inline markup, so its
change is its redraw). After Enter, once the app has stopped running and the graph has not changed
for `QUIET_S`, the time is the later of the reply and the graph's last draw. A graph that did not
change after Enter counts as not drawn, and the script says so.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["", "compare", "arena", "calendar", *(f"pattern-{letter}" for letter in "abcdefg")]
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")
VISITORS = 20
"""Browser sessions at once in the load run."""
STARTS = 3
"""Starts of each app for the first-page time (the median is kept)."""
ECHO_PAGE = ROOT / "benchmarks" / "echo_page.py"
"""The floor: a chat page that echoes (not in the app's navigation)."""
QUIET_S = 0.6
"""How long the app must be idle, and the graph not drawing, before a reply counts as settled."""
_REPLIED_JS = """([before]) => {
  // Cheap enough to run every frame: no :has(), and textContent, which (unlike innerText) forces no layout.
  const avatars = document.querySelectorAll('[data-testid="stChatMessageAvatarAssistant"]');
  if (avatars.length <= before) return false;
  const message = avatars[avatars.length - 1].closest('[data-testid="stChatMessage"]');
  const texts = [...message.querySelectorAll('[data-testid="stText"]')]
    .filter(el => !el.closest('[data-testid="stStatusWidget"]') && !el.closest('[data-testid="stExpander"]'));
  return texts.length > 0 && texts[texts.length - 1].textContent.trim().length > 0;
}"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(script: Path, options: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], int]:
    """`streamlit run script` on a free loopback port, from the project's folder (so with its
    .streamlit/config.toml, floors included), without any vendor's key; returns once it is healthy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "ANTHROPIC", "AWS"))}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false", *options],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return server, port
        except OSError:
            time.sleep(0.05)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=20)


_WATCH_JS = """() => {
  const now = () => performance.timeOrigin + performance.now();
  const bench = window.__bench = {enter: null, reply: null, draws: 0, lastDraw: null};
  const inGraph = node => {
    const element = node.nodeType === 1 ? node : node.parentElement;
    return !!element && (element.matches('svg.decision-graph') || !!element.closest('svg.decision-graph')
                         || !!element.querySelector?.('svg.decision-graph'));
  };
  new MutationObserver(records => {
    if (!records.some(r => inGraph(r.target) || [...r.addedNodes, ...r.removedNodes].some(inGraph))) return;
    bench.draws += 1;
    requestAnimationFrame(() => { bench.lastDraw = now(); });
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
  document.addEventListener('keydown', event => {
    if (event.key === 'Enter' && !event.shiftKey) bench.enter = now();
  }, true);
}"""
_REPLY_WATCH_JS = """([before]) => {
  const now = () => performance.timeOrigin + performance.now();
  window.__bench.reply = null;
  const replied = """ + _REPLIED_JS + """;
  const tick = () => { if (replied([before])) window.__bench.reply = now(); else requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""
_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning' && app.dataset.testConnectionState === 'CONNECTED';
}"""


@dataclass
class Reply:
    """One message's times, in seconds after Enter: the reply's text in the page, and the graph's last draw."""

    reply: float
    graph: float | None
    """None on a page without a graph (the floor), or when the graph did not draw after Enter."""
    iframes: int
    """Frames (iframe documents) loaded during this message: none, since the graph is inline SVG."""

    @property
    def settled(self) -> float:
        return max(self.reply, self.graph or 0.0)


def _settle(page: Page, enter: float) -> float | None:
    """Wait until the app is idle and the graph has not drawn for QUIET_S; the graph's last draw (page time, ms)."""
    quiet_since, last = None, None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        drawn = page.evaluate("() => window.__bench && window.__bench.lastDraw")
        newest = drawn if drawn and drawn > enter else None
        idle = page.evaluate(_IDLE_JS)
        if idle and newest == last:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= QUIET_S:
                return newest
        else:
            quiet_since = None
        last = newest
        page.wait_for_timeout(50)
    raise TimeoutError(f"{page.url} did not settle within 120 s")


def dialogue_times(browser: Browser, url: str, graph: bool) -> list[Reply]:
    """A fresh browser session types the article's dialogue into the page at `url`; each message's times."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(f"({_WATCH_JS})();")
    page = context.new_page()
    loads: list[str] = []
    page.on("request", lambda request: loads.append(request.url)  # any frame's document: none expected
            if request.frame.parent_frame is not None and request.resource_type == "document" else None)
    page.goto(url)
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    _settle(page, 0.0)
    times = []
    for message in DIALOGUE:
        before = page.locator('[data-testid="stChatMessageAvatarAssistant"]').count()
        loaded = len(loads)
        page.evaluate(_REPLY_WATCH_JS, [before])
        box.fill(message)
        box.press("Enter")
        page.wait_for_function("() => window.__bench.reply !== null", polling=100, timeout=120_000)
        enter = page.evaluate("() => window.__bench.enter")
        drawn = _settle(page, enter)
        reply = page.evaluate("() => window.__bench.reply")
        times.append(Reply((reply - enter) / 1000, (drawn - enter) / 1000 if graph and drawn else None,
                           len(loads) - loaded))
    context.close()
    return times


def replies(rounds: int, letters: str) -> None:
    """Enter until the reply and the graph have drawn, on each pattern's page, beside the echo floor.
    Each round opens a fresh session on every page, the floor's first, so a slow minute hits both alike.
    A first round, not counted, warms the server: a pattern's first turn in a process imports its SDKs."""
    echo: list[Reply] = []
    pages: dict[str, list[Reply]] = {letter: [] for letter in letters}
    unfinished: list[str] = []
    echo_server, echo_port = start(ECHO_PAGE)
    app_server, app_port = start(ROOT / "streamlit_app.py")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            warm = browser.new_page()  # the first session after a start: Streamlit's page-not-found (streamlit#9992)
            warm.goto(f"http://127.0.0.1:{app_port}/")
            warm.wait_for_selector("h1", timeout=60_000)
            warm.close()
            for letter in letters:  # not counted: the first turn of each pattern in a process imports its SDKs
                dialogue_times(browser, f"http://127.0.0.1:{app_port}/pattern-{letter.lower()}", graph=True)
            for n in range(rounds):
                for letter in letters:
                    for times, url, graph in ((echo, f"http://127.0.0.1:{echo_port}/", False),
                                              (pages[letter],
                                               f"http://127.0.0.1:{app_port}/pattern-{letter.lower()}", True)):
                        try:
                            times += dialogue_times(browser, url, graph=graph)
                        except (PlaywrightError, TimeoutError) as failure:  # say so, and go on with the rest
                            unfinished.append(f"{url}: {type(failure).__name__}: {str(failure).splitlines()[0][:160]}")
                print(f"  round {n + 1} of {rounds} done", file=sys.stderr)
            browser.close()
    finally:
        stop(echo_server)
        stop(app_server)
    for failure in unfinished:
        print(f"  a session did not finish: {failure}")
    floor = statistics.median(r.settled for r in echo)
    print(f"Enter until the reply and the graph have drawn (Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores; medians of {rounds} fresh sessions x the article's {len(DIALOGUE)} messages):")
    print(f"  floor, echo_page.py (reply only, no graph): {floor * 1000:5.0f} ms")
    print("  pattern  reply+graph  ratio  | reply only | per message (1st, 2nd, 3rd: medians)   | frames loaded")
    for letter, seen in pages.items():
        if not seen:
            print(f"  {letter}: no session finished")
            continue
        settled = statistics.median(r.settled for r in seen)
        reply = statistics.median(r.reply for r in seen)
        each = [statistics.median(r.settled for r in seen[i::len(DIALOGUE)]) for i in range(len(DIALOGUE))]
        missing = sum(r.graph is None for r in seen)
        print(f"  {letter}        {settled * 1000:6.0f} ms  {settled / floor:4.2f}x | {reply * 1000:6.0f} ms  | "
              f"{', '.join(f'{s * 1000:.0f}' for s in each):24s} ms | {sum(r.iframes for r in seen)} in {len(seen)} "
              f"messages" + (f"; graph not redrawn after {missing} messages" if missing else ""))


async def _one_visitor(browser: object, port: int, letter: str) -> list[float]:
    """One browser session running the article's dialogue on a pattern page; seconds per reply."""
    context = await browser.new_context()  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(f"http://127.0.0.1:{port}/")
    await page.wait_for_selector("h1", timeout=120_000)
    await page.goto(f"http://127.0.0.1:{port}/pattern-{letter.lower()}")
    box = page.get_by_test_id("stChatInputTextArea")
    await box.wait_for(timeout=120_000)
    seconds = []
    for message in DIALOGUE:
        before = await page.locator('[data-testid="stChatMessageAvatarAssistant"]').count()
        await box.fill(message)
        started = time.perf_counter()
        await box.press("Enter")
        await page.wait_for_function(_REPLIED_JS, arg=[before], polling=100, timeout=300_000)
        seconds.append(time.perf_counter() - started)
        await page.wait_for_timeout(500)
    await context.close()
    return seconds


def under_load(port: int, visitors: int) -> tuple[list[float], int]:
    """`visitors` browser sessions at once, pattern pages A to G in turn, each running the article's
    dialogue; returns every reply time and how many sessions did not finish."""
    from playwright.async_api import async_playwright

    async def run() -> tuple[list[float], int]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            done = await asyncio.gather(*(_one_visitor(browser, port, "ABCDEFG"[n % 7]) for n in range(visitors)),
                                        return_exceptions=True)
            await browser.close()
        times = [s for result in done if isinstance(result, list) for s in result]
        for failure in (result for result in done if not isinstance(result, list)):
            print(f"  a session did not finish: {type(failure).__name__}: {str(failure).splitlines()[0][:200]}")
        return times, sum(not isinstance(result, list) for result in done)

    return asyncio.run(run())


def measure(script: Path, pages: list[str], browser: object) -> tuple[float, float]:
    """(seconds from launch until the first page has rendered, MB of RSS after visiting `pages`)."""
    started = time.perf_counter()
    server, port = start(script)
    try:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("h1", timeout=60_000)
        first_page = time.perf_counter() - started
        for path in pages[1:]:
            page.goto(f"http://127.0.0.1:{port}/{path}")
            page.wait_for_selector("h1", timeout=60_000)
            page.wait_for_timeout(500)
        memory = rss_mb(server.pid)
        page.close()
        return first_page, memory
    finally:
        stop(server)


def starting() -> None:
    """First page served and memory after every page, each beside a one-line app started the same way."""
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        floor_app = Path(scratch) / "floor_app.py"
        floor_app.write_text('import streamlit as st\n\nst.title("Hello")\n')
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        floors, apps = [], []
        for _ in range(STARTS):  # alternated, and the median kept: the first start of all also fills disk caches
            floors.append(measure(floor_app, [""], browser))
            apps.append(measure(ROOT / "streamlit_app.py", PAGES, browser))
        browser.close()
    floor_start, floor_memory = statistics.median(f[0] for f in floors), floors[-1][1]
    first, memory = statistics.median(a[0] for a in apps), apps[-1][1]
    print(f"The app (Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores):")
    print(f"  first page served: {first:5.2f} s  (floor, a one-line app: {floor_start:5.2f} s; "
          f"{first / floor_start:.2f}x; medians of {STARTS} starts each)")
    print(f"  memory after visiting all {len(PAGES)} pages: {memory:5.0f} MB RSS  "
          f"(floor after its one page: {floor_memory:.0f} MB; {memory / floor_memory:.2f}x)")


def loaded() -> None:
    """VISITORS browser sessions at once on the pattern pages, beside the echo page's single reply."""
    server, port = start(ECHO_PAGE)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            floor = statistics.median(r.reply
                                      for r in dialogue_times(browser, f"http://127.0.0.1:{port}/", graph=False))
            browser.close()
    finally:
        stop(server)
    server, port = start(ROOT / "streamlit_app.py")
    try:
        times, unfinished = under_load(port, VISITORS)
    finally:
        stop(server)
    cuts = statistics.quantiles(times, n=20) if len(times) > 1 else [float("nan")] * 19
    print(f"  {VISITORS} browser sessions at once, the article's dialogue on pages A to G in turn: "
          f"{VISITORS - unfinished} of {VISITORS} finished; reply p50 {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {cuts[18] * 1000:.0f} ms ({statistics.median(times) / floor:.0f}x and {cuts[18] / floor:.0f}x the "
          f"echo page's single reply, {floor * 1000:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="{replies,start,load}", help="what to measure (default: all three)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh sessions per page for the reply times")
    parser.add_argument("--patterns", default="ABCDEFG")
    args = parser.parse_args()
    parts = args.parts or ["replies", "start", "load"]
    if unknown := set(parts) - {"replies", "start", "load"}:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if "replies" in parts:
        replies(args.rounds, args.patterns.upper())
    if "start" in parts:
        starting()
    if "load" in parts:
        loaded()


if __name__ == "__main__":
    main()
