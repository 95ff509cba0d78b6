"""A workshop on one server: thirty visitors doing a workshop's mix of things at once.

    python bench/load_workshop.py [--users 30] [--duration 40] [--baseline 12]

The mix (``--users`` N, default 30): one visitor runs a training race on the Sigmoid vs ReLU page (presses
"Start the race", waits for it to finish, 1 s, again), ``--openers`` (default 2) open the other pages one after
another (every ~5 s), ``--tuners`` (default 5) set a weight on the Hand-tune page every ~4 s (types a value into
"New weight" and presses "Set weight"), and the rest draw on the Draw page, a new drawing every ~1.5 s (each
visitor's pace jittered 0.8-1.2x, random first offsets). Before the mix, the baseline in the same run: each kind
of visitor alone on the server (``--baseline`` s each), the uncontended figure of every action.

How visitors are simulated: as bench/load_draw.py does (see its docstring), each is a real Streamlit session
speaking the browser's websocket protocol; its images are fetched over HTTP as a browser would. Widgets are
found by their keys in the elements the server sends (their IDs end in ``-<key>``): the keys are in ``KEYS``
below, read from pages/ at the time of writing. A missing key stops the run with an error naming it (the page
changed: update ``KEYS``), never a silently empty figure. Fragments with ``run_every`` are rerun on their timer
as the browser does (reported as "auto rerun").

Actions and what is timed (submit -> the server's answer, ms):
- draw: a stroke's end on the Draw page, its fragment rerun -> ``script_finished``; the mix runs once per way to
  draw (``--draw-modes``), in the same run: the instant surface (key ``draw_instant``: the drawing the browser
  computed, as ui/instant.js sends it; the default drawing) and the server canvas (key ``draw_canvas``, chosen
  with ``draw_source`` once, not timed: the canvas's PNG, pre-processed by the server);
- tune: "Set weight" (keys ``tune_value``, ``tune_set_w``; the tool ``tune_tool`` set to "Exact ..." once,
  not timed), the page's rerun -> ``script_finished``;
- open page: a page opened from the sidebar (another page's first run in that session) -> ``script_finished``;
- race start: "Start the race" (key ``race_start``; the "More" section ``cmp_more`` set to the race once, not
  timed; the rerun scoped to the button's fragment when it is in one, as a browser sends it) -> the first
  progress bar, or that run's end (a race in the background, followed by a ``run_every``
  fragment); "race total" is until the race's fragment stopped rerunning (informational); "auto rerun" the
  progress fragment's timed reruns while a race runs;
- first open: all N visitors open their page at the same moment at the start of the mix (a stampede).

Server memory: RSS of the server process, sampled every 0.5 s. "alone" is the peak while one visitor drew; the
race's cost is the peak during the lone race minus that; per visitor = (peak RSS during the mix - peak RSS
during the lone race) / (N - 1), both with one race running. Loopback only; every phase is bounded in time and
every rerun waits at most 120 s. ``--ref HEAD`` serves a copy of that commit instead of the working tree (others
may be half-way through editing it); the server never reloads edited modules.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # `src`, `ui` are the repo's
sys.path.insert(0, str(HERE))  # load_draw is a sibling

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

import load_draw  # noqa: E402
from load_draw import (FINISHED_OK, HOST, RERUN_TIMEOUT, box_cpu, canvas_values, instant_values,  # noqa: E402
                       proc_cpu, proc_rss_mb)
from common import Server, commit, registry_pages, tree  # noqa: E402

from src.infra import mnist  # noqa: E402

# Widget keys and option labels, from the page files (pages/1_draw.py, pages/2_hand_tune.py,
# pages/3_sigmoid_vs_relu.py and their ui modules) as of this writing. A missing one stops the run, by name.
KEYS = {
    "canvas": "draw_canvas",        # Draw: the server canvas (inside the page's fragment), chosen with "source"
    "instant": "draw_instant",      # Draw: the instant surface (the default drawing; its stroke ends come back)
    "source": "draw_source",        # Draw: the input chooser (a segmented control)
    "tune_tool": "tune_tool",       # Hand-tune: the tool choice (a segmented control), set to TUNE_TOOL
    "tune_value": "tune_value",     # Hand-tune: "New weight" text input
    "tune_set": "tune_set_w",       # Hand-tune: "Set weight" button
    "race_more": "cmp_more",        # Sigmoid vs ReLU: "More" sections (a segmented control), set to RACE_SECTION
    "race_start": "race_start",     # Sigmoid vs ReLU: "Start the race" button
}
TUNE_TOOL = "exact"                 # the tool that shows "New weight" (ui/hand_tune.py EXACT): the option containing it
RACE_SECTION = "race"               # the section with the race (ui/compare.py SECTIONS["race"]): ditto
PAGE_OF = {"draw": "draw", "tune": "hand_tune", "race": "sigmoid_vs_relu", "open": ""}
ID_KEY = re.compile(r"^\$\$ID-[0-9a-f]+-(.+)$")  # a widget with a user key: "$$ID-<hash>-<key>"


class MissingKey(RuntimeError):
    """A page no longer shows a widget this benchmark drives."""


class Run:
    """One rerun as its visitor saw it."""
    __slots__ = ("t0", "last", "first_progress", "status", "errors", "not_found")

    def __init__(self, t0):
        self.t0 = self.last = t0
        self.first_progress = None  # when the first st.progress element arrived
        self.status = None
        self.errors = 0             # exception elements: the app raised
        self.not_found = False


class Visitor:
    """One browser tab: a websocket session, widget values it has set, images fetched over HTTP."""

    def __init__(self, port: int, page: str):
        self.port, self.page, self.page_hash = port, page, ""
        self.ids: dict[str, tuple[str, str]] = {}    # user key -> (element id, fragment id) of its last render
        self.options: dict[str, list[str]] = {}      # user key -> a segmented control's option labels
        self.values: dict[str, tuple[str, object]] = {}  # element id -> (WidgetState field, value)
        self.cache: set[str] = set()
        self.run: Run | None = None
        self.done: asyncio.Future | None = None
        self.lock = asyncio.Lock()                   # one rerun in flight, as the browser's queue
        self.auto: dict[str, asyncio.Task] = {}      # fragment id -> its run_every timer
        self.auto_lat: list[float] = []
        self.auto_lost = 0                           # timer reruns the server never answered
        self.script_running = False                  # between a run's new_session and its script_finished
        self.instant_version = None                  # the network version the instant surface was sent
        self.ws = self.reader = None
        # media: reuse load_draw's visitor for its HTTP image loading (6 connections, keep-alive)
        self.media = load_draw.Visitor(port, page)

    def key_id(self, name: str) -> tuple[str, str]:
        key = KEYS[name]
        if key not in self.ids:
            why = (" (its last run raised: see the server output)" if self.run is not None and self.run.errors
                   else "; the page changed: update KEYS in bench/load_workshop.py")
            raise MissingKey(f"page {self.page!r} shows no widget with key {key!r} ({name}){why}")
        return self.ids[key]

    async def choose(self, name: str, word: str) -> Run:
        """Click the option containing `word` on the segmented control `name` (a rerun, as the browser sends)."""
        wid, frag = self.key_id(name)
        labels = [o for o in self.options.get(KEYS[name], []) if word.lower() in o.lower()]
        if len(labels) != 1:
            raise MissingKey(f"page {self.page!r}: {KEYS[name]!r} has {len(labels)} options containing {word!r} "
                             f"(it has {self.options.get(KEYS[name])}); update bench/load_workshop.py")
        self.values[wid] = ("string_array_value", labels)
        return await self.rerun(frag)

    async def connect(self):
        self.ws = await connect(f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                max_size=None, ping_interval=None, open_timeout=60)
        self.reader = asyncio.create_task(self._read())

    async def open(self, page: str | None = None) -> Run:
        """Open a page (the first run of it in this session, as a click in the sidebar does)."""
        if page is not None and page != self.page:
            self.page, self.page_hash = page, ""
            self.values.clear()
            for task in self.auto.values():
                task.cancel()
            self.auto.clear()
        return await self.rerun()

    async def rerun(self, fragment: str = "", triggers=(), auto=False, timeout=RERUN_TIMEOUT) -> Run:
        async with self.lock:
            msg = BackMsg()
            cs = msg.rerun_script
            cs.query_string = ""
            # by name, always: new_session's page_script_hash is app.py's here (pages/ multipage), so a rerun
            # asked for by that hash runs the home page
            cs.page_name = self.page
            for wid, (field, value) in self.values.items():
                w = cs.widget_states.widgets.add()
                w.id = wid
                if field.endswith("_array_value"):
                    getattr(w, field).data.extend(value)
                else:
                    setattr(w, field, value)
            for wid in triggers:  # one-shot, as a button press
                w = cs.widget_states.widgets.add()
                w.id = wid
                w.trigger_value = True
            if fragment:
                cs.fragment_id = fragment
            cs.is_auto_rerun = auto
            cs.cached_message_hashes.extend(self.cache)
            loop = asyncio.get_running_loop()
            self.done = loop.create_future()
            self.run = Run(loop.time())
            await self.ws.send(msg.SerializeToString())
            run = await asyncio.wait_for(self.done, timeout)
        if run.not_found:
            raise MissingKey(f"the server has no page {self.page!r}")
        return run

    async def close(self):
        for task in self.auto.values():
            task.cancel()
        await self.media.close()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()

    async def _ticker(self, fragment: str, interval: float):
        """A fragment with run_every: the browser reruns it on a timer."""
        while True:
            await asyncio.sleep(interval)
            if self.lock.locked():
                continue  # the browser, too, waits for the current run
            try:
                run = await self.rerun(fragment, auto=True, timeout=30)
            except asyncio.TimeoutError:
                # the server can fold a timer rerun into a rerun it started itself (st.rerun() when the race
                # ends), answering both with one script_finished: no answer is not a slow answer here
                self.auto_lost += 1
                continue
            self.auto_lat.append(run.last - run.t0)

    async def _read(self):
        loop = asyncio.get_running_loop()
        async for data in self.ws:
            now = loop.time()
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.cache.add(msg.hash)
            if kind == "new_session":
                self.script_running = True
                self.page_hash = msg.new_session.page_script_hash
                if not msg.metadata.run.fragment_ids:
                    # a full run starts: the browser drops its fragment timers; this run sets up its own again
                    for task in self.auto.values():
                        task.cancel()
                    self.auto.clear()
            elif kind == "auto_rerun":
                frag, every = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
                if frag not in self.auto and every > 0:
                    self.auto[frag] = asyncio.create_task(self._ticker(frag, every))
            elif kind == "stop_auto_rerun":
                for frag in msg.stop_auto_rerun.fragment_ids:
                    task = self.auto.pop(frag, None)
                    if task:
                        task.cancel()
            run = self.run
            if run is None:
                continue
            run.last = now
            if kind == "page_not_found":
                run.not_found = True
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                element = el.WhichOneof("type")
                sub = getattr(el, element) if element else None
                if sub is not None and "id" in sub.DESCRIPTOR.fields_by_name:
                    m = ID_KEY.match(sub.id)
                    if m:
                        self.ids[m.group(1)] = (sub.id, msg.delta.fragment_id)
                        if element == "button_group":
                            self.options[m.group(1)] = [o.content for o in sub.options]
                        elif element == "bidi_component" and m.group(1) == KEYS["instant"]:
                            self.instant_version = json.loads(sub.json)["network"]["version"]
                if element == "imgs":
                    self.media._fetch([img.url for img in el.imgs.imgs if "media/" in img.url])
                elif element == "exception":
                    run.errors += 1
                elif element == "progress" and run.first_progress is None:
                    run.first_progress = now
            if kind == "script_finished":
                self.script_running = False
                run.status = msg.script_finished
                if self.done is not None and not self.done.done():
                    self.done.set_result(run)


# ---------------------------------------------------------------- what each kind of visitor does

class Log:
    """Latencies (s) per action, and what went wrong."""

    def __init__(self):
        self.lat = defaultdict(list)
        self.errors = defaultdict(int)
        self.failures: list[str] = []

    def add(self, action: str, run: Run, seconds: float | None = None):
        self.lat[action].append(run.last - run.t0 if seconds is None else seconds)
        if run.status not in FINISHED_OK or run.errors:
            self.errors[action] += 1


async def drawer(v: Visitor, log: Log, values, t_end, rng, interval):
    """Draws on the Draw page: ``values["mode"]`` "instant" (the default drawing: a stroke's end sends the drawing
    the browser computed, as ui/instant.js does) or "canvas" (the server canvas, chosen first, as a click does)."""
    mode = values["mode"]
    key = "instant" if mode == "instant" else "canvas"
    if mode == "canvas" and KEYS["canvas"] not in v.ids:  # click "Server canvas" (opening the page, not timed);
        source_id, source_frag = v.key_id("source")     # the browser sends the label with its icon
        v.values[source_id] = ("string_array_value", [load_draw.SERVER_CANVAS])
        await v.rerun(source_frag)
    wid, frag = v.key_id(key)
    items = values[mode]
    k = rng.randrange(len(items))
    nxt = time.monotonic() + rng.uniform(0, interval)
    while nxt < t_end:
        await asyncio.sleep(max(0.0, nxt - time.monotonic()))
        wid, frag = v.ids[KEYS[key]]
        item = items[k % len(items)]
        if mode == "instant":
            item = json.dumps({"drawing": {**item, "version": v.instant_version}})
        v.values[wid] = ("json_value", item)
        log.add("draw", await v.rerun(frag))
        k += 1
        nxt = max(nxt + rng.uniform(0.8, 1.2) * interval, time.monotonic())


async def tuner(v: Visitor, log: Log, t_end, rng, interval):
    await v.choose("tune_tool", TUNE_TOOL)  # open the tool, once (part of opening the page, not timed)
    v.key_id("tune_value"), v.key_id("tune_set")
    nxt = time.monotonic() + rng.uniform(0, interval)
    while nxt < t_end:
        await asyncio.sleep(max(0.0, nxt - time.monotonic()))
        value_id, _ = v.key_id("tune_value")  # its ID may change with the weight shown: the latest render's
        set_id, _ = v.key_id("tune_set")
        v.values[value_id] = ("string_value", f"{rng.uniform(-3, 3):.3f}")
        log.add("tune", await v.rerun(triggers=[set_id]))
        v.values.pop(value_id, None)  # the box shows the new weight after the edit
        nxt = max(nxt + rng.uniform(0.8, 1.2) * interval, time.monotonic())


async def opener(v: Visitor, log: Log, t_end, rng, interval, pages):
    order = [p for p in pages if p != v.page]
    rng.shuffle(order)
    nxt = time.monotonic() + rng.uniform(0, interval)
    i = 0
    while nxt < t_end:
        await asyncio.sleep(max(0.0, nxt - time.monotonic()))
        page = order[i % len(order)] if order[i % len(order)] != v.page else order[(i + 1) % len(order)]
        run = await v.open(page)
        log.add("open page", run)
        log.add(f"  open {page or 'home'}", run)
        i += 1
        nxt = max(nxt + rng.uniform(0.8, 1.2) * interval, time.monotonic())


async def racer(v: Visitor, log: Log, t_end, rng, pause=1.0, cap=120.0):
    """Start a race, follow it to its end (its progress fragment reruns every second), again until t_end."""
    await v.choose("race_more", RACE_SECTION)  # open the race section, once (not timed)
    loop = asyncio.get_running_loop()
    while time.monotonic() < t_end:
        start_id, frag = v.key_id("race_start")
        run = await v.rerun(frag, triggers=[start_id])  # as the browser does: only the button's fragment, if any
        # a race drawn in the run itself shows a progress bar first; a race in the background is started
        # when the run ends, and its progress fragment then reruns on a timer until it is over
        log.add("race start", run, (run.first_progress or run.last) - run.t0)
        t_wait = time.monotonic()
        while not v.auto and time.monotonic() - t_wait < 3:
            await asyncio.sleep(0.05)
        while v.auto and time.monotonic() - t_wait < cap:
            await asyncio.sleep(0.05)
        if v.auto:
            raise RuntimeError(f"a race still running after {cap:g} s")
        while v.script_running and time.monotonic() - t_wait < cap:
            await asyncio.sleep(0.05)
        # The page redrawn after the race, as a person sees it before pressing Start again (not timed). The app
        # asks for that rerun itself (st.rerun()), but for this client the server reruns it as the home page
        # (see Visitor.rerun: it knows the page by name only), which would leave stale fragment IDs behind.
        await v.rerun()
        log.lat["race total"].append(loop.time() - run.t0)
        await asyncio.sleep(pause)


# ---------------------------------------------------------------- phases

class Sampler:
    """The server's RSS every 0.5 s while a phase runs."""

    def __init__(self, pid):
        self.pid, self.samples, self.task = pid, [], None

    async def _loop(self):
        while True:
            self.samples.append(proc_rss_mb(self.pid))
            await asyncio.sleep(0.5)

    def __enter__(self):
        self.task = asyncio.create_task(self._loop())
        return self

    def __exit__(self, *exc):
        self.task.cancel()
        self.samples.append(proc_rss_mb(self.pid))

    @property
    def peak(self):
        return max(self.samples)


async def phase(port, pid, plan, duration, values, seed, args):
    """plan: list of (kind, start page). All open together, then act until duration is over."""
    pages = [p.url_path for p in args.all_pages]
    visitors = [Visitor(port, page) for _, page in plan]
    log = Log()
    cpu0, main0 = proc_cpu(pid)
    box0, me0, wall0 = box_cpu(), sum(os.times()[:2]), time.monotonic()
    with Sampler(pid) as rss:
        await asyncio.gather(*(v.connect() for v in visitors))
        opened = await asyncio.gather(*(v.open() for v in visitors))
        for run in opened:
            log.add("first open", run)
        t_end = time.monotonic() + duration

        async def act(i, kind, v):
            rng = random.Random(seed * 1000 + i)
            try:
                if kind == "draw":
                    await drawer(v, log, values, t_end, rng, args.interval)
                elif kind == "tune":
                    await tuner(v, log, t_end, rng, args.tune_interval)
                elif kind == "open":
                    await opener(v, log, t_end, rng, args.open_interval, pages)
                elif kind == "race":
                    await racer(v, log, t_end, rng)
            except MissingKey:
                raise
            except Exception as exc:  # a timeout or a closed connection: this visitor stops, and it is reported
                log.failures.append(f"{kind}: {exc!r}"[:200])

        await asyncio.gather(*(act(i, kind, v) for i, ((kind, _), v) in enumerate(zip(plan, visitors))))
        for v in visitors:
            log.lat["auto rerun"].extend(v.auto_lat)
        auto_lost = sum(v.auto_lost for v in visitors)
        media = sum(len(v.media.fetched) for v in visitors)
        media_failed = Counter()
        for v in visitors:
            media_failed.update(v.media.media_errors)
        await asyncio.gather(*(v.close() for v in visitors))
    wall = time.monotonic() - wall0
    cpu1, main1 = proc_cpu(pid)
    box1, me1 = box_cpu(), sum(os.times()[:2])
    box = (box1[0] - box0[0]) / max(box1[1] - box0[1], 1)
    cores = os.cpu_count() or 1
    return {"log": log, "rss_peak": rss.peak, "rss_median": float(np.median(rss.samples)),
            "cpu": (cpu1 - cpu0) / wall, "main": (main1 - main0) / wall, "box": box,
            "other": box - ((cpu1 - cpu0) + (me1 - me0)) / wall / cores, "wall": wall,
            "media": media, "media_failed": media_failed, "auto_lost": auto_lost}


async def bench(port, pid, args, values):
    # warm-up: every page once, a drawing, a weight, a race: caches, imports, the training set in memory
    results = {"rss_start": proc_rss_mb(pid)}
    w = Visitor(port, "")
    await w.connect()
    for p in args.all_pages:
        await w.open(p.url_path)
    await w.close()
    warm = {kind: Visitor(port, PAGE_OF[kind]) for kind in ("draw", "tune", "race")}
    for v in warm.values():
        await v.connect()
        await v.open()
    for mode in args.draw_modes:
        await drawer(warm["draw"], Log(), {**values, "mode": mode}, time.monotonic() + 2, random.Random(0), 0.5)
    await tuner(warm["tune"], Log(), time.monotonic() + 1, random.Random(0), 0.5)
    results["rss_before_race"] = proc_rss_mb(pid)
    first_race = Log()
    with Sampler(pid) as rss:  # the server's first race: it loads the training set, then trains
        await racer(warm["race"], first_race, time.monotonic() + 1, random.Random(0))
    results["rss_first_race"] = rss.peak
    results["first_race"] = first_race
    for v in warm.values():
        await v.close()
    await asyncio.sleep(1)
    results["rss_warm"] = proc_rss_mb(pid)

    # the baseline: each kind alone
    alone = {}
    first = {**values, "mode": args.draw_modes[0]}
    for kind, page in (("draw", "draw"), ("tune", "hand_tune"), ("open", ""), ("race", "sigmoid_vs_relu")):
        # the lone opener goes through every page once
        seconds = max(args.baseline, len(args.all_pages) * 1.5) if kind == "open" else args.baseline
        print(f"baseline: one {kind} visitor, {seconds:g} s", file=sys.stderr)
        lone = argparse.Namespace(**{**vars(args), "open_interval": 1.2})
        alone[kind] = await phase(port, pid, [(kind, page)], seconds, first, args.seed, lone)
        await asyncio.sleep(1)
    results["alone"] = alone
    results["draw_alone"] = {args.draw_modes[0]: alone["draw"]}
    for mode in args.draw_modes[1:]:
        print(f"baseline: one draw visitor ({mode}), {args.baseline:g} s", file=sys.stderr)
        results["draw_alone"][mode] = await phase(port, pid, [("draw", "draw")], args.baseline,
                                                  {**values, "mode": mode}, args.seed, args)
        await asyncio.sleep(1)

    n = args.users
    n_race, n_open, n_tune = 1, args.openers, args.tuners
    n_draw = n - n_race - n_open - n_tune
    if n_draw < 1:
        raise SystemExit(f"--users {n} leaves no one drawing (1 racer, {n_open} openers, {n_tune} tuners)")
    plan = ([("race", "sigmoid_vs_relu")] + [("open", "")] * n_open + [("tune", "hand_tune")] * n_tune
            + [("draw", "draw")] * n_draw)
    results["mix_counts"] = {"draw": n_draw, "tune": n_tune, "open": n_open, "race": n_race}
    results["mixes"] = {}
    for mode in args.draw_modes:  # the same mix with its drawers on each way to draw, in the same run
        print(f"mix: {n} visitors, {args.duration:g} s, drawing: {mode}", file=sys.stderr)
        results["mixes"][mode] = await phase(port, pid, plan, args.duration, {**values, "mode": mode}, args.seed,
                                             args)
        await asyncio.sleep(1)
    return results


# ---------------------------------------------------------------- report

def pct(xs, q):
    return float(np.percentile(np.array(xs) * 1000, q)) if xs else float("nan")


def print_results(r, args, source, elapsed):
    for mode, mix in r["mixes"].items():
        print(f"\n=== Drawers on the Draw page's {'instant surface (the default)' if mode == 'instant' else 'server canvas'}"
              " ===")
        print_mix({**r, "mix": mix, "alone": {**r["alone"], "draw": r["draw_alone"][mode]}}, args, source)
    print(f"Total run time {elapsed:.0f} s.")


def print_mix(r, args, source):
    mix, alone = r["mix"], r["alone"]
    c = r["mix_counts"]
    print(f"\nWorkshop mix on one server ({os.cpu_count()} cores): {args.users} visitors = {c['draw']} drawing "
          f"(every ~{args.interval:g} s), {c['tune']} hand-tuning (a weight every ~{args.tune_interval:g} s), "
          f"{c['open']} opening pages (every ~{args.open_interval:g} s), {c['race']} racing; {args.duration:g} s. "
          f"Baseline: each kind alone, {args.baseline:g} s. Drawings: {source}.")
    print("Latency = submit -> the server's answer (ms); see the docstring for each action. Target: p95 < 1000 ms.\n")
    head = (f"{'action':<24} {'alone n':>7} {'p50':>6} {'p95':>6} | {'mix n':>6} {'p50':>6} {'p95':>6} {'max':>6} "
            f"{'errors':>6} {'x alone p95':>11} {'target':>6}")
    print(head)
    print("-" * len(head))
    base = defaultdict(list)
    for ph in alone.values():
        for action, xs in ph["log"].lat.items():
            if action != "first open":
                base[action] += xs
    for ph in alone.values():  # a lone visitor's first open counts as an ordinary page open
        base["first open"] += ph["log"].lat["first open"]
    order = ["draw", "tune", "open page"] + sorted(a for a in mix["log"].lat if a.startswith("  open")) + \
            ["race start", "race total", "auto rerun", "first open"]
    over = []
    for action in order:
        xs, bs = mix["log"].lat.get(action, []), base.get(action, [])
        if not xs and not bs:
            continue
        p95 = pct(xs, 95)
        ratio = p95 / pct(bs, 95) if bs and xs else float("nan")
        judged = action in ("draw", "tune", "open page", "race start")
        mark = ("ok" if p95 < 1000 else "OVER") if judged else ""
        if judged and not p95 < 1000:
            over.append(f"{action} p95 {p95:.0f} ms ({p95 / 1000:.1f}x the 1 s target)")
        print(f"{action:<24} {len(bs):>7} {pct(bs, 50):>6.0f} {pct(bs, 95):>6.0f} | {len(xs):>6} {pct(xs, 50):>6.0f} "
              f"{p95:>6.0f} {pct(xs, 100):>6.0f} {mix['log'].errors.get(action, 0):>6} {ratio:>11.1f} {mark:>6}")
    print("\n'race total' is the race's whole run (informational); 'first open': every visitor opens a page at the "
          "same moment\n(the mix's start; alone: one visitor's first page).")

    per_visitor = (mix["rss_peak"] - alone["race"]["rss_peak"]) / max(args.users - 1, 1)
    fr = r["first_race"].lat
    print(f"\nThe server's first race (warm-up): start {pct(fr['race start'], 50):.0f} ms, whole race "
          f"{pct(fr['race total'], 50) / 1000:.1f} s; RSS {r['rss_before_race']:.0f} MB before it, peak "
          f"{r['rss_first_race']:.0f} MB during it (a race adds {r['rss_first_race'] - r['rss_before_race']:+.0f} MB, "
          "the training set included).")
    print(f"Server memory (RSS, MB): at start {r['rss_start']:.0f}; after warm-up {r['rss_warm']:.0f}; "
          f"one visitor drawing {alone['draw']['rss_peak']:.0f}; one race alone (peak) {alone['race']['rss_peak']:.0f} "
          f"(race adds {alone['race']['rss_peak'] - alone['draw']['rss_peak']:+.0f}); the mix: median "
          f"{mix['rss_median']:.0f}, peak {mix['rss_peak']:.0f}.")
    print(f"Per visitor: (mix peak - lone race peak) / (N - 1) = ({mix['rss_peak']:.0f} - "
          f"{alone['race']['rss_peak']:.0f}) / {args.users - 1} = {per_visitor:.1f} MB.")
    print(f"Server CPU during the mix: {mix['cpu']:.0%} (100% = one core; event-loop thread {mix['main']:.0%}); "
          f"machine busy {mix['box']:.0%}.")
    if mix["other"] > 0.10:
        print(f"WARNING: other processes used ~{mix['other']:.0%} of the machine during the mix: figures inflated.")
    failed = mix["media_failed"]
    why = f": {', '.join(f'{n} x {k}' for k, n in failed.most_common(3))}" if failed else ""
    print(f"Images fetched during the mix: {mix['media']} ({sum(failed.values())} failed{why}); "
          f"timer reruns never answered: {mix['auto_lost']}.")
    for name, ph in [("mix", mix)] + [(f"alone {k}", v) for k, v in alone.items()]:
        if ph["log"].failures:
            print(f"{name}: visitors stopped by {ph['log'].failures[:3]}")
    print("\nOver target: " + ("; ".join(over) if over else "none"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=30, help="visitors in the mix (default 30)")
    p.add_argument("--tuners", type=int, default=5, help="of them hand-tuning (default 5)")
    p.add_argument("--openers", type=int, default=2, help="of them opening pages (default 2)")
    p.add_argument("--duration", type=float, default=40.0, help="seconds of the mix (default 40)")
    p.add_argument("--baseline", type=float, default=12.0, help="seconds of each lone-visitor phase (default 12)")
    p.add_argument("--interval", type=float, default=1.5, help="seconds between a drawer's drawings (1.5)")
    p.add_argument("--draw-modes", default="instant,canvas",
                   help="how drawers draw, one mix each: instant (the default drawing), canvas (the server canvas)")
    p.add_argument("--tune-interval", type=float, default=4.0, help="seconds between a tuner's edits (4)")
    p.add_argument("--open-interval", type=float, default=5.0, help="seconds between an opener's pages (5)")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR") or str(mnist.default_dir()))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ref", help="serve a copy of this commit (e.g. HEAD) instead of the working tree, which "
                                 "others may be half-way through editing")
    p.add_argument("--option", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="an extra `streamlit run` setting for a what-if run")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # killed: still stop the server (finally blocks)

    started = time.monotonic()
    args.draw_modes = [m.strip() for m in args.draw_modes.split(",") if m.strip() in ("instant", "canvas")]
    canvas, source = canvas_values(args.mnist_dir, 40)
    values = {"canvas": canvas, "instant": instant_values(args.mnist_dir, 40)}
    with tree(args.ref) as root:
        args.all_pages = registry_pages(root)
        with Server(args.port, args.mnist_dir, args.option, root) as server:
            results = asyncio.run(bench(server.port, server.pid, args, values))
    print_results(results, args, source, time.monotonic() - started)
    head = commit(args.ref)
    print(f"Served: {f'a copy of {args.ref} ({head})' if args.ref else f'the working tree (HEAD {head} + edits)'}.")


if __name__ == "__main__":
    main()
