"""Hand-tune's session keys with their defaults, the choices its controls offer, and the last action's message.

Every key is read through ``value`` (the default when the session has none): a callback can run in a rerun
where the widget that owns a key was not drawn (a stroke on the grid while the Exact tool is open), and
Streamlit forgets a widget's value once it is not on the screen.
"""
from __future__ import annotations

import streamlit as st

from src import templates
from src.network import SIDE
from src.words import plural  # noqa: F401 - the page's words use it

from .. import state

# --- this page's session keys and their defaults --------------------------------------------------------
LAYER = "layer"                  # the neuron being edited, kept in the URL (?layer=1&neuron=3)
NEURON = "neuron"
TOOL = "tune_tool"               # which tool is open: a keyed choice, so an action never resets it
BRUSH_STRENGTH = "tune_brush_strength"
BRUSH_PX = "tune_brush_px"       # brush width in cells of the 28x28 grid
BRUSH_MODE = "tune_brush_mode"
CANVAS = "tune_brush"            # the grid's canvas (ui.canvas.StrokeCanvas: its keys start with this)
ROW, COL, FROM = "tune_row", "tune_col", "tune_k"
VALUE, BIAS = "tune_value", "tune_bias"
TEMPLATE, T_ROW, T_COL, T_STRENGTH = "tune_template", "tune_t_row", "tune_t_col", "tune_t_strength"
SCALE = "tune_scale"
SOURCE, INPUT_INDEX = "tune_source", "tune_input_index"
CLOSER = "tune_closer"           # which closer look is open (only that one is drawn)
COMPARE = "tune_compare"
PER_DIGIT = "tune_per_digit"
MESSAGE = "tune_message"         # (kind, text) of the last action, shown until the next one
UPLOAD_MESSAGE = "tune_upload_message"  # (kind, text) of the last upload, shown beside the uploader
LINK_DONE = "tune_link_done"     # the ?edits= code already applied (or written) in this session
LINK_MODEL = "tune_link_model"   # a link's model, chosen in the sidebar on the run after the link is opened
LINK_CACHE = "tune_link_cache"   # {(model, edit-log revision): (code or None, length)}: a link is made once
UPLOAD = "tune_upload"
UPLOADS = "tune_uploads"         # {SHA-256 of a file's bytes: ui.uploads.Parsed}, the last few uploads

BRUSH, EXACT, PATTERN, WHOLE = "Brush", "Exact", "Template", "Whole"  # short: four fit a phone's width
COMPARE_TRAINED, COMPARE_LAST = "the trained model", "before the last edit"
CHANGED, EXCITES, ONE_INPUT = "What changed", "What excites it", "One input"

DEFAULTS = {
    TOOL: BRUSH, BRUSH_STRENGTH: 1.0, BRUSH_PX: 2, BRUSH_MODE: "add",
    ROW: 14, COL: 14, FROM: 0, VALUE: "", BIAS: "",
    TEMPLATE: next(iter(templates.TEMPLATES)), T_ROW: templates.MID, T_COL: templates.MID, T_STRENGTH: 1.0, SCALE: 2.0,
    INPUT_INDEX: 0, CLOSER: CHANGED, COMPARE: COMPARE_TRAINED, PER_DIGIT: False,
    MESSAGE: (None, None), UPLOAD_MESSAGE: (None, None), LINK_DONE: None, LINK_CACHE: {}, UPLOADS: {},
}
THRESHOLD_EXAMPLE = 10.0  # the lesson: "only active when the weighted sum exceeds 10" is a bias of -10


def init():
    state.init_defaults(DEFAULTS)
    for key in (TOOL, CLOSER):  # a segmented control can be clicked off; keep one choice open
        if st.session_state[key] is None:
            st.session_state[key] = DEFAULTS[key]


def value(key):
    """This session's value of ``key``, or its default when the session has none (never a KeyError)."""
    got = st.session_state.get(key)
    return DEFAULTS.get(key) if got is None else got


# --- words and choices --------------------------------------------------------------------------------------

def layer_name(layer: int, n_layers: int) -> str:
    """Layers are counted 1..n_layers (the input is layer 0); the last is the output layer."""
    return "output layer" if layer == n_layers else f"hidden layer {layer}"


def closer_views(has_test_set: bool) -> list:
    """The closer looks the page offers: those over the test set need MNIST."""
    return [CHANGED, EXCITES, ONE_INPUT] if has_test_set else [ONE_INPUT]


def is_image_layer(layer: int, net) -> bool:
    """Whether a neuron of ``layer`` reads the pixels of a 28x28 image (so its weights are a grid)."""
    return layer == 1 and net.sizes[0] == SIDE ** 2


def tools_for(layer: int, net) -> list:
    return [BRUSH, EXACT, PATTERN, WHOLE] if is_image_layer(layer, net) else [EXACT, WHOLE]


# --- messages that survive the rerun an action causes ---------------------------------------------------

def say(kind, text, where=MESSAGE):
    """Show ``text`` as a ``kind`` ('success', 'error', 'info') message until the next action; ``where`` is
    the message's place (MESSAGE at the top of the page, UPLOAD_MESSAGE beside the uploader)."""
    st.session_state[MESSAGE] = (None, None)
    st.session_state[UPLOAD_MESSAGE] = (None, None)
    st.session_state[where] = (kind, text)


def message(where=MESSAGE):
    """(kind, text) of the last action's outcome shown at ``where``, or (None, None)."""
    got = st.session_state.get(where)
    return got if isinstance(got, tuple) and len(got) == 2 else (None, None)
