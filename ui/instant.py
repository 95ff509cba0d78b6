"""Instant mode: a drawing surface that pre-processes the drawing and runs the network in the browser, on every
pointer move, with nothing sent to the server until a stroke ends (issue 18).

The JavaScript (ui/instant.js) holds the surface (a free canvas, pre-processed like MNIST, or the lesson's soft
brush on the 28x28 grid), the pre-processing, the forward pass, the answer, the ten outputs and the network
picture. Python sends the network as float32 base64 inside JSON with a version (a hash of the numbers): the
browser decodes it only when the version changes, so a hand edit arrives as a new version. At the end of each
stroke the drawing comes back once, as component state; it comes from a browser, so ``check_drawing`` checks it
before anything uses it. ``drawing_surface`` is the one call a page makes.
"""
from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
import numpy as np
import streamlit as st

from src.network import SIDE

from . import components

PIXELS = SIDE * SIDE
SURFACE = 280                 # the surface's bitmap side (the JavaScript's SURFACE)
MAX_STROKES = 500             # what a drawing may hold when it comes back (the JavaScript keeps fewer points)
MAX_POINTS = 20_000
PEN_RANGE = (1, 100)
STATUSES = ("ok", "blank", "dot")
MODES = ("free", "grid")
UNAVAILABLE = ("Drawing is unavailable in this browser: its drawing surface could not start. Choose an MNIST "
               "test image, a blank image or noise instead.")

_HTML = """
<div class="inst-fallback">Loading the drawing surface… If this message stays, drawing is unavailable in this
browser: choose an MNIST test image, a blank image or noise above.</div>
"""
_CSS = """
.inst, .inst-fallback { font-family: inherit; color: inherit; }
.inst-fallback { padding: .75rem 1rem; border-radius: .5rem; background: rgba(255, 189, 69, .15); }
.inst { container-type: inline-size; --surface: 280px; }
.inst.present { --surface: 440px; font-size: 18px; }
.inst-grid { display: flex; gap: 1rem 1.75rem; align-items: flex-start; }
.inst-draw, .inst-side { display: flex; flex-direction: column; gap: .6rem; min-width: 0; }
.inst-side { flex: 1; }
.inst-stack { grid-area: surface; position: relative; width: var(--surface); aspect-ratio: 1; flex: none; }
.inst-surface, .inst-overlay { position: absolute; inset: 0; width: 100%; height: 100%; border-radius: 6px; }
.inst-surface { touch-action: none; cursor: crosshair; background: #000; box-shadow: 0 0 0 1px #444; }
.inst-overlay { pointer-events: none; }
.inst-tools { grid-area: tools; display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; max-width: var(--surface); }
.inst button { font: inherit; font-size: .9rem; color: inherit; background: transparent; min-height: 2rem;
  border: 1px solid rgba(250, 250, 250, .25); border-radius: .5rem; padding: .2rem .7rem; cursor: pointer; }
.inst button:hover:not(:disabled) { border-color: #58C4DD; color: #58C4DD; }
.inst button:disabled { opacity: .4; cursor: default; }
.inst button[aria-pressed="true"] { background: rgba(88, 196, 221, .2); border-color: #58C4DD; }
.inst-modes { display: inline-flex; gap: .2rem; }
.inst label { font-size: .9rem; display: inline-flex; align-items: center; gap: .3rem; }
.inst-pen input { width: 6rem; }
.inst-answer { grid-area: answer; display: flex; gap: 1rem; align-items: center; min-height: 4.5rem;
  border: 1px solid rgba(250, 250, 250, .2); border-radius: .5rem; padding: .5rem .8rem; }
.inst-digit { font-size: 4rem; font-weight: 700; line-height: 1; }
.inst-digit:empty { display: none; }
.inst-caption { font-size: .9rem; opacity: .85; }
.inst-close { color: #FFBD45; font-weight: 600; }
.inst-barsbox { grid-area: bars; width: 100%; }
.inst-steps { grid-area: steps; }
.inst-steps[data-mode="grid"] figure:first-child { display: none; }
.inst-steps-title { font-weight: 600; margin: .3rem 0; }
.inst-steps-row { display: flex; gap: .75rem; align-items: flex-end; }
.inst figure { margin: 0; }
.inst figcaption { font-size: .8rem; opacity: .75; max-width: 8rem; }
.inst-net-title { font-size: 1.5rem; font-weight: 600; margin-top: 1.25rem; line-height: 1.3; }
.inst-net-title span { font-size: .9rem; font-weight: 400; opacity: .75; }
.inst-net { display: block; margin-top: .5rem; max-width: 100%; cursor: pointer; }
.inst-neuron { font-size: .95rem; margin-top: .25rem; }
.present .inst-caption, .present figcaption, .present label, .present button, .present .inst-neuron { font-size: 18px; }
.present .inst-digit { font-size: 6rem; }
@container (max-width: 600px) {
  .inst-draw, .inst-side { display: contents; }
  .inst-grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: .4rem .5rem;
    grid-template-areas: "surface surface" "answer bars" "tools tools" "steps steps"; }
  .inst-stack { justify-self: center; width: min(100%, 330px); }
  .inst-answer { min-height: 0; padding: .3rem .5rem; gap: .5rem; flex-direction: column; align-items: flex-start; }
  .inst-digit, .present .inst-digit { font-size: 2.6rem; }
  .inst-caption { font-size: .78rem; }
  .inst-tools { max-width: none; }
}
"""


def _component():
    return components.component("instant_drawing", "instant.js", html=_HTML, css=_CSS, isolate_styles=True)


# --- the network, as the browser receives it ---------------------------------------------------------------
def _b64(a) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def network_data(net) -> dict:
    """The network as the browser receives it: sizes, activations, every W (row-major (n_out, n_in)) and b as
    base64 float32, and ``version``, a hash of all of them (a hand edit gives a new version)."""
    weights = [_b64(w) for w in net.weights]
    biases = [_b64(b) for b in net.biases]
    digest = hashlib.sha256()
    for text in (net.activation, net.output, str(net.sizes), *weights, *biases):
        digest.update(text.encode())
    return {"version": digest.hexdigest()[:16], "sizes": [int(n) for n in net.sizes], "activation": net.activation,
            "output": net.output, "weights": weights, "biases": biases}


# --- what comes back from the browser ---------------------------------------------------------------------
@dataclass
class Drawn:
    """A drawing as it came back at the end of a stroke, checked: ``pixels`` (28, 28) float32 in [0, 1] (what the
    network reads), ``status`` 'ok', 'blank' or 'dot', the ``mode`` ('free' or 'grid') and what it takes to show
    the drawing again: the free ``strokes`` ({'w': pen px, 'p': [x0, y0, x1, y1, ...]} on the 280x280 surface),
    the ``grid`` painted in grid mode (784 values, or None) and the ``pen``."""

    pixels: np.ndarray
    status: str
    mode: str = "free"
    strokes: list = field(default_factory=list)
    grid: list | None = None
    pen: float = 20

    @property
    def readable(self) -> bool:
        return self.status == "ok"

    def restore(self) -> dict:
        return {"mode": self.mode, "strokes": self.strokes, "grid": self.grid, "pen": self.pen}


class DrawingError(ValueError):
    """What came back is not a drawing; the message says why in plain words."""


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _unit_values(values, what: str) -> np.ndarray:
    """784 numbers in [0, 1] (a hair of rounding outside is clipped) as float32, or DrawingError."""
    if not isinstance(values, (list, tuple)):
        raise DrawingError(f"its {what} were not a list of numbers")
    if len(values) != PIXELS:
        raise DrawingError(f"it had {len(values):,} {what} instead of {PIXELS}")
    if not all(_number(v) for v in values):
        raise DrawingError(f"some of its {what} were not finite numbers")
    a = np.asarray(values, dtype=np.float64)
    if a.min() < -1e-6 or a.max() > 1 + 1e-6:
        raise DrawingError(f"some of its {what} were outside 0 to 1")
    return np.clip(a, 0, 1).astype(np.float32)


def _strokes(strokes) -> list:
    if strokes is None:
        return []
    if not isinstance(strokes, list) or len(strokes) > MAX_STROKES:
        raise DrawingError(f"its strokes were not a list of at most {MAX_STROKES}")
    kept, points = [], 0
    for stroke in strokes:
        if not isinstance(stroke, Mapping) or not isinstance(stroke.get("p"), list):
            raise DrawingError("a stroke was not a pen width and a list of points")
        w, p = stroke.get("w"), stroke["p"]
        points += len(p) // 2
        if points > MAX_POINTS:
            raise DrawingError(f"its strokes held more than {MAX_POINTS:,} points")
        if not _number(w) or not PEN_RANGE[0] <= w <= PEN_RANGE[1] or len(p) % 2 or not p:
            raise DrawingError("a stroke had no points or an impossible pen width")
        if not all(_number(v) and -SURFACE <= v <= 2 * SURFACE for v in p):
            raise DrawingError("a stroke had points that are not on the drawing surface")
        kept.append({"w": float(w), "p": [round(float(v), 1) for v in p]})
    return kept


def check_drawing(value) -> Drawn:
    """What the browser sent at the end of a stroke as a ``Drawn``, or DrawingError (plain words, no exception
    of any other kind) for a wrong type, a wrong length, NaN, values out of range or a drawing too big to keep."""
    if not isinstance(value, Mapping):
        raise DrawingError("it was not a drawing")
    pixels = _unit_values(value.get("pixels"), "pixels")
    grid = value.get("grid")
    grid = None if grid is None else [float(v) for v in _unit_values(grid, "grid cells")]
    status = value.get("status")
    if status not in STATUSES:
        status = "ok" if pixels.any() else "blank"
    mode = value.get("mode") if value.get("mode") in MODES else "free"
    pen = value.get("pen")
    pen = float(pen) if _number(pen) and PEN_RANGE[0] <= pen <= PEN_RANGE[1] else 20.0
    return Drawn(pixels.reshape(SIDE, SIDE), status, mode, _strokes(value.get("strokes")), grid, pen)


# --- the surface on a page ---------------------------------------------------------------------------------
def _keys(key: str) -> dict:
    return {"kept": f"{key}__kept", "restore": f"{key}__restore", "has": f"{key}__has"}


def kept(key: str) -> Drawn | None:
    """The last drawing the surface ``key`` sent (checked), kept while the visitor is on other pages."""
    return st.session_state.get(_keys(key)["kept"])


def clear(key: str):
    """Forget the surface's drawing: it is mounted blank next time."""
    k = _keys(key)
    st.session_state[k["kept"]] = None
    revision = (st.session_state.get(k["restore"]) or {}).get("revision", 0) + 1
    st.session_state[k["restore"]] = {"revision": revision}


def drawing_surface(net, key: str, *, centre=True, presenting=False, chosen=(1, 0), on_choose=None):
    """Show the instant drawing surface for ``net`` and return the drawing's (28, 28) float32 pixels as the network
    reads them, or None while there is none to read (blank, a dot, or what came back was refused: a plain message
    says so). The drawing is kept for the session: leave the page and come back, and it is drawn again.

    ``centre``: pre-process like MNIST (free mode); ``presenting``: a 440 px surface and large labels;
    ``chosen``: the (layer, neuron) ringed in the picture; ``on_choose``: called when a neuron is clicked, the
    choice ("layer,neuron", untrusted) then in ``st.session_state[key]['chosen']``.
    Use ``unavailable(key)`` to learn that the browser could not run the surface.
    """
    k = _keys(key)
    if key not in st.session_state:  # mounted afresh (first visit, back from elsewhere): draw the kept drawing
        previous = st.session_state.get(k["restore"]) or {}
        drawn = kept(key)
        st.session_state[k["restore"]] = {"revision": previous.get("revision", 0) + 1,
                                          **(drawn.restore() if drawn is not None else {})}
    data = {"network": _network_for_browser(net, key), "centre": bool(centre), "presenting": bool(presenting),
            "chosen": [int(v) for v in chosen], "restore": st.session_state[k["restore"]]}
    callbacks = {"on_drawing_change": lambda: None, "on_error_change": lambda: None,
                 "on_missing_change": lambda: st.session_state.__setitem__(k["has"], None),  # send the weights
                 "on_chosen_change": on_choose or (lambda: None)}
    result = _component()(key=key, data=data, width="stretch", height="content", **callbacks)
    value = result.get("drawing") if hasattr(result, "get") else None
    if value is None:
        drawn = kept(key)
    else:
        try:
            drawn = check_drawing(value)
        except DrawingError as e:
            st.warning(f"The drawing that came back from the browser was refused: {e}. Draw again, or clear the "
                       "surface.", icon=":material/block:")
            return None
        st.session_state[k["kept"]] = drawn
        if value.get("version") == data["network"]["version"]:  # the tab holds this network now
            st.session_state[k["has"]] = data["network"]["version"]
    return drawn.pixels if drawn is not None and drawn.readable else None


def _network_for_browser(net, key: str) -> dict:
    """The network's JSON, or only its version when the tab already holds that version (it said so when a stroke
    ended; the JavaScript keeps networks for the life of the tab). Its weights then travel again only when they
    change (a hand edit), or when the tab says it lacks them (the trigger ``missing``)."""
    full = network_data(net)
    if st.session_state.get(_keys(key)["has"]) == full["version"]:
        return {"version": full["version"]}
    return full


def unavailable(key: str) -> bool:
    """Whether the browser said the surface ``key`` could not run (no canvas, a script error)."""
    value = st.session_state.get(key)
    return bool(value.get("error")) if hasattr(value, "get") else False
