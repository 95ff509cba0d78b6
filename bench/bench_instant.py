"""Instant mode on the draw page in headless Chromium: what a pointer move costs in the browser, and what travels
between browser and server while drawing.

    MNIST_DIR=/path/to/mnist python bench/bench_instant.py [--strokes 30]

The script starts its own server (bench/common.Server) and one headless Chromium, opens /draw at 1400x1000 and
draws ``--strokes`` strokes with the mouse (digits 7, 1 and 0 in turn, each ~40 pointer moves). Printed:

- per pointer move, the surface's own update (ui/instant.js ``update``: read the 280x280 surface, pre-process like
  MNIST, run the network, repaint the 28x28 input, the answer, the ten outputs and the network picture), timed in
  the page with ``performance.now()``: median (p50), p95 and max (goal: p95 under 4 ms);
- websocket frames and bytes the page sends during a stroke (goal: 0), and per stroke end (sent by the page, and
  received from the server, until the page is idle again);
- websocket bytes received on the first load of /draw, on coming back to it from Home in the same session (the
  weights are cached by the browser as an element message of 10 kB or more), and on coming to it after a hand
  edit (opened as a Hand-tune share link with one changed bias, then the sidebar's link to Draw: the weights travel
  again, once, as a new version), with the size of the network's JSON (ui/instant.network_data).
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run from anywhere

from common import CHROMIUM, CHROMIUM_ARGS, Server, commit  # noqa: E402

from src.infra import weights_file  # noqa: E402
from src.edits import EditLog, encode_link  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STROKES = {
    7: [(70, 60), (210, 60), (185, 120), (155, 180), (130, 240)],
    1: [(140, 45), (140, 100), (140, 160), (140, 235)],
    0: [(140 + 55 * math.sin(t / 20 * 2 * math.pi), 140 - 90 * math.cos(t / 20 * 2 * math.pi)) for t in range(21)],
}
QUIET_MS = 1500


class Wire:
    """Every websocket frame of a page: (time, direction, bytes)."""

    def __init__(self, page):
        self.frames = []
        page.on("websocket", self._attach)

    def _attach(self, ws):
        ws.on("framesent", lambda p: self.frames.append((time.monotonic(), "sent", len(p))))
        ws.on("framereceived", lambda p: self.frames.append((time.monotonic(), "received", len(p))))

    def mark(self) -> int:
        return len(self.frames)

    def since(self, mark: int, direction: str) -> tuple[int, int]:
        chosen = [n for _, d, n in self.frames[mark:] if d == direction]
        return len(chosen), sum(chosen)

    def wait_quiet(self, page, timeout=120.0):
        """Until the app is not running and no frame has come for QUIET_MS."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page.wait_for_timeout(200)
            running = page.evaluate("() => { const w = document.querySelector('[data-testid=stStatusWidget]');"
                                    " return !!w && w.innerText.includes('Running') }")
            last = self.frames[-1][0] if self.frames else 0
            if not running and (time.monotonic() - last) * 1000 > QUIET_MS:
                return
        raise RuntimeError("the page did not settle")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]


def draw(page, points, between=None):
    box = page.locator(".inst-surface").bounding_box()
    k = box["width"] / 280
    page.mouse.move(box["x"] + points[0][0] * k, box["y"] + points[0][1] * k)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * k, box["y"] + y * k, steps=10)
    if between:
        between()
    page.mouse.up()


def nav(page, wire, link):
    mark = wire.mark()
    page.get_by_role("link", name=link).first.click()
    wire.wait_quiet(page)
    return wire.since(mark, "received")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=30)
    parser.add_argument("--mnist-dir", default=None)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from ui.instant import network_data
    trained = weights_file.load(ROOT / "weights" / "sigmoid.npz")
    log = EditLog(trained.copy(), "sigmoid")
    log.set_bias(3, 1, 5.0)
    code = encode_link(log)
    net_json = len(json.dumps(network_data(trained)))

    with Server(mnist_dir=args.mnist_dir) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        wire = Wire(page)
        page.goto(f"{server.url}/draw")
        page.wait_for_selector(".inst-surface", timeout=120_000)
        wire.wait_quiet(page)
        first_load = wire.since(0, "received")
        page.locator(".inst").evaluate("el => { el.__instant.times = []; }")

        during, end_sent, end_received, answers = [], [], [], []
        digits = list(STROKES)
        for i in range(args.strokes):
            digit = digits[i % len(digits)]
            if page.locator(".inst-clear").is_enabled():  # one digit per stroke (a Clear goes to the server once)
                page.locator(".inst-clear").click()
                wire.wait_quiet(page)
            mark = wire.mark()

            def before_release():
                during.append(wire.since(mark, "sent"))
                answers.append(page.locator(".inst-digit").inner_text().strip() == str(digit))
            draw(page, STROKES[digit], before_release)
            up = wire.mark()
            wire.wait_quiet(page)
            end_sent.append(wire.since(up, "sent"))
            end_received.append(wire.since(up, "received"))
        times = page.locator(".inst").evaluate("el => el.__instant.times")
        parts = page.locator(".inst").evaluate("el => el.__instant.parts")

        nav(page, wire, "Home")  # away, then back: what coming back to Draw sends
        back_draw = nav(page, wire, "Draw & classify")
        page.goto(f"{server.url}/hand_tune?edits={code}")
        wire.wait_quiet(page)
        page.wait_for_timeout(500)
        edited = nav(page, wire, "Draw & classify")
        version = page.locator(".inst").evaluate("el => el.__instant.version")
        browser.close()

    print(f"Instant mode, headless Chromium 1400x1000, commit {commit()}, {args.strokes} strokes "
          f"({len(times)} surface updates)")
    print(f"  per pointer move (update: read, pre-process, forward pass, repaint): "
          f"p50 {statistics.median(times):.2f} ms, p95 {percentile(times, 95):.2f} ms, max {max(times):.2f} ms"
          f"  (goal: p95 < 4 ms)")
    for name, i in (("read + pre-process", 0), ("forward pass", 1), ("repaint", 2)):
        part = [p_[i] for p_ in parts]
        print(f"    of which {name}: p50 {statistics.median(part):.2f} ms, p95 {percentile(part, 95):.2f} ms")
    print(f"  answer right before the button was released: {sum(answers)}/{len(answers)}")
    frames = [f for f, _ in during]
    print(f"  websocket during a stroke: {sum(frames)} frames, {sum(b for _, b in during)} bytes sent "
          f"over {len(during)} strokes (goal: 0)")
    print(f"  per stroke end: sent median {statistics.median(f for f, _ in end_sent):.0f} frame(s), "
          f"{statistics.median(b for _, b in end_sent):,.0f} bytes; received median "
          f"{statistics.median(f for f, _ in end_received):.0f} frames, {statistics.median(b for _, b in end_received):,.0f} bytes")
    print(f"  received on first load of /draw: {first_load[1]:,} bytes in {first_load[0]} frames "
          f"(the network's JSON: {net_json:,} bytes)")
    print(f"  received coming back to /draw from Home: {back_draw[1]:,} bytes ({back_draw[0]} frames)")
    print(f"  received coming to /draw after a hand edit: {edited[1]:,} bytes ({edited[0]} frames); "
          f"surface's network version {version} (trained: {network_data(trained)['version']}, "
          f"edited: {network_data(log.net)['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
