"""How the draw page holds up with many people drawing at once: a workshop of N visitors on one server.

    python bench/load_draw.py [--users 1,10,30] [--duration 20] [--interval 1.5]

The script starts the app itself (``python -m streamlit run app.py`` on 127.0.0.1 and a free port, with
``MNIST_DIR``; ``--mnist-dir`` or the environment's ``MNIST_DIR``, else the app's own default folder), waits for
``/_stcore/health``, and always stops the server at the end.

How visitors are simulated: each one is a real Streamlit session that speaks the browser's own websocket
protocol (``/_stcore/stream``, protobuf ``BackMsg`` up, ``ForwardMsg`` down), so the server does exactly the
work a browser's session causes. The experimental agent API (``--server.enableAgentApi``) is not used: it
refuses to set a custom component's value (the canvas is a ``components.v2`` component, reported with
``support: browser_required`` and refused with ``unsupported_element``), and Playwright with Chromium would
put 30 browser tabs on the same 2 cores as the server. What a visitor does, as the browser would:

- opens the page: a ``rerun_script`` with the page's URL name (``draw``; empty for the home page);
- on the draw page, "draws" in one of its two ways. Instant mode (the default drawing since issue 18,
  ``draw``): the browser draws, pre-processes and answers by itself, and only the stroke's end reaches the
  server: every ~``--interval`` s the visitor sets the instant surface's state (key ``draw_instant``) to
  ``{"drawing": {"pixels": [784 numbers], "strokes": [...], "version": ...}}`` as ui/instant.js does, and asks
  for a rerun of its fragment. The server canvas (``draw-canvas``: the page's "Server canvas" input, chosen
  first through its segmented control, as a click does): (uniformly 0.8-1.2x, a random first offset, so
  visitors are not in step) it sets the canvas widget (key ``draw_canvas``; its element ID and fragment
  are read from the page's first run) to ``{"drawing": {"raw": {"objects": []}, "data": <PNG data URL>},
  "backgroundFit": None}`` and asks for a rerun of the canvas's fragment, as the canvas does after a stroke.
  The PNG is a 280x280 RGBA white-on-black drawing of an MNIST test digit (as ``tests/pages_helpers.py``
  ``canvas_png`` makes it), a different digit each time;
- waits for that rerun's ``script_finished`` (closed loop: a visitor never has two reruns in flight) and
  meanwhile GETs each ``/media/...`` image as soon as its element arrives, as a browser does (new URLs only,
  at most 6 connections);
- sends the hashes of the large messages it has received as ``cached_message_hashes``, as the browser's
  message cache does, so unchanged large elements come back as references.

The baseline is the same N visitors on the home page (app.py) pressing "Rerun" at the same pace: a full
run of app.py each time (the draw page's stroke reruns only its ``@st.fragment``).

Latency is submit -> ``script_finished`` received, per rerun, over the whole phase (page opening is
reported on its own). reruns/s counts reruns finished, over the phase's wall time. Server CPU is read from
/proc/<pid>/stat: 100% is one core (the machine's ``os.cpu_count()`` cores is the ceiling), split into the
main thread (asyncio event loop: websockets, message serialisation, media HTTP) and all other threads
(script runs). "box" is the whole machine's busy share from /proc/stat, "client" this load generator's
own CPU. "stall" is the longest silence within a rerun (the median over reruns): how long the server sent
that session nothing, because its script was busy or because the GIL was held elsewhere.

A what-if run passes extra server settings, e.g. ``--option runner.postScriptGC=false`` (Streamlit's full
``gc.collect()`` after every script run, on by default).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run from anywhere

from common import HOST, Server  # noqa: E402

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from src.infra import mnist  # noqa: E402
from src.preprocess import resize  # noqa: E402

CANVAS_KEY = "draw_canvas"
INSTANT_KEY = "draw_instant"
SOURCE_KEY = "draw_source"
SERVER_CANVAS = ":material/cloud_upload: Server canvas"  # the segmented control's label (ui/draw.SOURCES)
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
RERUN_TIMEOUT = 120.0
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- drawings

def canvas_png(digit28: np.ndarray, size=280, margin=40) -> str:
    """A canvas-like drawing (white on black RGBA) of a 28x28 digit, as the canvas's data URL.

    The same drawing as the page tests' ``canvas_png`` (tests/pages_helpers.py), copied: benchmarks do not
    import tests/."""
    inner = resize(np.asarray(digit28, np.float32) / (255 if digit28.dtype == np.uint8 else 1),
                   size - 2 * margin, size - 2 * margin)
    gray = np.zeros((size, size), np.float32)
    gray[margin:size - margin, margin:size - margin] = inner
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = (np.clip(gray, 0, 1) * 255).astype(np.uint8)[..., None]
    rgba[..., 3] = 255
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def canvas_values(mnist_dir: str, k: int) -> tuple[list[str], str]:
    """k canvas widget values (JSON text, as the browser sends them), of the first k MNIST test digits."""
    try:
        images, _ = mnist.load("test", mnist_dir, allow_download=False)
        digits, source = [images[i] for i in range(k)], f"MNIST test digits #0-{k - 1}"
    except Exception:  # no MNIST here: thick random strokes instead
        rng = np.random.default_rng(0)
        digits = []
        for _ in range(k):
            d = np.zeros((28, 28), np.float32)
            r0, c0 = rng.integers(4, 10, 2)
            d[r0:r0 + 16, c0:c0 + 3] = 1
            d[r0:r0 + 3, c0:c0 + 12] = 1
            digits.append(d)
        source = "synthetic strokes (MNIST not found)"
    values = [json.dumps({"drawing": {"raw": {"objects": []}, "data": canvas_png(d)}, "backgroundFit": None})
              for d in digits]
    return values, source


def instant_values(mnist_dir: str, k: int) -> list[dict]:
    """k drawings as the instant surface sends them at a stroke's end: the 784 pixels the browser computed
    (here: src.preprocess of the same canvas-like PNGs), and ~200 stroke points, as a digit drawn has."""
    from src.preprocess import to_mnist
    values, _ = canvas_values(mnist_dir, k)
    out = []
    for i, v in enumerate(values):
        url = json.loads(v)["drawing"]["data"]
        rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
        pixels = [round(float(x), 6) for x in to_mnist(rgba).reshape(-1)]
        t = np.linspace(0, 2 * np.pi, 100)
        points = np.stack([140 + 60 * np.sin(t + i), 140 - 90 * np.cos(t)], 1).round().reshape(-1).tolist()
        out.append({"mode": "free", "status": "ok", "pixels": pixels, "strokes": [{"w": 20, "p": points}],
                    "grid": None, "pen": 20})
    return out


# ---------------------------------------------------------------- the server's CPU and memory

def proc_cpu(pid: int) -> tuple[float, float]:
    """(whole process, main thread) CPU seconds, user + system."""
    def ticks(path):
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15 of stat
    return ticks(f"/proc/{pid}/stat"), ticks(f"/proc/{pid}/task/{pid}/stat")


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def box_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals) - idle, sum(vals)



# ---------------------------------------------------------------- one visitor

class RunRecord:
    """One rerun as its visitor saw it: submitted at t0, last message at `last`."""
    __slots__ = ("t0", "last", "stall", "status", "bytes", "errors")

    def __init__(self, t0):
        self.t0 = self.last = t0
        self.stall = 0.0        # the longest gap between two messages (the first from the submit), s
        self.status = None      # script_finished's status
        self.bytes = 0
        self.errors = 0         # st.exception elements: the app raised


class Visitor:
    """One browser session: a websocket to /_stcore/stream, and HTTP connections for media files."""

    def __init__(self, port: int, page: str, mode: str = "canvas"):
        self.port = port
        self.page = page                # URL name: "draw", or "" for the home page
        self.mode = mode                # on the draw page: "instant" or "canvas" (the server canvas)
        self.page_hash = ""
        self.canvas_id = None           # the drawing element: the server canvas, or the instant surface
        self.source_id = None           # the draw page's input chooser
        self.version = None             # the network version the instant surface was sent
        self.fragment = ""
        self.widgets: dict[str, tuple] = {}  # widget id -> (value field, value) this visitor has set
        self.cache: set[str] = set()       # hashes of the cacheable messages received
        self.fetched: set[str] = set()     # media URLs already loaded
        self.run: RunRecord | None = None
        self.done: asyncio.Future | None = None
        self.ws = None
        self.reader = None
        self.http_slots = asyncio.Semaphore(6)
        self.idle = []                     # open keep-alive HTTP connections
        self.media_tasks: set[asyncio.Task] = set()
        self.media_errors: dict[str, int] = defaultdict(int)

    async def open(self) -> RunRecord:
        self.ws = await connect(f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                max_size=None, ping_interval=None, open_timeout=60)
        self.reader = asyncio.create_task(self._read())
        run = await self.rerun()
        if self.page == "draw" and self.mode == "canvas" and self.canvas_id is None and self.source_id:
            self.widgets[self.source_id] = ("string_array_value", [SERVER_CANVAS])  # click "Server canvas"
            run = await self.rerun()
        return run

    async def close(self):
        if self.media_tasks:
            await asyncio.wait(list(self.media_tasks), timeout=30)
        for _, writer in self.idle:
            writer.close()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()

    async def rerun(self, fragment: str = "") -> RunRecord:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        # by name, always: new_session's page_script_hash is app.py's here (pages/ multipage), so a rerun
        # asked for by that hash runs the home page
        cs.page_name = self.page
        for wid, (field, value) in self.widgets.items():
            w = cs.widget_states.widgets.add()
            w.id = wid
            if field == "string_array_value":
                w.string_array_value.data.extend(value)
            else:
                setattr(w, field, value)
        if fragment:
            cs.fragment_id = fragment
        cs.cached_message_hashes.extend(self.cache)
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        self.run = RunRecord(loop.time())
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self.done, RERUN_TIMEOUT)

    async def stroke(self, value) -> RunRecord:
        """A stroke ends: the canvas sends its new drawing (JSON text), or the instant surface its state (a dict,
        with the network version it was sent); rerun the drawing's fragment with it."""
        if self.mode == "instant":
            value = json.dumps({"drawing": {**value, "version": self.version}})
        self.widgets[self.canvas_id] = ("json_value", value)
        return await self.rerun(self.fragment)

    async def _read(self):
        loop = asyncio.get_running_loop()
        async for data in self.ws:
            now = loop.time()
            msg = ForwardMsg()
            msg.ParseFromString(data)
            run = self.run
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.cache.add(msg.hash)
            if kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash
            if run is None:
                continue
            run.bytes += len(data)
            run.stall = max(run.stall, now - run.last)
            run.last = now
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                element = el.WhichOneof("type")
                key = INSTANT_KEY if self.mode == "instant" else CANVAS_KEY
                if element == "bidi_component" and el.bidi_component.id.endswith("-" + key):
                    self.canvas_id, self.fragment = el.bidi_component.id, msg.delta.fragment_id
                    if self.mode == "instant":
                        self.version = json.loads(el.bidi_component.json)["network"]["version"]
                elif element == "button_group" and el.button_group.id.endswith("-" + SOURCE_KEY):
                    self.source_id = el.button_group.id
                elif element == "imgs":
                    self._fetch([img.url for img in el.imgs.imgs if "media/" in img.url])
                elif element == "exception":
                    run.errors += 1
            if kind == "script_finished":
                run.status = msg.script_finished
                if self.done is not None and not self.done.done():
                    self.done.set_result(run)

    # media files: the browser loads <img src="/media/..."> as soon as the element arrives
    def _fetch(self, urls):
        for url in urls:
            if url in self.fetched:
                continue  # the browser has it already
            self.fetched.add(url)
            task = asyncio.create_task(self._get(url))
            self.media_tasks.add(task)
            task.add_done_callback(self.media_tasks.discard)

    async def _get(self, url):
        path = "/" + url[url.index("media/"):]  # "/media/<hash>.png": the app is served at "/"
        async with self.http_slots:             # at most 6 connections per host, as browsers do
            for attempt in range(2):
                reused = bool(self.idle)
                conn = self.idle.pop() if reused else await asyncio.open_connection(HOST, self.port)
                try:
                    keep = await _http_get(conn, path, f"{HOST}:{self.port}")
                except Exception as exc:
                    conn[1].close()
                    if reused and not isinstance(exc, HttpError):
                        continue  # the server closed an idle keep-alive connection: retry, as browsers do
                    self.media_errors[str(exc)[:40] or type(exc).__name__] += 1
                    return
                if keep:
                    self.idle.append(conn)
                else:
                    conn[1].close()
                return


class HttpError(RuntimeError):
    """The server answered, with a status other than 200."""


async def _http_get(conn, path, host) -> bool:
    """GET path over a keep-alive HTTP/1.1 connection; raise unless 200; return whether it stays open."""
    reader, writer = conn
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: image/*\r\n\r\n".encode())
    await writer.drain()
    status = (await reader.readline()).decode("latin-1").strip()
    if not status:
        raise ConnectionError("connection closed")
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        keep = False
    if status.split()[1:2] != ["200"]:
        raise HttpError(status)
    return keep


# ---------------------------------------------------------------- one phase

async def run_phase(port, pid, page, users, duration, interval, values, seed, mode="canvas"):
    """N visitors open `page` together, then each reruns it (a stroke on the draw page) every ~interval s."""
    loop = asyncio.get_running_loop()
    visitors = [Visitor(port, page, mode) for _ in range(users)]
    t_open = loop.time()
    opened = await asyncio.gather(*(v.open() for v in visitors))
    open_lat = [r.last - r.t0 for r in opened]
    open_wall = loop.time() - t_open
    if page == "draw":
        missing = [v for v in visitors if v.canvas_id is None]
        if missing:
            raise RuntimeError(f"the draw page showed no drawing element ({mode})")
    records = []        # (submit time, RunRecord)
    failures = []

    async def drive(i, v):
        rng = random.Random(seed * 1000 + i)
        nxt = t_start + rng.uniform(0, interval)
        k = 0
        while nxt < t_end:
            await asyncio.sleep(max(0.0, nxt - loop.time()))
            try:
                if page == "draw":
                    run = await v.stroke(values[(i * 7 + k) % len(values)])
                else:
                    run = await v.rerun()
            except Exception as exc:  # a timeout or a closed connection: this visitor stops
                failures.append(repr(exc))
                return
            records.append(run)
            k += 1
            nxt = max(nxt + rng.uniform(0.8, 1.2) * interval, loop.time())

    cpu0, main0 = proc_cpu(pid)
    box0 = box_cpu()
    me0 = sum(os.times()[:2])
    t_start = loop.time()
    t_end = t_start + duration
    await asyncio.gather(*(drive(i, v) for i, v in enumerate(visitors)))
    media_tasks = [t for v in visitors for t in v.media_tasks]
    if media_tasks:
        await asyncio.wait(media_tasks, timeout=30)
    wall = loop.time() - t_start
    cpu1, main1 = proc_cpu(pid)
    box1 = box_cpu()
    me1 = sum(os.times()[:2])
    rss = proc_rss_mb(pid)
    for v in visitors:
        await v.close()

    lat = np.array([r.last - r.t0 for r in records]) * 1000
    bad = sum(1 for r in records if r.status not in FINISHED_OK or r.errors)
    return {
        "page": ("home" if not page else "draw" if mode == "instant" else "draw-canvas"), "users": users, "offered": users / interval, "reruns": len(records),
        "rate": len(records) / wall, "wall": wall,
        "median": float(np.median(lat)) if len(lat) else float("nan"),
        "p90": float(np.percentile(lat, 90)) if len(lat) else float("nan"),
        "max": float(lat.max()) if len(lat) else float("nan"),
        "cpu": (cpu1 - cpu0) / wall, "cpu_main": (main1 - main0) / wall,
        "cpu_per_rerun": (cpu1 - cpu0) / max(len(records), 1) * 1000,
        "box": (box1[0] - box0[0]) / max(box1[1] - box0[1], 1), "client": (me1 - me0) / wall,
        # the machine's busy share not explained by the server or this client: someone else's load
        "other": (box1[0] - box0[0]) / max(box1[1] - box0[1], 1)
                 - ((cpu1 - cpu0) + (me1 - me0)) / wall / (os.cpu_count() or 1),
        "rss": rss, "bad": bad + len(failures), "failures": failures[:3],
        "open_median": float(np.median(open_lat)) * 1000, "open_max": max(open_lat) * 1000,
        "open_wall": open_wall * 1000,
        "kb": float(np.median([r.bytes for r in records])) / 1024 if records else float("nan"),
        "media": sum(len(v.fetched) for v in visitors),
        "media_errors": sum((Counter(v.media_errors) for v in visitors), Counter()),
        # the longest silence within each rerun: the server sent this session nothing for that long
        "stall": float(np.median([r.stall for r in records])) * 1000 if records else float("nan"),
    }


# ---------------------------------------------------------------- main

def print_results(results, cores, values_source, args, elapsed):
    print(f"\nDraw page under load: {args.users} visitors, ~{args.duration:g} s per phase, one stroke (or, "
          f"for the baseline, one home-page rerun) per visitor every ~{args.interval:g} s; {cores} cores; "
          f"drawings: {values_source}.")
    print("Latency = submit -> script_finished (ms). CPU: 100% = one core. box = whole machine busy; "
          "client = this load generator.\n")
    head = (f"{'page':<11} {'users':>5} {'offered/s':>9} {'reruns/s':>8} {'median':>7} {'p90':>7} {'max':>7} "
            f"{'stall':>6} {'srv CPU':>7} {'main thr':>8} {'CPU/rerun':>9} {'KB/rerun':>8} {'box':>5} {'client':>6} "
            f"{'RSS MB':>6} {'open med':>8} {'open max':>8} {'errors':>6}")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r['page']:<11} {r['users']:>5} {r['offered']:>9.1f} {r['rate']:>8.1f} {r['median']:>7.0f} "
              f"{r['p90']:>7.0f} {r['max']:>7.0f} {r['stall']:>6.0f} {r['cpu']:>7.0%} {r['cpu_main']:>8.0%} "
              f"{r['cpu_per_rerun']:>7.0f}ms {r['kb']:>8.1f} {r['box']:>5.0%} {r['client']:>6.0%} "
              f"{r['rss']:>6.0f} {r['open_median']:>8.0f} {r['open_max']:>8.0f} {r['bad']:>6}")
    print("\nstall: median over reruns of the longest gap between two consecutive messages of one rerun (the "
          "first gap from the submit; ms):\ntime the server sent that session nothing, its script busy or "
          "waiting, or the GIL held elsewhere. CPU/rerun: "
          "server CPU ms per rerun served.\nmain thr: the server's event-loop thread. open med/max: the first run "
          "of the page when all N visitors open it at once (ms).")

    print("\nDraw page (instant: 'draw'; server canvas: 'draw-canvas') against the home-page baseline, same N:")
    print(f"{'page':<11} {'users':>5} {'median x':>8} {'p90 x':>7} {'reruns/s x':>10} {'CPU/rerun x':>11}")
    by = {(r["page"], r["users"]): r for r in results}
    for n in args.users:
        for name in ("draw", "draw-canvas"):
            d, h = by.get((name, n)), by.get(("home", n))
            if d and h:
                print(f"{name:<11} {n:>5} {d['median'] / h['median']:>8.1f} {d['p90'] / h['p90']:>7.1f} "
                      f"{d['rate'] / h['rate']:>10.2f} {d['cpu_per_rerun'] / h['cpu_per_rerun']:>11.1f}")

    busy = [f"{r['page']} N={r['users']}: {r['other']:.0%}" for r in results if r["other"] > 0.10]
    if busy:
        print("\nWARNING: other processes kept the machine busy during " + ", ".join(busy)
              + " (share of all cores); those rows are not clean.")
    for r in results:
        if r["failures"]:
            print(f"\n{r['page']} N={r['users']}: visitors stopped by {r['failures']}")

    print("\nmedia files (GET /media/..., as <img> elements load them), requested / failed:")
    for r in results:
        if r["media"]:
            failed = sum(r["media_errors"].values())
            why = f" ({', '.join(f'{n} x {k}' for k, n in r['media_errors'].most_common())})" if failed else ""
            print(f"  {r['page']} N={r['users']}: {r['media']} / {failed}{why}")
    print(f"\nTotal run time {elapsed:.0f} s.")


async def warm_up(port, values):
    """One visitor opens each page and draws a few times each way: caches, imports and first-run costs."""
    home = Visitor(port, "")
    await home.open()
    await home.rerun()
    await home.close()
    for mode in ("canvas", "instant"):
        draw = Visitor(port, "draw", mode)
        await draw.open()
        for i in range(5):
            await draw.stroke(values[mode][-1 - i])
        await draw.close()


async def bench(port, pid, args, values):
    await warm_up(port, values)
    results = []
    for n in args.users:
        for page, mode in (("", "canvas"), ("draw", "instant"), ("draw", "canvas")):
            if mode not in args.modes and page:
                continue
            results.append(await run_phase(port, pid, page, n, args.duration, args.interval, values[mode],
                                           args.seed, mode))
            await asyncio.sleep(1)  # let the server drop the closed sessions
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", default="1,10,30", help="comma-separated visitor counts (default 1,10,30)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of drawing per phase (default 20)")
    p.add_argument("--interval", type=float, default=1.5, help="seconds between a visitor's strokes (1.5)")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR") or str(mnist.default_dir()))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--modes", default="instant,canvas",
                   help="the draw page's ways to draw to load: instant (default drawing), canvas (server canvas)")
    p.add_argument("--option", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="an extra `streamlit run` setting for a what-if run, e.g. runner.postScriptGC=false")
    args = p.parse_args(argv)
    args.users = [int(u) for u in str(args.users).split(",") if u.strip()]

    started = time.monotonic()
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    canvas, source = canvas_values(args.mnist_dir, 40)
    values = {"canvas": canvas, "instant": instant_values(args.mnist_dir, 40)}
    with Server(args.port, args.mnist_dir, args.option) as server:
        results = asyncio.run(bench(server.port, server.pid, args, values))
    print_results(results, os.cpu_count(), source, args, time.monotonic() - started)


if __name__ == "__main__":
    main()
