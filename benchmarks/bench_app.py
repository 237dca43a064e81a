"""The app as a user meets it, each figure beside a floor:
- time from `streamlit run` to the first page served (floor: a one-line app started the same way);
- memory after visiting every page (floor: that one-line app after its page);
- on each pattern's page, the time from pressing Enter in the chat to the reply shown, for the
  article's three messages (floor: a minimal chat page that echoes, typed into the same way).

Needs the test requirements (Playwright) and Debian's Chromium at /usr/bin/chromium.

    python benchmarks/bench_app.py
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["", "compare", "arena", "calendar", *(f"pattern-{letter}" for letter in "abcdefg")]
DIALOGUE = ("Book a court for tomorrow", "3pm", "A")
VISITORS = 20
"""Browser sessions at once in the load run."""
STARTS = 3
"""Starts of each app for the first-page time (the median is kept)."""
ECHO_APP = """import streamlit as st

history = st.session_state.setdefault("history", [])
for role, text in history:
    st.chat_message(role).text(text)
if prompt := st.chat_input("Say something"):
    history += [("user", prompt), ("assistant", prompt)]
    st.chat_message("user").text(prompt)
    st.chat_message("assistant").text(prompt)
"""
_REPLIED_JS = """([before]) => {
  const replies = document.querySelectorAll('[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])');
  if (replies.length <= before) return false;
  const texts = [...replies[replies.length - 1].querySelectorAll('[data-testid="stText"]')]
    .filter(el => !el.closest('[data-testid="stStatusWidget"]') && !el.closest('[data-testid="stExpander"]'));
  return texts.length > 0 && texts[texts.length - 1].innerText.trim().length > 0;
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


def start(script: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`streamlit run script` on a free loopback port, without any vendor's key; returns once it is healthy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "ANTHROPIC", "AWS"))}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=script.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return server, port
        except OSError:
            time.sleep(0.05)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=20)


def reply_seconds(port: int, path: str, browser: object) -> list[float]:
    """Seconds from pressing Enter to the reply shown, for each message of the article's dialogue."""
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"http://127.0.0.1:{port}/")
    page.wait_for_selector('[data-testid="stChatInputTextArea"], h1', timeout=60_000)
    if path:
        page.goto(f"http://127.0.0.1:{port}/{path}")
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    seconds = []
    for message in DIALOGUE:
        before = page.locator('[data-testid="stChatMessageAvatarAssistant"]').count()
        box.fill(message)
        started = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(_REPLIED_JS, arg=[before], polling="raf", timeout=120_000)
        seconds.append(time.perf_counter() - started)
        page.wait_for_timeout(800)  # let the page settle before the next message
    page.close()
    return seconds


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


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        floor_app = Path(scratch) / "floor_app.py"
        floor_app.write_text('import streamlit as st\n\nst.title("Hello")\n')
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        floors, apps = [], []
        for _ in range(STARTS):  # alternated, and the median kept: the first start of all also fills disk caches
            floors.append(measure(floor_app, [""], browser))
            apps.append(measure(ROOT / "streamlit_app.py", PAGES, browser))
        floor_start, floor_memory = statistics.median(f[0] for f in floors), floors[-1][1]
        first, memory = statistics.median(a[0] for a in apps), apps[-1][1]
        echo_app = Path(scratch) / "echo_app.py"
        echo_app.write_text(ECHO_APP)
        server, port = start(echo_app)
        try:
            echo = reply_seconds(port, "", browser)
        finally:
            stop(server)
        server, port = start(ROOT / "streamlit_app.py")
        try:
            replies = {letter: reply_seconds(port, f"pattern-{letter.lower()}", browser) for letter in "ABCDEFG"}
        finally:
            stop(server)
        browser.close()
    server, port = start(ROOT / "streamlit_app.py")
    try:
        loaded, unfinished = under_load(port, VISITORS)
    finally:
        stop(server)
    print(f"The app (Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores):")
    print(f"  first page served: {first:5.2f} s  (floor, a one-line app: {floor_start:5.2f} s; {first / floor_start:.2f}x; "
          f"medians of {STARTS} starts each)")
    print(f"  memory after visiting all {len(PAGES)} pages: {memory:5.0f} MB RSS  "
          f"(floor after its one page: {floor_memory:.0f} MB; {memory / floor_memory:.2f}x)")
    floor = statistics.median(echo)
    print(f"  reply shown after Enter, median of the article's {len(DIALOGUE)} messages, offline model:")
    print(f"    floor, a chat page that echoes: {floor * 1000:6.0f} ms")
    for letter, seconds in replies.items():
        median = statistics.median(seconds)
        print(f"    {letter}: {median * 1000:6.0f} ms  ({median / floor:5.1f}x the floor; "
              f"each: {', '.join(f'{s * 1000:.0f}' for s in seconds)} ms)")
    cuts = statistics.quantiles(loaded, n=20) if len(loaded) > 1 else [float("nan")] * 19
    print(f"  {VISITORS} browser sessions at once, the article's dialogue on pages A to G in turn: "
          f"{VISITORS - unfinished} of {VISITORS} finished; reply p50 {statistics.median(loaded) * 1000:.0f} ms, "
          f"p95 {cuts[18] * 1000:.0f} ms ({statistics.median(loaded) / floor:.0f}x and {cuts[18] / floor:.0f}x the "
          f"floor's single reply)")


if __name__ == "__main__":
    main()
