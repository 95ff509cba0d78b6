"""The Draw & classify page's own state, callbacks and computations (pages/1_draw.py only lays them out).

Session keys are the constants below, with their defaults in ``DEFAULTS``. What crosses pages (the model, the
edited copy, the last drawing) goes through ``ui.state``.

The drawing is kept here, not only in the canvas widget: Streamlit forgets a widget's value when it is not on
screen (another page, another input source), so each drawing the canvas sends is kept as (fabric JSON, PNG
bytes) in a short history. The canvas gets the kept strokes back through ``initial_drawing`` only when it is
mounted again (a changed ``initial_drawing`` makes the canvas reload, so it must not change per stroke); the
page's Undo and Clear step that history back and hand the canvas the result with a new revision number.
"""
from __future__ import annotations

import io

import numpy as np
import streamlit as st

from src.network import close_call
from src.preprocess import BOX, preprocess

from . import canvas, data, instant, state
from .theme import BLUE_CSS, GREY_CSS, HIGHLIGHT_CSS, RED_CSS

# --- this page's session keys ------------------------------------------------------------------------
SOURCE = "draw_source"          # which input the network reads: one of SOURCES
TEST_INDEX = "draw_test_index"  # the MNIST test image shown when SOURCE is "test"
NOISE_SEED = "draw_noise_seed"  # the seed of the noise image
PEN = "draw_stroke"             # pen width on the canvas, px
CENTRE = "draw_centre"          # pre-process the drawing like MNIST (crop, fit 20x20, centre the mass)
LAYER = "draw_layer"            # the inspected neuron: layer l = 1..len(net.weights) ...
NEURON = "draw_neuron"          # ... and its index in that layer
DETAILS = "draw_details"        # show the inspected neuron's weights (off: a lighter page)
INSTANT = "draw_instant"        # the instant drawing surface (ui/instant.py), the default input
CANVAS = "draw_canvas"          # the classic canvas widget (bench/load_draw.py finds the canvas by this key)
PICTURE = "draw_picture"        # the clickable network picture
HISTORY = "draw_history"        # tuple of Drawing, oldest first: what Undo steps back through
INITIAL = "draw_initial"        # the fabric JSON the canvas is mounted with
SEEN = "draw_seen"              # PNG bytes of the canvas value last taken into HISTORY

SOURCES = {"instant": ":material/draw: My drawing", "test": ":material/image: MNIST test image",
           "blank": ":material/check_box_outline_blank: Blank", "noise": ":material/grain: Noise",
           "canvas": ":material/cloud_upload: Server canvas"}
EMPTY = {"objects": []}
REVISION = "drawPageRevision"   # a field of INITIAL that only makes it differ (fabric keeps it as a canvas attribute)
HISTORY_LIMIT = 30              # strokes Undo can take back (a PNG of ~3-10 kB each)
PEN_DEFAULT, PEN_RANGE = 20, (6, 40)
CANVAS_SIDE = 280

# Immutable values only: setdefault hands this very object to every session.
DEFAULTS = {SOURCE: "instant", TEST_INDEX: 0, NOISE_SEED: 0, PEN: PEN_DEFAULT, CENTRE: True, LAYER: 1, NEURON: 0,
            DETAILS: False, HISTORY: (), INITIAL: EMPTY, SEEN: None}


def init():
    state.init_defaults(DEFAULTS)


# --- the drawing ---------------------------------------------------------------------------------------
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


# --- the other inputs ----------------------------------------------------------------------------------
def sources(tests) -> list:
    """The input sources on offer: the MNIST test images only where MNIST is available."""
    return [s for s in SOURCES if s != "test" or tests is not None]


def settle_source(tests) -> str:
    """The chosen source, set back to the drawing when it is not on offer (MNIST gone); call before the widget."""
    chosen = st.session_state.get(SOURCE)
    if chosen not in sources(tests):
        st.session_state[SOURCE] = chosen = "instant"
    return chosen


# --- instant mode: the drawing surface that answers in the browser (ui/instant.py) --------------------------
def instant_drawing(net, presenting: bool) -> np.ndarray:
    """The instant surface for ``net``; returns the 28x28 input for the rest of the page (zeros while there is no
    readable drawing). A readable drawing becomes the last drawing other pages test on. When the browser cannot
    run the surface, says so and offers the MNIST test images."""
    x = instant.drawing_surface(net, INSTANT, centre=bool(st.session_state[CENTRE]), presenting=presenting,
                                chosen=settle_neuron(net), on_choose=on_instant_choice)
    if instant.unavailable(INSTANT):
        st.warning(instant.UNAVAILABLE, icon=":material/block:")
        if data.test_set() is not None:
            st.button(":material/image: Use the MNIST test images", on_click=pick_random_test_image,
                      key="draw_instant_fallback")
    if x is None:
        return np.zeros((28, 28), np.float32)
    state.set_last_drawing(x)
    return x


def on_instant_choice():
    """A neuron was clicked in the instant surface's picture: inspect it."""
    clicked = st.session_state.get(INSTANT)
    choice = parse_choice(clicked.get("chosen") if hasattr(clicked, "get") else None,
                          state.network(state.model_name()).sizes)
    if choice is not None:
        st.session_state[LAYER], st.session_state[NEURON] = choice


def settle_neuron(net) -> tuple:
    """The inspected (layer, neuron), clamped to this network's shape and written back; call before the widgets."""
    st.session_state[LAYER], st.session_state[NEURON] = choice = chosen_neuron(net)
    return choice


def noise_image(seed: int) -> np.ndarray:
    """(28, 28) float32, every pixel uniform in [0, 1)."""
    return np.random.default_rng(seed).random((28, 28)).astype(np.float32)


def predictions(name: str) -> np.ndarray | None:
    """The answer to each MNIST test image of the network the page uses (the edited copy when it is in use)."""
    if state.using_edits(name):
        scorer = state.tuning(name).scorer
        return scorer.predictions if scorer is not None else None
    return data.test_predictions(name)


def next_mistake(predicted, labels, after: int) -> int | None:
    """The first test image after index ``after`` that ``predicted`` gets wrong (wrapping round), or None."""
    wrong = np.flatnonzero(np.asarray(predicted) != np.asarray(labels))
    if wrong.size == 0:
        return None
    later = wrong[wrong > after]
    return int(later[0] if later.size else wrong[0])


def pick_random_test_image():
    tests = data.test_set()
    if tests is not None:
        st.session_state[SOURCE] = "test"
        st.session_state[TEST_INDEX] = int(np.random.default_rng().integers(0, len(tests.labels)))


def pick_next_mistake():
    tests, name = data.test_set(), state.model_name()
    predicted = predictions(name) if tests is not None else None
    if predicted is None:
        return
    index = next_mistake(predicted, tests.labels, int(st.session_state[TEST_INDEX]))
    st.session_state[SOURCE] = "test"
    if index is not None:
        st.session_state[TEST_INDEX] = index


def new_noise():
    st.session_state[SOURCE] = "noise"
    st.session_state[NOISE_SEED] = int(st.session_state[NOISE_SEED]) + 1


# --- the answer ----------------------------------------------------------------------------------------
def answer_lines(output, steps, source_name, label):
    """What the answer box says: (headline, caption, close call (a, b) or None, verdict or None)."""
    if steps is not None and steps.status == "blank":
        return None, "The canvas is empty: draw a digit with the mouse, a pen or a finger.", None, None
    if steps is not None and steps.status == "dot":
        return None, "That is a dot, not a digit: draw a whole digit, as large as you like.", None, None
    answer = int(np.argmax(output))
    caption = f"the network's answer · output activation **{float(output[answer]):.2f}**"
    if source_name in ("blank", "noise"):
        caption += " · there is no digit here, yet the network must answer: it knows only ten answers"
    verdict = None
    if label is not None:
        verdict = (f":green[right: the label is **{label}**]" if label == answer
                   else f":red[wrong: the label is **{label}**]")
    return answer, caption, close_call(output), verdict


def one_function(net) -> str:
    """The lesson's point, with this network's own numbers."""
    n_in, n_out = net.sizes[0], net.sizes[-1]
    return (f"The whole network is **one function**: {n_in:,} numbers in (the pixels), {n_out} numbers out "
            f"(these bars), shaped by its {net.num_parameters:,} weights and biases.")


def output_bars_svg(output, width=360, height=150) -> str:
    """The output activations as a small SVG bar chart, the answer's bar in the highlight colour (an image: nothing to hover,
    far cheaper for a browser to draw on every stroke than a Plotly figure)."""
    out = np.asarray(output, dtype=np.float64)
    best = int(np.argmax(out))
    top = max(1.0, float(out.max(initial=0.0)))
    n = len(out)
    slot = width / n
    base = height - 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" font-family="sans-serif">']
    for i, v in enumerate(out):
        h = (base - 18) * float(np.clip(v / top, 0, 1))
        x = i * slot + slot * 0.15
        colour = HIGHLIGHT_CSS if i == best else GREY_CSS
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{max(h, 1):.1f}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{base - h - 4:.1f}" font-size="10" fill="#bbb" '
                     f'text-anchor="middle">{v:.2f}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 4}" font-size="13" text-anchor="middle" '
                     f'fill="{"#fff" if i == best else "#aaa"}" font-weight="{"bold" if i == best else "normal"}">'
                     f'{i}</text>')
    parts.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#555"/></svg>')
    return "".join(parts)


def weight_bars_svg(weights, width=520, height=170) -> str:
    """A later-layer neuron's incoming weights as signed SVG bars (blue +, red −) labelled by source neuron:
    an image, so that with the details on a stroke still costs no Plotly figure."""
    w = np.asarray(weights, dtype=np.float64)
    top = float(np.max(np.abs(w), initial=0.0)) or 1.0
    slot = width / len(w)
    mid, half = (height - 34) / 2 + 14, (height - 34) / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" font-family="sans-serif">']
    for k, v in enumerate(w):
        h = half * abs(v) / top
        x = k * slot + slot * 0.15
        colour = BLUE_CSS if v >= 0 else RED_CSS
        parts.append(f'<rect x="{x:.1f}" y="{mid - h if v >= 0 else mid:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(h, 0.5):.1f}" fill="{colour}"><title>from neuron {k}: w = {v:.3f}</title></rect>')
        ty = mid - h - 3 if v >= 0 else mid + h + 10
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{ty:.1f}" font-size="9" fill="#bbb" '
                     f'text-anchor="middle">{v:.1f}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 3}" font-size="11" fill="#aaa" '
                     f'text-anchor="middle">{k}</text>')
    parts.append(f'<line x1="0" y1="{mid:.1f}" x2="{width}" y2="{mid:.1f}" stroke="#555"/></svg>')
    return "".join(parts)


# --- the neuron inspector --------------------------------------------------------------------------------
def layer_names(net) -> dict:
    """{l: name} for l = 1..len(net.weights): the hidden layers, then the output layer."""
    last = len(net.weights)
    return {l: "output layer" if l == last else f"hidden layer {l}" for l in range(1, last + 1)}


def chosen_neuron(net) -> tuple:
    """(layer, neuron) of the inspected neuron, clamped to this network's shape."""
    layer = int(st.session_state.get(LAYER, 1))
    layer = layer if 1 <= layer <= len(net.weights) else 1
    neuron = int(st.session_state.get(NEURON, 0))
    return layer, neuron if 0 <= neuron < net.sizes[layer] else 0


def parse_choice(value, sizes) -> tuple | None:
    """'l,j' from a click on the network picture as (l, j), or None when it is not a neuron of ``sizes``."""
    try:
        l, j = (int(v) for v in str(value).split(","))
    except ValueError:
        return None
    return (l, j) if 1 <= l < len(sizes) and 0 <= j < sizes[l] else None


def on_picture_click():
    """A neuron was clicked in the network picture: inspect it."""
    clicked = st.session_state.get(PICTURE)
    value = clicked.get("chosen") if hasattr(clicked, "get") else None
    choice = parse_choice(value, state.network(state.model_name()).sizes)
    if choice is not None:
        st.session_state[LAYER], st.session_state[NEURON] = choice


def neuron_sum(net, forward, layer, neuron) -> tuple:
    """(Σ w·a, b, z, a) of one neuron for this input: z = Σ w·a + b and a its activation."""
    b = float(net.biases[layer - 1][neuron])
    z = float(forward.zs[layer - 1][neuron])
    return z - b, b, z, float(forward.activations[layer][neuron])


# A network picture that reports clicks: the SVG (numbers only, made by ui.figures.network_svg) is put in place
# by a few lines of JavaScript, and a click on a neuron sends "layer,neuron" back as a one-off trigger.
_PICTURE_JS = """
export default function ({ parentElement, data, setTriggerValue }) {
  let root = parentElement.querySelector('.draw-net');
  if (!root) {
    root = document.createElement('div');
    root.className = 'draw-net';
    parentElement.appendChild(root);
    root.addEventListener('click', (event) => {
      const circle = event.target.closest('circle');
      const title = circle && circle.querySelector('title');
      const m = title && /layer (\\d+), neuron (\\d+)/.exec(title.textContent);
      if (m) setTriggerValue('chosen', m[1] + ',' + m[2]);
    });
  }
  if (root.__svg !== data.svg) {  // unchanged picture: leave the DOM alone
    root.innerHTML = data.svg;
    root.__svg = data.svg;
  }
}
"""
_PICTURE_CSS = ".draw-net circle { cursor: pointer; } .draw-net circle:hover { stroke: #FF8C42; stroke-width: 2.5; }"

# On a phone the columns stack: a shorter title, less space above it and a compact answer box keep the answer on
# screen under the canvas after drawing (issue 11: visible without scrolling on 390x844).
PAGE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.75rem; padding-top: 0; }
}
</style>"""
_components = {}


def _component(name, **kw):
    # registered on first use, inside a running app (registering at import would need a running Streamlit)
    if name not in _components:
        _components[name] = st.components.v2.component(name, **kw)
    return _components[name]


def network_picture(svg: str, key=PICTURE, on_click=on_picture_click):
    """Show the network SVG; clicking a neuron calls ``on_click`` (by default it selects it, ``on_picture_click``),
    with "layer,neuron" in ``st.session_state[key]["chosen"]``."""
    mount = _component("draw_network_picture", js=_PICTURE_JS, css=_PICTURE_CSS, isolate_styles=False)
    mount(data={"svg": svg}, key=key, on_chosen_change=on_click,
          width="stretch", height="content")


def hide_canvas_toolbar():
    """The canvas's own toolbar is hidden: the page's Undo and Clear keep its history right."""
    canvas.hide_toolbar(CANVAS)
