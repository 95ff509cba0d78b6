"""The Draw & classify page's own state, callbacks and computations (pages/1_draw.py only lays them out).

Session keys are the constants below, with their defaults in ``DEFAULTS``. What crosses pages (the model, the
edited copy, the last drawing) goes through ``ui.state``. The server canvas and its history of drawings are
ui.draw_canvas'; the page's pictures (network, output and weight bars) ui.figures'.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.network import SIDE, close_call

from . import components, data, instant, state

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
PEN_DEFAULT, PEN_RANGE = 20, (6, 40)

DEFAULTS = {SOURCE: "instant", TEST_INDEX: 0, NOISE_SEED: 0, PEN: PEN_DEFAULT, CENTRE: True, LAYER: 1, NEURON: 0,
            DETAILS: False, HISTORY: (), INITIAL: EMPTY, SEEN: None}


def init():
    state.init_defaults(DEFAULTS)


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
        return np.zeros((SIDE, SIDE), np.float32)
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
    """(SIDE, SIDE) float32, every pixel uniform in [0, 1)."""
    return np.random.default_rng(seed).random((SIDE, SIDE)).astype(np.float32)


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
    b = float(net.bias(layer)[neuron])
    z = float(forward.z(layer)[neuron])
    return z - b, b, z, float(forward.a(layer)[neuron])


# A network picture that reports clicks: the SVG (numbers only, made by ui.figures.network_svg) is put in place
# by ui/draw_picture.js, and a click on a neuron sends "layer,neuron" back as a one-off trigger.
_PICTURE_CSS = ".draw-net circle { cursor: pointer; } .draw-net circle:hover { stroke: #FF8C42; stroke-width: 2.5; }"

# On a phone the columns stack: a shorter title, less space above it and a compact answer box keep the answer on
# screen under the canvas after drawing (issue 11: visible without scrolling on 390x844).
PAGE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.75rem; padding-top: 0; }
}
</style>"""


def network_picture(svg: str, key=PICTURE, on_click=on_picture_click):
    """Show the network SVG; clicking a neuron calls ``on_click`` (by default it selects it, ``on_picture_click``),
    with "layer,neuron" in ``st.session_state[key]["chosen"]``."""
    mount = components.component("draw_network_picture", "draw_picture.js", css=_PICTURE_CSS)
    mount(data={"svg": svg}, key=key, on_chosen_change=on_click,
          width="stretch", height="content")
