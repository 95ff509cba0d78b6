"""Draw & classify's server canvas (the classic canvas widget, one rerun per stroke): the drawings it sends, kept
in a short history that the page's Undo and Clear step back through, and the drawing read as the network's input.

The drawing is kept here, not only in the canvas widget: Streamlit forgets a widget's value when it is not on
screen (another page, another input source), so each drawing the canvas sends is kept as (fabric JSON, PNG
bytes) in a short history. The canvas gets the kept strokes back through ``initial_drawing`` only when it is
mounted again (a changed ``initial_drawing`` makes the canvas reload, so it must not change per stroke); the
page's Undo and Clear step that history back and hand the canvas the result with a new revision number.

The session keys are the page's, in ui.draw.
"""
from __future__ import annotations

import io

import numpy as np
import streamlit as st

from src.preprocess import BOX, preprocess

from . import canvas, state
from .draw import CANVAS, CENTRE, EMPTY, HISTORY, INITIAL, SEEN

REVISION = "drawPageRevision"   # a field of INITIAL that only makes it differ (fabric keeps it as a canvas attribute)
HISTORY_LIMIT = 30              # strokes Undo can take back (a PNG of ~3-10 kB each)
CANVAS_SIDE = 280


# --- the drawing, kept as the canvas sends it ---------------------------------------------------------------------------------------
class Drawing:
    """One state of the canvas: its fabric JSON (``raw``, one object per stroke) and its PNG (``png``)."""
    __slots__ = ("raw", "png")

    def __init__(self, raw, png: bytes):
        self.raw = raw if isinstance(raw, dict) else dict(EMPTY)
        self.png = png

    @property
    def strokes(self) -> int:
        objects = self.raw.get("objects")
        return len(objects) if isinstance(objects, list) else 0


def canvas_initial() -> dict:
    """The fabric JSON to mount the canvas with. When the canvas is (re)mounted (first visit, back from another
    page or input source: Streamlit then has no value for it) that is the kept drawing; otherwise the value
    stays as it was, so that a stroke does not make the canvas reload."""
    if CANVAS not in st.session_state:
        history = st.session_state[HISTORY]
        st.session_state[INITIAL] = dict(history[-1].raw) if history else dict(EMPTY)
    return st.session_state[INITIAL]


def take_canvas(result) -> None:
    """Keep what the canvas sent (a ``CanvasResult``) if it is new: the history gains a state, or a state with
    the same number of strokes (the canvas re-sending after Undo) replaces the one it repeats."""
    png = result.image_bytes
    if not png or png == st.session_state[SEEN]:
        return  # nothing sent yet since the canvas was mounted, or nothing new
    st.session_state[SEEN] = png
    new = Drawing(result.json_data, png)
    kept = tuple(d for d in st.session_state[HISTORY] if d.strokes < new.strokes)
    if kept and kept[-1].strokes and _same_start(kept[-1], new):
        # strokes only ever add up: share the earlier ones' objects, so the history costs O(strokes), not O(strokes²)
        objects = kept[-1].raw["objects"] + new.raw["objects"][kept[-1].strokes:]
        new = Drawing({**new.raw, "objects": objects}, png)
    st.session_state[HISTORY] = (kept + (new,))[-HISTORY_LIMIT:]


def read_drawing(result):
    """Keep what the canvas sent, and pre-process the current drawing (``src.preprocess.Steps``); a readable one
    becomes the last drawing other pages can test on."""
    take_canvas(result)
    steps = preprocess(drawing_pixels(current_drawing()), centre=bool(st.session_state[CENTRE]))
    if steps.readable:
        state.set_last_drawing(steps.digit)
    return steps


def _same_start(old: Drawing, new: Drawing) -> bool:
    """Whether ``new`` begins with ``old``'s strokes (checked on the last of them: strokes are appended)."""
    n = old.strokes
    return new.strokes > n and new.raw["objects"][n - 1] == old.raw["objects"][n - 1]


def current_drawing() -> Drawing | None:
    history = st.session_state[HISTORY]
    return history[-1] if history else None


def _remount(raw):
    """Hand the canvas ``raw`` to show: a new revision, so it reloads even when the strokes look the same."""
    revision = int(st.session_state[INITIAL].get(REVISION, 0)) + 1
    st.session_state[INITIAL] = {**raw, REVISION: revision}


def undo():
    """Take back the last stroke: the previous kept drawing, exactly as it was, shown at once."""
    history = st.session_state[HISTORY][:-1]
    st.session_state[HISTORY] = history
    _remount(dict(history[-1].raw) if history else dict(EMPTY))


def clear():
    st.session_state[HISTORY] = ()
    _remount(dict(EMPTY))


def drawing_pixels(drawing: Drawing | None) -> np.ndarray:
    """The drawing as the canvas's (H, W, 4) uint8 RGBA, or a blank (280, 280) when there is none."""
    if drawing is None:
        return np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.float32)
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(drawing.png)))


def fitted_frame(fitted: np.ndarray) -> np.ndarray:
    """The ink scaled to fit 20x20, shown inside its 20x20 box."""
    frame = np.zeros((BOX, BOX), np.float32)
    fh, fw = fitted.shape
    frame[(BOX - fh) // 2:(BOX - fh) // 2 + fh, (BOX - fw) // 2:(BOX - fw) // 2 + fw] = fitted
    return frame


def hide_toolbar():
    """The canvas's own toolbar is hidden: the page's Undo and Clear keep its history right."""
    canvas.hide_toolbar(CANVAS)
