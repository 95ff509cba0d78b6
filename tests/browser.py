"""Helpers for real-browser tests: start the app on a free port and open Debian's Chromium via Playwright."""
from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# The two screens every page must work on: a laptop or projector, and a phone held upright (touch).
DESKTOP = {"viewport": {"width": 1400, "height": 1000}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
# Generous waits: on a shared 2-core machine under load a page has taken 20-35 s to settle (no timing is asserted).
LOAD_MS = 120_000
# Digits as strokes, lists of (x, y) points on a 280x280 drawing surface (scaled to the surface's size on screen).
DIGITS = {
    7: [[(70, 60), (210, 60), (185, 120), (155, 180), (130, 240)]],
    1: [[(140, 45), (140, 100), (140, 160), (140, 235)]],
    0: [[(140 + 55 * math.sin(t / 20 * 2 * math.pi), 140 - 90 * math.cos(t / 20 * 2 * math.pi)) for t in range(21)]],
}


def missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port, env=None, options=(), stdout=subprocess.PIPE) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port; ``options`` are extra "section.name=value" settings."""
    extra = [arg for option in options for arg in (f"--{option.partition('=')[0]}", option.partition("=")[2])]
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", *extra],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=stdout, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen, url: str, timeout=60):
    """Poll /_stcore/health until the server answers; RuntimeError if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout and proc.poll() is not None else ""
            raise RuntimeError(f"streamlit did not start: {out[-2000:]}")
        time.sleep(0.3)


def stop_app(proc: subprocess.Popen):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def app_server(extra_env=None, timeout=60):
    """`streamlit run app.py` on 127.0.0.1 and a free port; yields the base URL."""
    port = free_port()
    proc = start_app(port, extra_env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, timeout)
        yield url
    finally:
        stop_app(proc)


def served_app():
    """(base URL, Chromium): the app on a free port and one browser, for a module's tests. A test module makes it
    its fixture with ``app = pytest.fixture(scope="module", name="app")(br.served_app)``."""
    with app_server() as url, browser() as b:
        yield url, b


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(b, url: str, path: str = "", screen=DESKTOP, selector=None, timeout=60_000):
    """A new page in its own context (a fresh session: its own cookies) on ``screen``, at ``url/path``, once the
    app has run (and ``selector``, if given, is on it). Close it with ``page.context.close()``."""
    page = b.new_context(**screen).new_page()
    page.goto(f"{url}/{path.lstrip('/')}")
    wait_for_app(page, timeout, selector)
    return page


def wait_for_app(page, timeout=60_000, selector=None):
    """Wait until Streamlit has finished running the script (and ``selector``, if given, is on the page)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    if selector:
        page.wait_for_selector(selector, timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout)
    page.wait_for_timeout(500)
