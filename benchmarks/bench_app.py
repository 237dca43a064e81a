"""The app as a user meets it: time from `streamlit run` to the first page served, and memory after
visiting every page — each beside a floor, a one-line Streamlit app started and visited the same way.

Needs the test requirements (Playwright) and Debian's Chromium at /usr/bin/chromium.

    python benchmarks/bench_app.py
"""

from __future__ import annotations

import os
import platform
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


def measure(script: Path, pages: list[str], browser: object) -> tuple[float, float]:
    """(seconds from launch until the first page has rendered, MB of RSS after visiting `pages`)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "ANTHROPIC", "AWS"))}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=script.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.05)
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
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        floor_app = Path(scratch) / "floor_app.py"
        floor_app.write_text('import streamlit as st\n\nst.title("Hello")\n')
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        floor_start, floor_memory = measure(floor_app, [""], browser)
        start, memory = measure(ROOT / "streamlit_app.py", PAGES, browser)
        browser.close()
    print(f"The app (Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores):")
    print(f"  first page served: {start:5.2f} s  (floor, a one-line app: {floor_start:5.2f} s; {start / floor_start:.2f}x)")
    print(f"  memory after visiting all {len(PAGES)} pages: {memory:5.0f} MB RSS  "
          f"(floor after its one page: {floor_memory:.0f} MB; {memory / floor_memory:.2f}x)")


if __name__ == "__main__":
    main()
