"""The drawing canvas (streamlit-drawable-canvas) as every page uses it: strokes decoded, toolbar hidden, and a
``StrokeCanvas`` that turns each stroke on a 28x28 grid into one action of the page.

The canvas's own toolbar (undo, redo, an edit toggle that stops drawing, reset) acts on the canvas alone and
replays earlier strokes to the app, which a page would take as new strokes: each page offers its own Undo and
Clear instead. The canvas draws inside an open shadow root that the page's CSS cannot reach, so a few lines of
JavaScript (canvas_guard.js) put the rule into that root, and an observer puts it back whenever the canvas is
mounted again. The same script can make a finger scroll the page across a canvas instead of drawing on it
(``tap_to_paint``): a tap arms the canvas for one stroke.
"""
from __future__ import annotations

import base64
import hashlib
import io
from typing import Callable

import numpy as np
import streamlit as st
from PIL import Image

from src.network import SIDE

from . import components


def hide_toolbar(container_key: str, tap_to_paint: bool = False, tap_to_pick: bool = False):
    """Hide the toolbar of every canvas inside ``st.container(key=container_key)``; with ``tap_to_paint``, a
    finger scrolls the page across it, and paints only after a tap on it; with ``tap_to_pick`` (a canvas that
    takes clicks) a finger scrolls across it and a tap is a click (ui/canvas_guard.js)."""
    components.script("canvas_guard", "canvas_guard.js", key=f"canvas_guard_{container_key}",
                      data={"selector": f".st-key-{container_key} *", "tapToPaint": bool(tap_to_paint),
                            "tapToPick": bool(tap_to_pick)})


def decode_png(data_url: str) -> np.ndarray:
    """A canvas's data URL as an (H, W, 4) uint8 RGBA array."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGBA"))


def stroke_alpha(data_url: str) -> np.ndarray:
    """How much of each canvas pixel a stroke covers: the canvas's alpha as (H, W) float32 in [0, 1]."""
    return decode_png(data_url)[..., 3].astype(np.float32) / np.float32(255)


def alpha_centre(alpha: np.ndarray, side: int = SIDE) -> tuple[int, int] | None:
    """The (row, column) of the ``side`` x ``side`` grid cell under the centre of what was drawn, or None."""
    a = np.asarray(alpha, np.float64)
    total = a.sum()
    if total <= 0:
        return None
    h, w = a.shape
    r = (a.sum(axis=1) @ np.arange(h)) / total
    c = (a.sum(axis=0) @ np.arange(w)) / total
    return (min(int((r + 0.5) * side / h), side - 1), min(int((c + 0.5) * side / w), side - 1))


class StrokeCanvas:
    """A square canvas over a picture (a 28x28 grid, say) whose every stroke becomes one action of the page.

    ``on_stroke(alpha, *args)`` gets the stroke as the canvas's (H, W) alpha in [0, 1] and returns whether it
    made a change; the canvas is then replaced by a fresh one (a new widget key) that shows the new picture and
    has no history, so nothing can send an earlier stroke back to be applied twice. A stroke that arrives again
    (same PNG) is ignored. The callback runs before the page is drawn, so the page shows its effect at once.

    Its session keys (``<key>_gen``, ``<key>_done``) are read with defaults everywhere, callbacks included: a
    stroke may arrive in a run where the page did not draw the controls that set them up.
    """

    KEPT = 50  # digests of applied strokes remembered

    def __init__(self, key: str, on_stroke: Callable[..., bool], container: str | None = None):
        self.key, self.on_stroke = key, on_stroke
        self.container = container or f"{key}_box"
        self.gen_key, self.done_key = f"{key}_gen", f"{key}_done"

    def widget_key(self) -> str:
        return f"{self.key}_{st.session_state.get(self.gen_key, 0)}"

    def renew(self):
        """Show a fresh canvas on the next run (after an action changed the picture under it)."""
        st.session_state.pop(self.widget_key(), None)
        st.session_state[self.gen_key] = st.session_state.get(self.gen_key, 0) + 1

    def take(self, *args) -> bool:
        """Apply the stroke on the current canvas, if there is a new one (the canvas's callback; also safe to
        call on every run). Returns whether it changed something."""
        widget = st.session_state.get(self.widget_key()) or {}
        url = (widget.get("drawing") or {}).get("data") if isinstance(widget, dict) else None
        if not isinstance(url, str) or "," not in url:
            return False
        digest = hashlib.sha1(url.encode()).hexdigest()
        done = tuple(st.session_state.get(self.done_key, ()))
        if digest in done:
            return False  # a stroke sent again (a replay): already applied once
        st.session_state[self.done_key] = (done + (digest,))[-self.KEPT:]
        try:
            alpha = stroke_alpha(url)
        except Exception:  # noqa: BLE001 - a damaged image from the browser: nothing to apply
            return False
        if not alpha.any():
            return False
        changed = bool(self.on_stroke(alpha, *args))
        if changed:
            self.renew()
        return changed

    def draw(self, background_png: bytes, side_px: int, stroke_width: int, stroke_colour: str, args=(),
             mode: str = "freedraw", tap_to_paint: bool = True):
        """Draw the canvas (in ``st.container(key=self.container)``) over ``background_png``, ``side_px`` square.
        ``mode``: 'freedraw' paints strokes, 'point' takes a click or a tap."""
        from streamlit_drawable_canvas import st_canvas  # only inside a running app (it registers a component)

        st_canvas(stroke_width=stroke_width, stroke_color=stroke_colour, background_image=background_png,
                  height=side_px, width=side_px, drawing_mode=mode, point_display_radius=max(2, stroke_width // 2),
                  fill_color=stroke_colour, return_image_data=True, key=self.widget_key(),
                  on_change=lambda: self.take(*args))
        hide_toolbar(self.container, tap_to_paint=tap_to_paint and mode != "point",
                     tap_to_pick=tap_to_paint and mode == "point")
