"""The hand-tune page's state, actions and pictures.

The page file (pages/2_hand_tune.py) only lays out the screen; everything it reads or changes is named
here: its session keys with their defaults (``DEFAULTS``), the callbacks that make edits (they run before
the page is drawn, so it shows their effect at once), and the pure functions that compute what it shows.
Cross-page state (the model, this session's edited copy) goes through ``ui.state``.
"""
from __future__ import annotations

import hashlib
import html

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw, ImageFont

from src import templates, weights_file
from src.activations import HIDDEN, sigmoid
from src.edits import EditError, LinkError, MAX_LINK_CHARS, decode_link, encode_link
from src.preprocess import resize

from . import canvas, data, figures, state, theme
from .text import safe, sentence

# --- this page's session keys and their defaults --------------------------------------------------------
LAYER = "layer"                  # the neuron being edited, kept in the URL (?layer=1&neuron=3)
NEURON = "neuron"
TOOL = "tune_tool"               # which tool is open: a keyed choice, so an action never resets it
BRUSH_STRENGTH = "tune_brush_strength"
BRUSH_PX = "tune_brush_px"       # brush width in cells of the 28x28 grid
BRUSH_MODE = "tune_brush_mode"
CANVAS = "tune_brush"            # the canvas's key, with a generation number (see brush_stroke)
CANVAS_GEN = "tune_canvas_gen"
STROKES_DONE = "tune_strokes_done"  # digests of the strokes already applied
ROW, COL, FROM = "tune_row", "tune_col", "tune_k"
VALUE, BIAS = "tune_value", "tune_bias"
TEMPLATE, T_ROW, T_COL, T_STRENGTH = "tune_template", "tune_t_row", "tune_t_col", "tune_t_strength"
SCALE = "tune_scale"
SOURCE, INPUT_INDEX = "tune_source", "tune_input_index"
CLOSER = "tune_closer"           # which closer look is open (only that one is drawn)
COMPARE = "tune_compare"
PER_DIGIT = "tune_per_digit"
MESSAGE = "tune_message"         # (kind, text) of the last action, shown until the next one
LINK_DONE = "tune_link_done"     # the ?edits= code already applied (or written) in this session
UPLOAD = "tune_upload"
UPLOADS = "tune_uploads"         # {SHA-256 of a file's bytes: Network or the reason it was refused}

BRUSH, EXACT, PATTERN, WHOLE = "Brush", "Exact", "Template", "Whole"  # short: four fit a phone's width
COMPARE_TRAINED, COMPARE_LAST = "the trained model", "before the last edit"
CHANGED, EXCITES, ONE_INPUT = "What changed", "What excites it", "One input"

DEFAULTS = {
    TOOL: BRUSH, BRUSH_STRENGTH: 1.0, BRUSH_PX: 2, BRUSH_MODE: "add", CANVAS_GEN: 0, STROKES_DONE: (),
    ROW: 14, COL: 14, FROM: 0, VALUE: "", BIAS: "",
    TEMPLATE: next(iter(templates.TEMPLATES)), T_ROW: 14, T_COL: 14, T_STRENGTH: 1.0, SCALE: 2.0,
    INPUT_INDEX: 0, CLOSER: CHANGED, COMPARE: COMPARE_TRAINED, PER_DIGIT: False,
    MESSAGE: (None, None), LINK_DONE: None, UPLOADS: {},
}
UPLOADS_KEPT = 4       # parsed uploads remembered per session (a file is at most 20 MB, a parsed net far less)
CHANGED_LISTED = 12    # changed neurons listed with their own Restore button
THRESHOLD_EXAMPLE = 10.0  # the lesson: "only active when the weighted sum exceeds 10" is a bias of -10
GRID_PX = 280          # the weight grid on screen: 10 px a cell


def init():
    state.init_defaults(DEFAULTS)
    for key in (TOOL, CLOSER):  # a segmented control can be clicked off; keep one choice open
        if st.session_state[key] is None:
            st.session_state[key] = DEFAULTS[key]


def layer_name(layer: int, n_layers: int) -> str:
    """Layers are counted 1..n_layers (the input is layer 0); the last is the output layer."""
    return "output layer" if layer == n_layers else f"hidden layer {layer}"


def closer_views(has_test_set: bool) -> list:
    """The closer looks the page offers: those over the test set need MNIST."""
    return [CHANGED, EXCITES, ONE_INPUT] if has_test_set else [ONE_INPUT]


def tools_for(layer: int, net) -> list:
    return [BRUSH, EXACT, PATTERN, WHOLE] if is_image_layer(layer, net) else [EXACT, WHOLE]


def is_image_layer(layer: int, net) -> bool:
    """Whether a neuron of ``layer`` reads the pixels of a 28x28 image (so its weights are a grid)."""
    return layer == 1 and net.sizes[0] == templates.SIZE ** 2


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# --- messages that survive the rerun an action causes ---------------------------------------------------

def say(kind, text):
    st.session_state[MESSAGE] = (kind, text)


def message():
    """(kind, text) of the last action's outcome, or (None, None)."""
    return st.session_state.get(MESSAGE, (None, None))


def _act(label, fn):
    """Run an edit; report what happened or why it could not be done."""
    try:
        edit = fn()
    except EditError as e:
        say("error", f"Not changed: {e}.")
        return None
    say("success" if edit else "info", f"Done: {edit.label}." if edit else f"{label}: nothing changed.")
    return edit


# --- actions (widget callbacks) ---------------------------------------------------------------------------

def set_weight(name, layer, neuron):
    k = chosen_input(layer, state.tuning(name).log.net)
    _act("Set weight", lambda: state.tuning(name).log.set_weight(layer, neuron, k, st.session_state[VALUE]))


def set_bias(name, layer, neuron, value=None):
    value = st.session_state[BIAS] if value is None else value
    _act("Set bias", lambda: state.tuning(name).log.set_bias(layer, neuron, value))


def chosen_input(layer, net) -> int:
    """The input whose weight the exact-value tool edits: a pixel (row, column) or a neuron before."""
    if is_image_layer(layer, net):
        return int(st.session_state[ROW]) * templates.SIZE + int(st.session_state[COL])
    return min(int(st.session_state[FROM]), net.sizes[layer - 1] - 1)


def template_weights():
    return templates.make(st.session_state[TEMPLATE], st.session_state[T_ROW], st.session_state[T_COL],
                          st.session_state[T_STRENGTH])


def apply_template(name, neuron):
    w = template_weights()
    _act("Template", lambda: state.tuning(name).log.set_row(1, neuron, w, f"template {st.session_state[TEMPLATE]}"))


def transform(name, layer, neuron, how):
    log = state.tuning(name).log
    w = log.net.weights[layer - 1][neuron].astype(np.float64)
    factor = st.session_state[SCALE]
    new, label = {"zero": (0 * w, "weights set to 0"), "negate": (-w, "weights negated"),
                  "scale": (w * factor, f"weights scaled by {factor:g}")}[how]
    _act(how, lambda: log.set_row(layer, neuron, new, label))


def revert(name, layer, neuron):
    _act("Restore", lambda: state.tuning(name).log.revert_neuron(layer, neuron))


def zero_layer(name, layer):
    _act("From scratch", lambda: state.tuning(name).log.zero_layer(layer))


def undo(name):
    edit = state.tuning(name).log.undo()
    say("info", f"Undone: {edit.label}." if edit else "Nothing to undo.")


def redo(name):
    edit = state.tuning(name).log.redo()
    say("info", f"Redone: {edit.label}." if edit else "Nothing to redo.")


def reset(name):
    _act("Reset", lambda: state.tuning(name).log.reset())


# --- uploads ---------------------------------------------------------------------------------------------

def parse_upload(content: bytes):
    """A Network, or the reason (plain text) why these bytes are not one. Never raises."""
    try:
        return weights_file.load(content)
    except weights_file.WeightsFileError as e:
        return str(e)
    except Exception:  # noqa: BLE001 - whatever else the loader raises, the visitor sees no detail or path
        return "it could not be read as a weights file"


def parsed_upload(file):
    """The parsed upload, from this session's cache when the same bytes were parsed before (keyed by their
    SHA-256), so a file is parsed once, not on every rerun or re-upload."""
    try:
        content = weights_file.read_bytes(file)
    except Exception as e:  # noqa: BLE001
        return str(e) if isinstance(e, weights_file.WeightsFileError) else "it could not be read"
    key = weights_file.digest(content)
    cache = st.session_state[UPLOADS]
    if key not in cache:
        cache[key] = parse_upload(content)
        while len(cache) > UPLOADS_KEPT:
            cache.pop(next(iter(cache)))
    return cache[key]


def upload(name):
    """Load an uploaded weights file as the edited copy; a bad file is refused and nothing changes."""
    file = st.session_state.get(UPLOAD)
    if file is None:
        return
    shown = f"“{safe(file.name, 60)}”"  # the visitor chose the name: never let it be Markdown
    log = state.tuning(name).log
    net = parsed_upload(file)
    if isinstance(net, str):
        say("error", f"{shown} was not loaded: {safe(sentence(net), 300)} Your current model is unchanged.")
        return
    if net.sizes != log.trained.sizes:
        say("error", f"{shown} was not loaded: this page edits {log.trained.sizes} networks, the file "
                     f"holds {net.sizes}. Your current model is unchanged.")
        return
    if net.activation != log.trained.activation or net.output != log.trained.output:
        say("error", f"{shown} was not loaded: it is a {net.activation} network and you are tuning the "
                     f"{log.trained.activation} model. Switch the model in the sidebar first.")
        return
    diff = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        for param, arr in (("W", w), ("b", b)):
            diff[(l, param)] = (np.arange(arr.size), arr.ravel())
    edit = log.load_diff(diff, f"loaded from {safe(file.name, 60)}")
    say("success" if edit else "info", f"Loaded {shown}." if edit else f"{shown} is the model you already have.")


# --- share links and the address -------------------------------------------------------------------------

def load_shared_link():
    """Apply ``?edits=…`` from the URL once per session, before the sidebar is drawn: the link's model
    becomes the sidebar's choice and, unless the link names one, the first edited neuron is shown.

    A damaged, forged or oversized link leaves the trained model, with a message that says so."""
    code = st.query_params.get("edits")
    if not code or st.session_state.get(LINK_DONE) == code:
        return
    st.session_state[LINK_DONE] = code
    trained = {name: data.shipped(name) for name in data.MODEL_LABELS}
    try:
        name, diff = decode_link(code, trained)
    except Exception as e:  # noqa: BLE001 - LinkError says why; anything else is refused the same way
        why = str(e) if isinstance(e, LinkError) else "it is damaged"
        say("error", f"This share link could not be used: {safe(sentence(why), 300)} You are looking at the trained model.")
        return
    state.set_model(name)
    log = state.tuning(name).log
    edit = log.load_diff(diff, "opened from a link")
    if LAYER not in st.query_params:
        first = log.changed_neurons()[:1]
        if first:
            st.session_state[LAYER], st.session_state[NEURON] = first[0]
    n = sum(len(idx) for idx, _ in diff.values())
    say("success", f"Opened a {data.MODEL_LABELS[name]} network with {plural(n, 'changed parameter')}"
                   + ("" if edit else " (already loaded)") + ".")


def focus(log, layer, neuron):
    """The neuron a share link should open on: the one shown, if it was edited, else the last edited."""
    changed = log.changed_neurons()
    if (layer, neuron) in changed or not changed:
        return layer, neuron
    for edit in reversed(log.done):
        for c in edit.changes:
            n_in = log.net.weights[c.layer - 1].shape[1]
            j = int(c.indices[0]) if c.param == "b" else int(c.indices[0]) // n_in
            if (c.layer, j) in changed:
                return c.layer, j
    return changed[0]


def share_link(name, layer, neuron):
    """(URL that reproduces this session's edited copy, opened on the edited neuron, or None when it is
    longer than a link may be; its length)."""
    log = state.tuning(name).log
    code = encode_link(log)
    l, j = focus(log, layer, neuron)
    base = str(st.context.url or "").split("?")[0] or "/hand_tune"
    url = f"{base}?model={data.MODEL_LABELS[name]}&layer={l}&neuron={j}&edits={code}"
    return (url if len(url) <= MAX_LINK_CHARS else None), len(url), code


def keep_in_address(name, layer, neuron) -> str | None:
    """Write this model's edits into the address bar (``?edits=``), so a reload of the tab keeps them.

    Returns None when the address holds every edit of this session, else why a reload would lose some
    (too long for a link, or edits of the other model, which the address cannot hold at the same time);
    the page then says so and the tab asks before it unloads."""
    log = state.tuning(name).log
    code = None
    too_long = False
    if log.edited:
        url, _, code = share_link(name, layer, neuron)
        too_long = url is None
    if code is None or too_long:
        if "edits" in st.query_params:
            del st.query_params["edits"]
        st.session_state[LINK_DONE] = None
    else:
        if st.query_params.get("edits") != code:
            st.query_params["edits"] = code
        st.session_state[LINK_DONE] = code  # our own code: not to be applied again on the next run
    others = [data.MODEL_LABELS[n] for n in data.MODEL_LABELS if n != name and state.edited_copy(n) is not None]
    if too_long:
        return "These edits are too many for the address bar: a reload of this tab would lose them."
    if others:
        return (f"Your edits of the {others[0]} model are not in the address bar (it holds one model's edits): "
                f"a reload of this tab would lose them.")
    return None


PAGE_JS = """
export default function (component) {
  window.__tuneUnsaved = Boolean(component.data && component.data.warn);
  if (window.__tuneGuard) return;
  window.__tuneGuard = true;
  window.addEventListener('beforeunload', e => {
    if (window.__tuneUnsaved) { e.preventDefault(); e.returnValue = ''; }
  });
}
"""
_page_js = None


def page_script(warn: bool):
    """Mount a small script in the page (not an iframe) that asks before the tab is closed or reloaded while
    ``warn`` (edits the address cannot hold): one handler per tab, reading a flag that each run sets. The brush
    canvas's own toolbar is hidden too (``ui.canvas.hide_toolbar``): its undo would replay strokes as edits."""
    global _page_js
    if _page_js is None:
        _page_js = st.components.v2.component("hand_tune_page_script", html="<span></span>", js=PAGE_JS,
                                              isolate_styles=False)
    _page_js(data={"warn": bool(warn)}, key="tune_page_script", width="content", height="content")
    canvas.hide_toolbar("tune_grid")


def model_file(name) -> bytes:
    t = state.tuning(name)
    net = t.log.net.copy()
    net.meta = {**t.log.trained.meta, "edited": True, "edits": [e.label for e in t.log.done][-200:],
                "test_accuracy": t.scorer.accuracy if t.scorer else None}
    return weights_file.to_bytes(net)


# --- the brush --------------------------------------------------------------------------------------------

def canvas_key() -> str:
    """A new canvas after every applied stroke: the fresh canvas has no history, so its own toolbar's
    undo/redo cannot send an earlier stroke back to be applied a second time."""
    return f"{CANVAS}_{st.session_state[CANVAS_GEN]}"


def brush_width() -> int:
    """The stroke width on the 280 px canvas, read from the slider's current value (never a copy of it
    written later in the run, which lagged one rerun behind)."""
    return int(st.session_state[BRUSH_PX]) * GRID_PX // templates.SIZE


def brush_colour() -> str:
    rgb = theme.BLUE if st.session_state[BRUSH_STRENGTH] >= 0 else theme.RED
    return "rgba(%d,%d,%d,0.6)" % tuple(int(v) for v in rgb)


def brush_stroke(name, neuron):
    """Canvas callback: turn the stroke just drawn on the 280x280 canvas into a first-layer weight edit.
    Runs before the page, so the page already shows the edit's effect."""
    key = canvas_key()
    widget = st.session_state.get(key) or {}
    url = (widget.get("drawing") or {}).get("data")
    if not url:
        return
    digest = hashlib.sha1(url.encode()).hexdigest()
    if digest in st.session_state[STROKES_DONE]:
        return  # a stroke sent again (a replay): already applied once
    st.session_state[STROKES_DONE] = (st.session_state[STROKES_DONE] + (digest,))[-50:]
    alpha = canvas.decode_png(url)[..., 3].astype(np.float32) / 255.0
    if not alpha.any():
        return
    coverage = np.clip(resize(alpha, templates.SIZE, templates.SIZE) / alpha.max(), 0, 1)
    log = state.tuning(name).log
    strength, mode = st.session_state[BRUSH_STRENGTH], st.session_state[BRUSH_MODE]
    w = templates.brush(coverage, log.net.weights[0][neuron], strength, mode)
    if _act("Brush", lambda: log.set_row(1, neuron, w, f"painted ({mode} {strength:+g})")):
        st.session_state[CANVAS_GEN] += 1
        st.session_state.pop(key, None)


def pending_stroke(name):
    """Apply a stroke on the canvas that its callback has not (``brush_stroke`` skips strokes already done)."""
    if st.session_state.get(LAYER) == 1 and st.session_state.get(NEURON) is not None:
        brush_stroke(name, int(st.session_state[NEURON]))


# --- the weight grid ---------------------------------------------------------------------------------------

def colour_limit(trained_w, q=99.0) -> float:
    """The |w| shown at full colour: a high percentile of the trained neuron's |w|. One weight painted to 5
    saturates instead of dimming all the others, and the scale stays put while the neuron is edited."""
    a = np.abs(np.asarray(trained_w, dtype=np.float64))
    limit = float(np.percentile(a, q)) if a.size else 0.0
    return limit if limit > 1e-6 else max(float(a.max(initial=0.0)), 1.0)


def grid_image(w, limit, mark=None) -> np.ndarray:
    """A neuron's 784 weights as a 280x280 RGB image (beyond ±limit saturated); ``mark`` = (row, col)
    outlines that cell in the highlight colour."""
    img = figures.signed_image(np.asarray(w).reshape(templates.SIZE, templates.SIZE), limit, GRID_PX)
    if mark is None:
        return img
    return figures.outline_cells(img, [int(mark[0]) * templates.SIZE + int(mark[1])], templates.SIZE)


def legend_html(limit) -> str:
    """The grid's colour scale as one block: the signed colour strip and its numbers (saturated beyond)."""
    bar = figures.png_data_uri(figures.legend_bar(GRID_PX, 10))
    return (f"<div style='width:{GRID_PX}px;font-size:0.8rem'><img src='{bar}' width='{GRID_PX}' height='10' "
            f"style='display:block' alt='colour scale'/><div style='display:flex;justify-content:space-between'>"
            f"<span>≤ −{limit:.2f}</span><span>0</span><span>≥ +{limit:.2f}</span></div></div>")


# --- numbers for axes ----------------------------------------------------------------------------------------

def nice_ticks(lo: float, hi: float, n: int = 5) -> list:
    """Round tick values (steps of 1, 2 or 5 x 10^k) covering [lo, hi], about ``n`` of them."""
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    if hi - lo < 1e-12 * max(1.0, abs(lo)):  # one value: a unit around it
        lo, hi = lo - 0.5, hi + 0.5
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw - 1e-12)
    start = np.ceil(lo / step - 1e-9) * step
    ticks = np.arange(start, hi + step * 1e-6, step)
    decimals = max(0, -int(np.floor(np.log10(step)))) + 1
    return [round(float(round(t / step) * step), decimals) + 0.0 for t in ticks]


def tick_label(t: float, step: float) -> str:
    decimals = max(0, -int(np.floor(np.log10(step)))) if step < 1 else 0
    return f"{t:.{decimals}f}".replace("-", "−")


def sum_range(s, b, min_span=2.0):
    """The x range of the threshold chart: every weighted sum and the threshold −b, at least ``min_span``
    wide (after zeroing a neuron every sum is 0 ± rounding; a range of ±5e-6 would say nothing)."""
    lo, hi = float(min(np.min(s), -b)), float(max(np.max(s), -b))
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


# --- the threshold chart: the bias as a threshold, over all test images --------------------------------------

def threshold_svg(s, b, curve_fn=None, curve_colour=theme.BLUE_CSS, width=560, height=250) -> str:
    """Histogram of the neuron's weighted sums Σ w·a (without the bias) over the test images, the
    threshold −b where Σ + b = 0 as a dashed line, and the activation of Σ + b over it when the neuron has
    a curve of its own (not a softmax output). ``s`` (n,) floats. An SVG string."""
    s = np.asarray(s, dtype=np.float64)
    lo, hi = sum_range(s, b)
    counts, edges = np.histogram(s, bins=60, range=(lo, hi))
    left, right, top, bottom = 44, 64, 26, 40
    pw, ph = width - left - right, height - top - bottom

    def x(v):
        return left + (v - lo) / (hi - lo) * pw

    peak = max(int(counts.max(initial=0)), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" font-family="sans-serif" font-size="11">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#555"/>']
    for c, e0, e1 in zip(counts, edges[:-1], edges[1:]):
        if c:
            h = c / peak * ph
            parts.append(f'<rect x="{x(e0):.1f}" y="{top + ph - h:.1f}" width="{max(x(e1) - x(e0) - 0.5, 0.5):.1f}" '
                         f'height="{h:.1f}" fill="rgba(200,200,200,0.6)"/>')
    xt = nice_ticks(lo, hi, 7)
    step = xt[1] - xt[0] if len(xt) > 1 else 1.0
    for t in xt:
        parts.append(f'<line x1="{x(t):.1f}" y1="{top + ph}" x2="{x(t):.1f}" y2="{top + ph + 4}" stroke="#888"/>'
                     f'<text x="{x(t):.1f}" y="{top + ph + 16}" fill="#aaa" text-anchor="middle">'
                     f'{tick_label(t, step)}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 4}" fill="#aaa" text-anchor="middle">'
                 f'weighted sum Σ w·a, without the bias (grey: how many test images)</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 10}" fill="#aaa" text-anchor="end">{peak:,}</text>'
                 f'<text x="{left - 6}" y="{top + ph}" fill="#aaa" text-anchor="end">0</text>')
    if curve_fn is not None:
        grid = np.linspace(lo, hi, 200)
        a = np.asarray(curve_fn(grid + b), dtype=np.float64)
        a_max = max(1.0, float(a.max(initial=0.0)))
        pts = " ".join(f"{x(g):.1f},{top + ph - min(v / a_max, 1) * ph:.1f}" for g, v in zip(grid, a))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{curve_colour}" stroke-width="2"/>')
        yt = nice_ticks(0, a_max, 3)
        ystep = yt[1] - yt[0] if len(yt) > 1 else 1.0
        for t in yt:
            y = top + ph - t / a_max * ph
            parts.append(f'<text x="{left + pw + 6}" y="{y + 4:.1f}" fill="{curve_colour}">{tick_label(t, ystep)}</text>')
        parts.append(f'<text x="{left + pw + 6}" y="{top - 8}" fill="{curve_colour}">activation</text>')
    tx = x(-b)
    parts.append(f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{top + ph}" stroke="{theme.HIGHLIGHT_CSS}" '
                 f'stroke-dasharray="5,4" stroke-width="2"/>')
    anchor = "end" if tx > left + pw * 0.7 else "start"
    parts.append(f'<text x="{tx + (-4 if anchor == "end" else 4):.1f}" y="{top - 8}" fill="{theme.HIGHLIGHT_CSS}" '
                 f'text-anchor="{anchor}">{html.escape(threshold_label(b))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def threshold_label(b: float) -> str:
    return f"threshold −b = {round(-b, 2) + 0.0:.2f}".replace("= -", "= −")  # + 0.0: no "−0.00"


def activation_curve(net, layer):
    """The function from Σ + b to the neuron's activation, or None for a softmax output (it depends on all
    ten sums, so no single curve)."""
    if layer < len(net.weights):
        return HIDDEN[net.activation][0]
    return sigmoid if net.output == "sigmoid" else None


# --- what the edits changed on the test set ---------------------------------------------------------------------

_FONT = None


def _font():
    """(font, arrow) for labels drawn into images: DejaVu Sans where installed (it has "→"), else
    Pillow's built-in font with "->"."""
    global _FONT
    if _FONT is None:
        try:
            _FONT = (ImageFont.truetype("DejaVuSans.ttf", 11), "→")
        except OSError:
            _FONT = (ImageFont.load_default(), "->")
    return _FONT


def labelled_thumbnails(images, indices, labels, answers, size=28, per_row=12) -> np.ndarray | None:
    """Test images as one strip, each with "label→answer" under it (the answer the network gives now).
    ``images`` (n, 28, 28) uint8; ``indices`` into it; ``labels``, ``answers`` (n,) ints."""
    indices = list(indices)
    if not indices:
        return None
    cell_w, text_h = max(size, 34) + 4, 14
    cell_h = size + text_h + 4
    rows = -(-len(indices) // per_row)
    strip = Image.new("RGB", (min(len(indices), per_row) * cell_w, rows * cell_h), (40, 40, 40))
    draw = ImageDraw.Draw(strip)
    k = max(1, size // images.shape[1])
    for n, i in enumerate(indices):
        r, c = divmod(n, per_row)
        tile = np.repeat(np.repeat(np.asarray(images[i]), k, 0), k, 1)
        x0, y0 = c * cell_w + (cell_w - tile.shape[1]) // 2, r * cell_h
        strip.paste(Image.fromarray(tile).convert("RGB"), (x0, y0))
        font, arrow = _font()
        draw.text((c * cell_w + cell_w / 2, y0 + tile.shape[0] + 1), f"{int(labels[i])}{arrow}{int(answers[i])}",
                  fill=(230, 230, 230), font=font, anchor="ma")
    return np.asarray(strip)


def changed_neurons_note(changed, listed=CHANGED_LISTED) -> str | None:
    """What the list of changed neurons leaves out, or None when it lists them all."""
    rest = changed[listed:]
    if not rest:
        return None
    layers = sorted({l for l, _ in rest})
    where = ", ".join(f"{sum(1 for l2, _ in rest if l2 == l)} in layer {l}" for l in layers)
    return f"…and {plural(len(rest), 'more neuron')} ({where}): use Reset to restore everything."
