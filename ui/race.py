"""The Sigmoid vs ReLU page's race: its settings, Start and Stop, its live progress, and what the run showed.

The training itself is src.race (a ``RaceRun`` trains in a background thread). This module keeps the
server's side of it bounded: at most ``RACES_AT_ONCE`` races train at once on the whole server, and a race
whose page has gone away (tab closed, connection lost) is told to stop at once, by a session-scoped resource
whose ``on_release`` Streamlit calls when the session disconnects.

The section is a fragment: Start, Stop and the progress rerun only the race, not the page above it.
"""
from __future__ import annotations

import math
import threading

import streamlit as st
from streamlit.logger import get_logger

from src.infra import mnist
from src import race as racing

from . import compare_stats, data, state

# --- this section's session keys, with their defaults ------------------------------------------------------
IMAGES = "race_images"
EPOCHS = "race_epochs"
OPTIMIZER = "race_optimizer"
RUN = "race_run"            # this session's RaceRun: the race running now, or the last one (None: none yet)
NOTE = "race_note"          # why the last Start did not start a race, or None
START, STOP = "race_start", "race_stop"  # buttons (no state of their own to default)
DEFAULTS = {IMAGES: 5000, EPOCHS: 2, OPTIMIZER: "sgd", RUN: None, NOTE: None}

IMAGE_CHOICES = [1000, 2000, 5000, 10000, 20000, 60000]
OPTIMIZERS = {"sgd": "plain SGD (lr 0.5)", "adam": "Adam (lr 0.003)"}
TEST_IMAGES = 2000          # the race scores on the first 2,000 test images
RACES_AT_ONCE = 2           # at most this many races train at once on the whole server
FRAGMENT = "race_fragment"  # the section's fragment key
LIVE_EVERY = 1.0            # seconds between two redraws of a running race's progress

log = get_logger(__name__)   # Streamlit's logger: its lines reach the server's output at the default level


def init():
    state.init_defaults(DEFAULTS)


# --- the server's races: bounded, and stopped when their page goes away ------------------------------------------
class Board:
    """Every race on this server: ``RACES_AT_ONCE`` slots, and the runs holding them (for the count shown)."""

    def __init__(self, slots: int):
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._runs: set = set()

    def try_start(self, run: racing.RaceRun, *args) -> bool:
        """Start ``run`` (``RaceRun.start(*args)``) if a slot is free; the slot is freed when it ends."""
        if not self._slots.acquire(blocking=False):
            return False
        with self._lock:
            self._runs.add(run)

        def ended():
            with self._lock:
                self._runs.discard(run)
            self._slots.release()
            log.info("race ended: %s, %d still running", ending(run), self.running())

        run.start(*args, on_end=ended)
        return True

    def running(self) -> int:
        with self._lock:
            return len(self._runs)


@st.cache_resource(show_spinner=False)
def board() -> Board:
    return Board(RACES_AT_ONCE)


def ending(run: racing.RaceRun) -> str:
    """How a race ended, for the server's log: 'page closed at 12% (1,130 of 9,375 steps, 1.4 s)'."""
    r = run.result
    if r is None:
        return "failed" if run.failed else "not started"
    why = run.stop_reason if r.stopped == racing.STOPPED else (r.stopped or "finished")
    return f"{why} at {r.fraction_done:.0%} ({r.steps[-1]:,} of {r.total_steps:,} steps, {r.seconds:.1f} s)"


def _stop_when_released(runs: list):
    """The session ended (its tab closed, its connection lost): stop its races."""
    for run in runs:
        if run.running:
            log.info("a racer's page closed: stopping its race")
        run.stop(racing.PAGE_CLOSED)  # sets a flag, never waits: it runs on the server's event loop


@st.cache_resource(scope="session", on_release=_stop_when_released, show_spinner=False)
def session_runs() -> list:
    """The races this session started. Streamlit releases it when the session disconnects (its tab closed):
    ``_stop_when_released`` then stops them, so no race trains for a page nobody is looking at."""
    return []


# --- Start and Stop --------------------------------------------------------------------------------------------
def missing_data() -> str | None:
    """Why a race cannot run on this server (which MNIST files are missing and how to get them), or None."""
    problems = []
    if data.test_set() is None:
        problems.append(data.mnist_problem("test") or "The MNIST test images could not be read.")
    try:
        data.train_set()
    except (mnist.MnistError, OSError, ValueError):
        problems.append(data.mnist_problem("train") or "The MNIST training images could not be read.")
    if not problems:
        return None
    return "The race trains on the 60,000 MNIST training images and scores on the test images. " + " ".join(problems)


def start():
    """Start button: a race with the chosen settings, unless one is running or the server is busy."""
    st.session_state[NOTE] = None
    current = st.session_state.get(RUN)
    if current is not None and current.running:
        return
    missing = missing_data()
    if missing:
        st.session_state[NOTE] = missing
        return
    images, labels = data.train_set()
    tests = data.test_set()
    run = racing.RaceRun(st.session_state[IMAGES], st.session_state[EPOCHS], st.session_state[OPTIMIZER],
                         TEST_IMAGES)
    if not board().try_start(run, images, labels, tests.x[:TEST_IMAGES], tests.labels[:TEST_IMAGES]):
        st.session_state[NOTE] = ("Other visitors' races are using the server right now; try again in a "
                                  "few seconds.")
        return
    runs = session_runs()
    runs[:] = [r for r in runs if r.running] + [run]
    st.session_state[RUN] = run


def stop():
    """Stop button: the trainer is told to stop (src.race checks the signal after every step)."""
    run = st.session_state.get(RUN)
    if run is not None:
        run.stop(racing.PRESSED_STOP, wait=5.0)


# --- what the run showed ----------------------------------------------------------------------------------------
def chance_points(accuracy: float, n: int) -> float:
    """Two standard errors (in points) of the difference of two accuracies near ``accuracy`` measured on ``n``
    test images: a gap smaller than this can come from which images happen to be in the test set."""
    p = min(max(accuracy, 0.0), 1.0)
    return 200 * math.sqrt(2 * p * (1 - p) / max(n, 1))


def _lead(a_s: float, a_r: float, margin: float) -> str | None:
    """'relu', 'sigmoid', or None when the gap is within ``margin`` points."""
    gap = (a_r - a_s) * 100
    return None if abs(gap) < margin else ("relu" if gap > 0 else "sigmoid")


def story(result: racing.RaceResult, n_test: int) -> str:
    """What this run shows, from its own numbers: who was ahead early, who at the end, and whether the final gap
    is more than chance on ``n_test`` test images."""
    acc = result.accuracy
    a_s, a_r = acc["sigmoid"][-1], acc["relu"][-1]
    margin = chance_points((a_s + a_r) / 2, n_test)
    names = data.MODEL_LABELS
    end = _lead(a_s, a_r, margin)
    if end is None:
        words = (f"They end level: {abs(a_r - a_s) * 100:.1f} points apart, less than the ±{margin:.1f} points "
                 f"that chance alone gives on {n_test:,} test images.")
    else:
        words = (f"**{names[end]} ends ahead** by {abs(a_r - a_s) * 100:.1f} points, more than the ±{margin:.1f} "
                 f"points that chance alone gives on {n_test:,} test images.")
    early = max(1, round((len(result.steps) - 1) / 5))  # the checkpoint a fifth of the way in
    if len(result.steps) > 2 and early < len(result.steps) - 1:
        e_s, e_r = acc["sigmoid"][early], acc["relu"][early]
        first = _lead(e_s, e_r, chance_points((e_s + e_r) / 2, n_test))
        seen = f"after {result.images_seen[early]:,} images"
        if first is None:
            words += f" Early on ({seen}) they were level."
        else:
            words += (f" Early on ({seen}) **{names[first]} learned faster**: {max(e_s, e_r):.1%} against "
                      f"{min(e_s, e_r):.1%}" + (", and was caught." if first != end else "."))
    return words


# From bench/race_outcomes.py (two seeds per setting, measured on this trainer; the table is in docs/race.md).
TENDENCY = ("**Which tends to win**, measured over races like this one (two seeds per setting): with plain SGD, "
            "ReLU learns faster at first and leads the short races (up to 5,000 images), but over 60,000 images the "
            "sigmoid network catches up and ends 2 to 3 points ahead. With Adam, ReLU leads at every length, by "
            "less as the race grows (under a point after 60,000 images x 5 epochs). ReLU's real advantage shows in "
            "deeper networks than this one, where a sigmoid's slope (at most 0.25) multiplies layer after layer on "
            "the way back.")


def summary(run: racing.RaceRun) -> str:
    """What happened in a race that has ended: how it ended, the scores, and what this run shows."""
    if run.failed:
        return run.failed
    r = run.result
    n_images, epochs, optimizer = run.settings
    a_s, a_r = r.accuracy["sigmoid"][-1], r.accuracy["relu"][-1]
    scores = (f"**Sigmoid {a_s:.1%}**, **ReLU {a_r:.1%}** on {run.test_images:,} test images "
              f"({n_images:,} training images, {epochs} epoch{'s' if epochs > 1 else ''}, "
              f"{OPTIMIZERS[optimizer].split(' (')[0]}, {r.seconds:.1f} s)")
    if r.stopped == racing.STOPPED and run.stop_reason == racing.PAGE_CLOSED:
        head = f"The race stopped at {r.fraction_done:.0%} when its page lost its connection: {scores}."
    elif r.stopped == racing.STOPPED:
        head = f"You stopped the race at {r.fraction_done:.0%}: {scores}."
    elif r.stopped == racing.TIME_LIMIT:
        head = (f"The race reached its time cap of {r.max_seconds:g} s at {r.fraction_done:.0%} and ended there "
                f"(a busy server trains more slowly): {scores}.")
    else:
        head = f"Race finished: {scores}."
    return head + "\n\n" + story(r, run.test_images)


def show_curves(curves: dict, key: str):
    """The race's loss and accuracy so far, against the training images seen (two charts: ui.compare_stats)."""
    compare_stats.show_curves({k: (curves["images"], curves["loss"][k], curves["acc"][k]) for k in curves["acc"]},
                              key, "training images seen")


# --- the section -------------------------------------------------------------------------------------------------
def _live():
    """While a race runs: its progress and curves, redrawn every LIVE_EVERY s (a fragment inside the section)."""
    run = st.session_state.get(RUN)
    if run is None:
        return
    if not run.running:
        # the race ended: draw the page again (Start back, the summary). A fragment cannot rerun its parent
        # fragment by key from its body (only from a callback), so this is a full rerun, once per race.
        st.rerun()
    curves, done = run.snapshot()
    with st.container(key="race_progress"):
        if curves:
            st.progress(min(done, 1.0), text=f"{done:.0%} · sigmoid {curves['acc']['sigmoid'][-1]:.1%} · "
                                             f"ReLU {curves['acc']['relu'][-1]:.1%}")
            show_curves(curves, "race_chart_live")
        else:
            st.progress(0.0, text="starting…")


def _controls(running: bool):
    """The settings (not in presenter view), Start or Stop."""
    if not state.presenting():
        r1, r2, r3 = st.columns(3)
        r1.select_slider("Training images", IMAGE_CHOICES, key=IMAGES, persist_state="session", disabled=running)
        r2.slider("Epochs", 1, racing.MAX_EPOCHS, key=EPOCHS, persist_state="session", disabled=running)
        r3.selectbox("Optimiser", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key=OPTIMIZER,
                     persist_state="session", disabled=running)
    if running:
        st.button("Stop", icon=":material/stop:", key=STOP, on_click=stop)
    else:
        st.button("Start the race", type="primary", icon=":material/flag:", key=START, on_click=start,
                  disabled=data.test_set() is None)


def _section():
    run = st.session_state[RUN]
    running = run is not None and run.running
    _controls(running)
    if not running and data.test_set() is None:
        st.info(missing_data())
    if not state.presenting():
        st.caption(f"Capped at {racing.MAX_EPOCHS} epochs and {racing.MAX_SECONDS} s; at most {RACES_AT_ONCE} races "
                   f"run at once on this server (running now: {board().running()}).")
    if st.session_state[NOTE]:
        st.warning(st.session_state[NOTE])
    if running:
        st.fragment(_live, run_every=LIVE_EVERY)()
    elif run is not None:
        with st.container(key="race_finished"):
            st.markdown(summary(run))
        curves, _ = run.snapshot()
        if curves:
            show_curves(curves, "race_chart")
        st.caption(TENDENCY)


def section():
    """A race: Start and Stop, the live progress, what the last race showed. Reruns on its own (a fragment)."""
    st.subheader("A race")
    st.caption("Train a sigmoid and a ReLU network from the **same initial weights** on the same images, in the same "
               "order, and watch their test accuracy. Real training, by this project's trainer.")
    st.fragment(_section, key=FRAGMENT)()
