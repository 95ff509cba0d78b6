"""Steps 6-9 of the lesson: counting the parameters, the layer as one matrix product, learning, sigmoid or ReLU.

As in ui/lesson_steps.py: each ``step_n(model_name)`` draws the live widget and the task; the check runs on the
server (src.lesson) from this module's session keys and the session's networks.
"""
from __future__ import annotations

import streamlit as st

from src import lesson as L

from . import data, parameters_pictures, race, state
from . import lesson

# --- session keys of steps 6-9 ---------------------------------------------------------------------------
COUNT = "lesson_count_{}_{}"   # step 6: the count typed for (layer, 'weights' | 'biases')
TOTAL = "lesson_count_total"   # step 6: the total typed
SHAPE = "lesson_shape_{}_{}"   # step 7: the shape picked for (layer, name in SHAPE_KEYS)
SHAPE_KEYS = {"W": "W", "a": "a", "b": "b", "a'": "a_next"}  # a' as a key part that CSS class names take
ZERO_LAYER = "lesson_zero_layer"  # step 8: the layer zeroed and rebuilt
REBUILD = "lesson_rebuild"     # step 8: neurons picked to restore
MESSAGE = "lesson_more_msg"    # step 8: what the last edit did
SAID = "lesson_said"           # step 9: which learned faster, as the learner says

DEFAULTS = {TOTAL: None, ZERO_LAYER: 1, REBUILD: [], MESSAGE: (None, None), SAID: None}
FASTER = {"sigmoid": "Sigmoid", "relu": "ReLU", "tie": "About the same"}


def init():
    state.init_defaults(DEFAULTS)
    race.init()


def _text(*paragraphs):
    for p in paragraphs:
        st.markdown(p)


# --- step 6 -----------------------------------------------------------------------------------------------

def counted_answers(net) -> dict:
    answers = {(l, what): st.session_state.get(COUNT.format(l, what))
               for l in range(1, len(net.weights) + 1) for what in ("weights", "biases")}
    answers["total"] = st.session_state.get(TOTAL)
    return answers


def check_6(model_name):
    net = state.network(model_name)
    return L.check_counts(net, counted_answers(net))


def step_6(model_name):
    net = state.network(model_name)
    sizes = net.sizes
    _text("Every connection between two neighbouring layers has its own weight, and every neuron past the input "
          "has its own bias. How many numbers is that?",
          f"Layers of {', '.join(map(str, sizes))} neurons. Count them for each layer: a weight for every pair "
          "(neuron of this layer, neuron of the layer before), a bias for every neuron of this layer.")
    for l in range(1, len(net.weights) + 1):  # both counts of a layer side by side, on a phone too
        st.markdown(f"**Layer {l}**: {sizes[l - 1]} → {sizes[l]} neurons")
        with st.container(horizontal=True, key=f"lesson_count_row_{l}"):
            st.number_input("weights", 0, 10**7, value=None, key=COUNT.format(l, "weights"), placeholder="?",
                            width=150)
            st.number_input("biases", 0, 10**7, value=None, key=COUNT.format(l, "biases"), placeholder="?",
                            width=150)
    st.number_input("All of them together", 0, 10**8, key=TOTAL, placeholder="?", width=200)
    lesson.check_box(6, "fill in every count and the total; the app counts the arrays of the network itself.",
                     lambda: check_6(model_name))


# --- step 7 -----------------------------------------------------------------------------------------------

def check_7(model_name):
    answers = {(l, name): st.session_state.get(SHAPE.format(l, SHAPE_KEYS[name]))
               for l in L.SHAPE_LAYERS for name in ("W", "a", "b", "a'")}
    return L.check_shapes(state.network(model_name), answers)


def step_7(model_name):
    net = state.network(model_name)
    _text("Writing every sum out one neuron at a time is tiring. Put the layer's activations in a column "
          "**a**, each neuron's weights in one row of a matrix **W**, the biases in a column **b**, and the whole "
          "layer is one line:",
          "$$a' = \\sigma(W a + b)$$",
          "Row *j* of **W** times **a** is neuron *j*'s weighted sum. Libraries compute exactly this, fast. "
          "What are the shapes, in this network?")
    choices = L.shape_choices(net)
    x = state.last_drawing()
    for l in L.SHAPE_LAYERS:
        st.markdown(f"**Layer {l}**: {net.sizes[l - 1]} neurons → {net.sizes[l]} neurons")
        with st.container(horizontal=True, key=f"lesson_shape_row_{l}"):  # two a row on a phone, four wider
            for name in ("W", "a", "b", "a'"):
                st.selectbox(name, choices, index=None, key=SHAPE.format(l, SHAPE_KEYS[name]),
                             placeholder="rows x columns", width=165)
    if x is not None:
        fw = net.forward(x.reshape(-1))
        st.caption(f"With your last drawing: W(1) a + b for the first layer gives "
                   f"{fw.z(1).size} numbers, the first three {', '.join(f'{v:.2f}' for v in fw.z(1)[:3])}.")
    last = len(net.weights)
    st.image(parameters_pictures.matrix_image(net.weight(last))[0], width=320,
             caption=f"W of layer {last} as a picture: one row per neuron of the layer ({net.sizes[last]}), one "
                     f"column per neuron before it ({net.sizes[last - 1]}); blue +, red −")
    lesson.check_box(7, f"pick the shape of W, a, b and a' for layers {' and '.join(map(str, L.SHAPE_LAYERS))}.",
                     lambda: check_7(model_name))


# --- step 8 -----------------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def _zeroed_accuracy(name: str, layer: int, mtime: float) -> float | None:
    tests = data.test_set()
    if tests is None:
        return None
    return L.zeroed(data.shipped(name), layer).accuracy(tests.x, tests.labels)


def zeroed_accuracy(name: str, layer: int) -> float | None:
    return _zeroed_accuracy(name, layer, data.WEIGHTS[name].stat().st_mtime)


def zero(model_name):
    layer = int(st.session_state[ZERO_LAYER])
    lesson.apply_edit(MESSAGE, lambda: state.tuning(model_name).log.zero_layer(layer), f"Layer {layer} is all zeros.")


def rebuild(model_name):
    layer, log = int(st.session_state[ZERO_LAYER]), state.tuning(model_name).log
    picked = [int(j) for j in st.session_state[REBUILD] or [] if 0 <= int(j) < log.net.sizes[layer]]
    for j in picked:
        lesson.apply_edit(MESSAGE, lambda j=j: log.revert_neuron(layer, j), f"Rebuilt neurons {', '.join(map(str, picked))} of layer {layer}.")
    st.session_state[REBUILD] = []


def check_8(model_name):
    tests = data.test_set()
    if tests is None:
        return L.Result(False, "This step needs the MNIST test images.")
    t = state.tuning(model_name)
    layer = int(st.session_state[ZERO_LAYER])
    return L.check_rebuilt(t.log.net, t.log.trained, layer, tests.x, tests.labels,
                           zeroed_accuracy(model_name, layer))


def step_8(model_name):
    t = state.tuning(model_name)
    net, scorer = t.log.net, t.scorer
    _text(f"Learning means finding good values for all **{net.num_parameters:,}** weights and biases. How much "
          "does any of them matter? Wipe out a whole layer (every weight and bias set to 0) and watch the "
          "accuracy on the 10,000 test images fall. Then put some of it back, neuron by neuron, and watch it "
          "climb.",
          "Doing this for all 13,002 numbers by hand is hopeless: that is why the network has to *learn* them.")
    if scorer is None:
        st.info("This step needs the MNIST test images (see the note at the top).")
        return
    layer = st.selectbox("Layer", list(range(1, len(net.weights) + 1)), key=ZERO_LAYER,
                         format_func=lambda l: f"layer {l} ({net.sizes[l - 1]} → {net.sizes[l]})")
    trained_acc, zero_acc = data.test_accuracy(model_name), zeroed_accuracy(model_name, layer)
    with st.container(horizontal=True, key="lesson_scores"):
        st.metric("Accuracy now", f"{scorer.accuracy:.1%}", width="content")
        st.metric("Trained", f"{trained_acc:.1%}", width="content")
        st.metric(f"Layer {layer} zeroed", f"{zero_acc:.1%}", width="content")
        st.metric("Neurons still zero", f"{L.zero_neurons(net, layer)} of {net.sizes[layer]}", width="content")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(f"Zero layer {layer}", key="lesson_zero", on_click=zero, args=(model_name,),
                  icon=":material/delete_sweep:")
        st.multiselect("Neurons to rebuild (their trained values)", list(range(net.sizes[layer])), key=REBUILD)
        st.button("Rebuild them", key="lesson_rebuild_btn", on_click=rebuild, args=(model_name,),
                  icon=":material/construction:", disabled=not st.session_state[REBUILD])
    kind, text = st.session_state[MESSAGE]
    if kind:
        getattr(st, kind)(text)
    st.caption("Or rebuild by hand with the brush on the Hand-tune page (same copy of the network).")
    lesson.check_box(8, f"zero a layer, then rebuild some of it: keep at least half of its neurons at zero and get "
                        f"the accuracy at least {L.MIN_REBUILT:.0%} above the zeroed layer's.",
                     lambda: check_8(model_name))


# --- step 9 -----------------------------------------------------------------------------------------------

def race_accuracy() -> dict | None:
    """The accuracy curves of this session's last finished race (trained on this server), or None."""
    run = st.session_state.get(race.RUN)
    if run is None or run.running or run.result is None:
        return None
    return {k: list(v) for k, v in run.result.accuracy.items()}


def check_9():
    return L.check_race(race_accuracy(), st.session_state[SAID])


def step_9(model_name):
    del model_name
    _text("The lesson's network squashes every sum with the **sigmoid**, an S-curve from 0 to 1. Modern networks "
          "mostly use **ReLU**, max(0, z): it is simpler, and deep networks train better with it.",
          "See for yourself: train two copies of the same network from the same start, one with each, on the "
          "same images, and watch their accuracy.")
    race.section()  # the Sigmoid vs ReLU page's race: a full rerun when it ends brings the check below up to date
    st.radio("Which learned faster on your run?", list(FASTER), format_func=FASTER.get, key=SAID, horizontal=True,
             index=None)
    lesson.check_box(9, f"run a race and say which learned faster: the one with the higher mean accuracy over the "
                        f"race (within {L.TIE:.0%}: about the same).", check_9,
                     None if race_accuracy() else "Run a race first.")
