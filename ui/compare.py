"""The Sigmoid vs ReLU page: its session keys, which networks it shows, and its sections.

The page (pages/3_sigmoid_vs_relu.py) lists the sections; this module and its parts draw them: the two
functions and both models reading one input (here, with the SVG drawings of ui.compare_svg), the further
sections about the trained models (ui.compare_stats) and the race (ui.race). What crosses pages (this
session's hand-edited copies, the presenter view) is read through ui.state.

The sidebar offers no model choice here: the page always shows both. Where the visitor has hand-edited a
model, the functions and the side-by-side use the edited copy (switchable on the page); the training curves,
the race and the test-set statistics are about the trained models.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.network import close_call

from . import compare_stats, compare_svg, data, inputs, race, state

NAMES = tuple(data.MODEL_LABELS)  # ('sigmoid', 'relu')

# --- this page's session keys, with their defaults (the race's are ui.race's) ----------------------------------
INPUT_PREFIX = "cmp"        # ui.inputs.choose_input's keys: cmp_source, cmp_index, cmp_seed
LAYER = "cmp_layer"         # the hidden layer whose neuron is marked on the curves (1 .. L-1)
NEURON = "cmp_neuron"       # that neuron
OWN_Z = "cmp_z"             # a z of the visitor's own, marked on both curves (None: none)
MORE = "cmp_more"           # which further section is open (None: none; a section is drawn only when open)
LESSON_Z = "cmp_lesson_z"   # a button (no state of its own to default)

DEFAULTS = {LAYER: 1, NEURON: 0, OWN_Z: None, MORE: None}

# The further sections, behind one click each (each Plotly figure costs the browser time to draw).
SECTIONS = {"training": "How they trained", "race": "A race", "inside": "Inside the hidden layers",
            "accuracy": "Accuracy per digit"}
LESSON_Z_VALUE = -1000.0    # the lesson: σ(-1000) is very close to 0
MAX_OWN_Z = 1e6             # a z typed in is kept within ±1e6 (the largest weight allowed is 1e6 too)


def init():
    state.init_defaults(DEFAULTS)
    race.init()


def use_lesson_z():
    """The lesson's example button: put z = -1000 on the curves."""
    st.session_state[OWN_Z] = LESSON_Z_VALUE


# --- which networks: trained, or this session's hand-edited copy -------------------------------------------
def has_edited_copy() -> bool:
    return any(state.edited_copy(name) is not None for name in NAMES)


def networks() -> dict:
    """{name: network} for the functions and the side-by-side: the edited copy where the visitor has one and
    the switch (ui.state's, shared with the other pages) is on, else the trained model."""
    return {name: state.network(name) for name in NAMES}


def label(name: str) -> str:
    return data.MODEL_LABELS[name] + (" (your edited copy)" if state.using_edits(name) else "")


def hidden_layers(net) -> list:
    """Hidden layers are 1 .. L-1, L = len(net.weights) the output layer."""
    return list(range(1, len(net.weights)))


def neuron_z(forward, layer: int, neuron: int) -> float:
    """The weighted sum z of ``neuron`` in ``layer`` (1-based) for one image's forward pass."""
    return float(forward.z(layer)[neuron])


def neuron_marks(forwards: dict, layer: int, neuron: int) -> dict:
    """{name: (z, label)}: where the chosen neuron sits on its model's curve."""
    return {name: (neuron_z(fw, layer, neuron), f"{data.MODEL_LABELS[name]} neuron {neuron}")
            for name, fw in forwards.items()}


def answer_text(name: str, output, truth) -> str:
    answer, pair = int(np.argmax(output)), close_call(output)
    return (f"**{label(name)}** answers **{answer}** (output {float(output[answer]):.2f})"
            + (f" · close call: {pair[0]} or {pair[1]}?" if pair else "")
            + ("" if truth is None else (" · right" if answer == truth else f" · wrong, it is a {truth}")))


# --- the sections ---------------------------------------------------------------------------------------------
def header():
    st.title(":material/compare: Sigmoid vs ReLU")
    st.caption("The lesson ends on a note: modern networks use ReLU, max(0, z), because sigmoid networks were hard "
               "to train. Here are both, the same layers, trained the same way, side by side.")


def the_two_functions(nets: dict) -> tuple:
    """The two curves with the chosen neuron (and the visitor's z) on them, and the table of worked values.
    Returns (the forward pass of each model on the chosen input, its label or None, the input in words)."""
    st.subheader("The two functions, and their slopes")
    left, right = st.columns([1, 2.6], gap="large")
    with left:
        x, truth, text = inputs.choose_input(INPUT_PREFIX)
        c1, c2 = st.columns(2)
        reference = nets["sigmoid"]
        layer = c1.selectbox("Hidden layer", hidden_layers(reference), key=LAYER, persist_state="session")
        neuron = c2.selectbox("Neuron", list(range(reference.sizes[layer])), key=NEURON, persist_state="session")
        own_z = st.number_input("Put any z on the curves", -MAX_OWN_Z, MAX_OWN_Z, value=None, step=1.0, format="%g",
                                placeholder="e.g. -1000", key=OWN_Z, persist_state="session")
        st.button("σ(−1000), the lesson's example", key=LESSON_Z, icon=":material/school:", on_click=use_lesson_z)
        if has_edited_copy() and not state.presenting():
            st.toggle("Use my hand-edited copy", key=state.USE_EDITS,
                      help="You have edited a model on the Hand-tune page; the curves and the side-by-side use it.")
    forwards = {name: net.forward(x) for name, net in nets.items()}
    marks = neuron_marks(forwards, layer, neuron)
    with right:
        for col, name in zip(st.columns(2), NAMES):
            with col.container(key=f"cmp_function_{name}"):
                st.image(compare_svg.functions_svg(name, marks, own_z), width="stretch")
        st.caption(f"The dot is where neuron {neuron} of hidden layer {layer} sits for {text}, in each model; the z "
                   "axis stretches to take it in. Where the sigmoid's slope is near 0 (saturated), almost no "
                   "learning signal passes back through it; ReLU's slope is 1 wherever it is on, and 0 where it is off.")
    with st.container(key="cmp_values"):
        st.table(compare_svg.worked_values())
        st.caption("σ(−1000) is not 0 but e⁻¹⁰⁰⁰ ≈ 5×10⁻⁴³⁵, so small that a computer's floats (and the slope) round "
                   "it to 0: a neuron that far out has stopped learning.")
    return forwards, truth, text


def both_models(forwards: dict, truth, text: str):
    """Each model's answer and activations for the same input, side by side."""
    st.subheader(f"Both models read {text}")
    for col, (name, fw) in zip(st.columns(2, gap="large"), forwards.items()):
        with col.container(key=f"cmp_answer_{name}", border=True):
            st.markdown(answer_text(name, fw.output, truth))
        with col.container(key=f"cmp_layers_{name}"):
            st.image(compare_svg.activations_svg(fw, name), width="stretch")


def more():
    """One further section at a time, drawn only when chosen."""
    chosen = st.segmented_control("More", list(SECTIONS), format_func=SECTIONS.get, key=MORE, persist_state="session",
                                  help="Each opens below; only the one you choose is drawn.")
    sections = {"training": compare_stats.training_section, "race": race.section,
                "inside": compare_stats.inside_section, "accuracy": compare_stats.accuracy_section}
    if chosen in sections:
        sections[chosen]()
    else:
        st.caption("Choose above: the training curves from the weights files, a live training race, what happens "
                   "inside the hidden layers, or the accuracy per digit.")
