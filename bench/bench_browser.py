"""How long a visitor waits for each page in a real browser: goto -> idle in headless Chromium.

    python bench/bench_browser.py [--pages draw home ...] [--runs 3] [--viewport 390x844] [--cold]

The script starts its own server (``python -m streamlit run app.py --server.headless true`` on 127.0.0.1 and a
free port, ``MNIST_DIR`` from ``--mnist-dir`` or the environment, else the app's own default folder), polls
``/_stcore/health``, and always stops it at the end. ``--ref HEAD`` serves a copy of that commit instead of the
working tree (consistent code while others are half-way through edits); the server never reloads edited
modules. Pages are ui/registry.PAGES (of the tree served), or those named with ``--pages`` by their URL name
(``home`` for the root page).

Idle: no ``[data-testid="stStatusWidget"]``, ``stSpinner`` or ``stSkeleton`` in the DOM,
``stMainBlockContainer`` present with at least one element in it (on a busy or fresh server the empty frame can
sit for seconds before the script's first message, with no status widget yet), and the number of DOM elements unchanged for 1 s. A page script in the tab
checks this every 50 ms; the time reported is from navigation start (``performance.now()`` of the new
document) to the moment the page LAST changed before that quiet second, i.e. the idle time minus the 1 s
settle window. "last ws" is when the last websocket message from the server arrived (the server's share of the
wait; the rest is the browser drawing), "DOM" the element count at idle.

Warm (default): every page is opened once first (caches, imports), then ``--runs`` rounds; in each round, for
each page, the home page and then that page are opened, each in a fresh browser context (no cache, no
cookies), so every page's ratio to home is measured against home runs taken right beside it. One line per
page: median, min, max and the ratio of medians to the home runs paired with it.

``--cold``: for each page, a fresh server; the first visitor's time (the server is healthy, nothing has run a
script yet), then a second visit of the same page on that server (warm; first / second is the cold cost, less
at the mercy of other load than either time), ``--runs`` times (default 1). Target (issue 11): nothing over
3 s after a fresh start.

The figures are wall-clock times on a shared machine: other work on it inflates them; ratios to home measured
in the same run are what to compare.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run from anywhere

from common import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, commit, free_port, registry_pages, tree  # noqa: E402

from src.infra import mnist  # noqa: E402

SETTLE_MS = 1000
POLL_MS = 50

# Records when the last websocket message arrived, before any page script runs.
WS_HOOK = """
(() => {
  window.__lastWs = null;
  const Orig = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Orig(...args);
    ws.addEventListener('message', () => { window.__lastWs = performance.now(); });
    return ws;
  };
  window.WebSocket.prototype = Orig.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""

# Resolves when the page is idle: {idle: ms from navigation start to the last change, ws, dom, exception}.
WAIT_IDLE = """
([settle, poll, timeout]) => new Promise(resolve => {
  const busy = () => document.querySelector(
      '[data-testid="stStatusWidget"], [data-testid="stSpinner"], [data-testid="stSkeleton"]') !== null
    // before the first delta the main block is an empty frame, and a slow server start can leave it so for
    // seconds with no status widget: wait for the script's first element too
    || document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]') === null;
  let count = -1, since = performance.now();
  const tick = () => {
    const now = performance.now();
    const n = document.getElementsByTagName('*').length;
    if (busy() || n !== count) { count = n; since = now; }
    else if (now - since >= settle) {
      resolve({idle: since, ws: window.__lastWs, dom: n,
               exception: document.querySelector('[data-testid="stException"]') !== null});
      return;
    }
    if (now > timeout) { resolve({idle: null, ws: window.__lastWs, dom: n, exception: false}); return; }
    setTimeout(tick, poll);
  };
  tick();
})
"""


# ---------------------------------------------------------------- one visit

def visit(browser, base: str, url_path: str, viewport, timeout_s: float) -> dict:
    """Open base/url_path in a fresh context; the idle figures in seconds (idle None on timeout)."""
    w, h = viewport
    phone = w < 600
    context = browser.new_context(viewport={"width": w, "height": h}, has_touch=phone, is_mobile=phone,
                                  device_scale_factor=1)
    try:
        page = context.new_page()
        page.add_init_script(WS_HOOK)
        page.goto(f"{base}/{url_path}", wait_until="commit", timeout=timeout_s * 1000)
        page.set_default_timeout(timeout_s * 1000 + 10_000)
        r = page.evaluate(WAIT_IDLE, [SETTLE_MS, POLL_MS, timeout_s * 1000])
    finally:
        context.close()
    return {"idle": None if r["idle"] is None else r["idle"] / 1000,
            "ws": None if r["ws"] is None else r["ws"] / 1000, "dom": r["dom"], "exception": r["exception"]}


def name(p) -> str:
    return p.url_path or "home"


# ---------------------------------------------------------------- runs

def warm(browser, pages, args):
    server = Server(args.port or free_port(), args.mnist_dir, args.option, args.root)
    try:
        server.wait_healthy()
        home = next(p for p in args.all_pages if p.url_path == "")
        for p in [home] + [p for p in pages if p is not home]:
            visit(browser, server.url, p.url_path, args.viewport, args.timeout)
        home_runs = {name(p): [] for p in pages}
        runs = {name(p): [] for p in pages}
        for r in range(args.runs):
            for p in pages:
                if p is not home:
                    home_runs[name(p)].append(visit(browser, server.url, "", args.viewport, args.timeout))
                runs[name(p)].append(visit(browser, server.url, p.url_path, args.viewport, args.timeout))
                print(f"  run {r + 1}: {name(p):<18} {fmt(runs[name(p)][-1]['idle'])} s", file=sys.stderr)
    except BaseException:
        print("server output:\n" + server.tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
    for p in pages:
        if p is home:  # home's own line: all its visits of the run (its ratio is 1 by definition)
            runs[name(p)] = home_runs[name(p)] = [v for vs in home_runs.values() for v in vs] + runs[name(p)]
    return runs, home_runs


def cold(browser, pages, args):
    """The first visit after a fresh start, then a second visit of the same page on that server (warm): the
    ratio of the two is the cold cost, and is less at the mercy of other load than either time alone."""
    runs = {name(p): [] for p in pages}
    seconds = {name(p): [] for p in pages}
    starts = []
    for r in range(args.runs):
        for p in pages:
            server = Server(args.port or free_port(), args.mnist_dir, args.option, args.root)
            try:
                starts.append(server.wait_healthy())
                runs[name(p)].append(visit(browser, server.url, p.url_path, args.viewport, args.timeout))
                seconds[name(p)].append(visit(browser, server.url, p.url_path, args.viewport, args.timeout))
                print(f"  cold run {r + 1}: {name(p):<18} {fmt(runs[name(p)][-1]['idle'])} s, then "
                      f"{fmt(seconds[name(p)][-1]['idle'])} s", file=sys.stderr)
            except BaseException:
                print("server output:\n" + server.tail(), file=sys.stderr)
                raise
            finally:
                server.stop()
    return runs, seconds, starts


# ---------------------------------------------------------------- report

def fmt(x, spec="6.2f") -> str:
    return "timeout".rjust(int(spec.split(".")[0])) if x is None else format(x, spec)


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summary(visits):
    idle = [v["idle"] for v in visits]
    ok = [x for x in idle if x is not None]
    return {"median": med(idle) if len(ok) == len(idle) else None, "min": min(ok) if ok else None,
            "max": max(ok) if len(ok) == len(idle) and ok else None, "ws": med([v["ws"] for v in visits]),
            "dom": med([v["dom"] for v in visits]), "errors": sum(v["exception"] for v in visits),
            # the server was still sending after the DOM had been quiet for the settle window: idle came early
            "early": sum(1 for v in visits if v["idle"] is not None and v["ws"] is not None
                         and v["ws"] > v["idle"] + SETTLE_MS / 1000),
            "timeouts": len(idle) - len(ok)}


def print_table(pages, runs, home_runs, args, cold_mode):
    vw, vh = args.viewport
    what = ("COLD: first visitor after a fresh server start" if cold_mode
            else f"warm caches, median of {args.runs}, home and the page interleaved")
    print(f"\nBrowser idle time, headless Chromium {vw}x{vh}{' (touch)' if vw < 600 else ''}; {what}.")
    print(f"Idle = no status widget/spinner/skeleton, main block present, DOM unchanged {SETTLE_MS / 1000:g} s; "
          f"times exclude that {SETTLE_MS / 1000:g} s settle window (s, from navigation start).")
    head = f"{'page':<18} {'median':>7} {'min':>7} {'max':>7}"
    head += f" {'target 3s':>9} {'2nd visit':>9} {'x 2nd':>6}" if cold_mode else f" {'home med':>8} {'x home':>6}"
    head += f" {'last ws':>7} {'DOM':>6} {'errors':>6}"
    print(head)
    print("-" * len(head))
    over = []
    for p in pages:
        s = summary(runs[name(p)])
        line = f"{name(p):<18} {fmt(s['median'], '7.2f')} {fmt(s['min'], '7.2f')} {fmt(s['max'], '7.2f')}"
        if cold_mode:
            ok = s["median"] is not None and s["median"] <= 3.0
            second = summary(home_runs[name(p)])["median"]
            ratio = s["median"] / second if s["median"] and second else None
            line += f" {'ok' if ok else 'OVER':>9} {fmt(second, '9.2f')} {fmt(ratio, '6.2f')}"
            if not ok:
                over.append(f"{name(p)} {fmt(s['median'], '.2f')} s (target 3 s; {fmt(ratio, '.1f')}x its 2nd visit)")
        else:
            h = summary(home_runs[name(p)])
            ratio = s["median"] / h["median"] if s["median"] and h["median"] else None
            line += f" {fmt(h['median'], '8.2f')} {fmt(ratio, '6.2f')}"
            if p.url_path and (ratio is None or ratio > 1.5):
                over.append(f"{name(p)} {fmt(ratio, '.2f')}x home (target 1.5x)")
        line += f" {fmt(s['ws'], '7.2f')} {s['dom'] or 0:>6.0f} {s['errors']:>6}"
        if s["timeouts"]:
            line += f"  ({s['timeouts']} timed out after {args.timeout:g} s)"
        if s["early"]:
            line += f"  (*{s['early']}: messages came after idle)"
        print(line)
    print("\nlast ws: median time of the last websocket message from the server; DOM: elements at idle; "
          "errors: visits that showed an exception element."
          + ("\n2nd visit: the same page again on the same server right after (warm); x 2nd: first / second."
             if cold_mode else ""))
    print("Over target: " + ("; ".join(over) if over else "none"))
    if any(summary(runs[name(p)])["early"] for p in pages):
        print("*: in that many visits the server was still sending more than the settle window after the page "
              "looked idle (the script paused for over 1 s with no status widget): the time is too short.")
    broken = [name(p) for p in pages if summary(runs[name(p)])["errors"]]
    if broken:
        print(f"WARNING: {', '.join(broken)} showed an exception element: those figures are of an error page.")


def parse_viewport(s: str):
    w, _, h = s.lower().partition("x")
    return int(w), int(h)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", nargs="+", metavar="URL_NAME",
                   help="pages by URL name, 'home' for the root (default: every page of ui/registry.PAGES)")
    p.add_argument("--runs", type=int, default=None, help="measured runs per page (default 3; 1 with --cold)")
    p.add_argument("--viewport", type=parse_viewport, default=(1400, 1000),
                   help="WIDTHxHEIGHT (default 1400x1000; 390x844 for a phone, with touch)")
    p.add_argument("--cold", action="store_true", help="a fresh server per page: the first visitor's time")
    p.add_argument("--timeout", type=float, default=120.0, help="give up on one visit after this many s")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR") or str(mnist.default_dir()))
    p.add_argument("--ref", help="serve a copy of this commit (e.g. HEAD) instead of the working tree, which "
                                 "others may be half-way through editing")
    p.add_argument("--option", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="an extra `streamlit run` setting for a what-if run")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # killed: still stop the server (finally blocks)
    if args.runs is None:
        args.runs = 1 if args.cold else 3

    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    load0 = os.getloadavg()[0]
    with tree(args.ref) as root:
        args.root = root
        args.all_pages = registry_pages(root)
        by_name = {name(pg): pg for pg in args.all_pages}
        if args.pages:
            unknown = [n for n in args.pages if n not in by_name]
            if unknown:
                p.error(f"unknown page(s) {unknown}; known: {sorted(by_name)}")
            pages = [by_name[n] for n in args.pages]
        else:
            pages = list(args.all_pages)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                if args.cold:
                    runs, home_runs, starts = cold(browser, pages, args)  # "home_runs": the second visits
                else:
                    runs, home_runs = warm(browser, pages, args)
            finally:
                browser.close()
    served = f"a copy of {args.ref} ({commit(args.ref)})" if args.ref else f"the working tree {ROOT}"
    print(f"\nServed: {served}.")
    print_table(pages, runs, home_runs, args, args.cold)
    if args.cold:
        print(f"Server start to healthy: median {statistics.median(starts):.1f} s (not included above).")
    print(f"Load average (1 min) {load0:.1f} at start, {os.getloadavg()[0]:.1f} at end on {os.cpu_count()} "
          f"cores; total run time {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
