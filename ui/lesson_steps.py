"""Steps 1-5 of the lesson: what the network reads, its neurons, its layers, one neuron's weights and bias.

Each ``step_n(model_name)`` draws the step's live widget (the pages' own ui modules) and its task; the task's
check runs on the server (src.lesson) when the Check button is pressed, reading this module's session keys.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src import lesson as L
from src import templates
from src.network import SIDE

from . import data, draw, figures, inputs, parameters_pictures, state, theme
from . import hand_tune as ht
from . import lesson

# --- session keys of steps 1-5 --------------------------------------------------------------------------
DIGIT = "lesson_digit"        # step 1: the digit being drawn three ways
KEPT = "lesson_kept"          # step 1: tuple of kept drawings, (28, 28) float32 each, oldest first
CLICKED = "lesson_clicked"    # step 2: the output neuron chosen (a click on the picture, or the pills)
PICTURE = "lesson_picture"    # step 2: the clickable network picture
STRONGEST = "lesson_strongest"  # step 3: the first-layer neuron picked as responding most
NEURON = "lesson_neuron"      # steps 4-5: the first-layer neuron made into a detector
PATTERN = "lesson_pattern"    # step 4: the template painted
STRENGTH = "lesson_strength"  # step 4: its strength
BIAS = "lesson_bias"          # step 5: the bias typed in
MESSAGE = "lesson_edit_msg"   # steps 4-5: what the last edit did (kind, text)
DRAW_1, DRAW_2 = "lesson_draw1", "lesson_draw2"

DEFAULTS = {DIGIT: None, KEPT: (), CLICKED: None, STRONGEST: 0, NEURON: 0, PATTERN: "horizontal edge",
            STRENGTH: 1.0, BIAS: -L.THRESHOLD, MESSAGE: (None, None)}
SMALL = 84


def init():
    state.init_defaults(DEFAULTS)


def _text(*paragraphs):
    for p in paragraphs:
        st.markdown(p)


# --- step 1 -----------------------------------------------------------------------------------------------

def keep(digit):
    if digit is None:
        return
    kept = st.session_state[KEPT] + (np.asarray(digit, np.float32).reshape(SIDE, SIDE),)
    st.session_state[KEPT] = kept[-L.DRAWINGS_NEEDED:]
    lesson.clear_drawing(DRAW_1)


def forget():
    st.session_state[KEPT] = ()


def check_1(model_name):
    return L.check_drawings(state.network(model_name), st.session_state[KEPT], st.session_state[DIGIT])


def step_1(model_name):
    net = state.network(model_name)
    _text("To the network, a picture is nothing but **784 numbers**: a 28x28 grid of pixels, each a brightness "
          "from 0 (black) to 1 (white). Whatever you draw is shrunk to that grid, the way the MNIST digits were "
          "made, and those 784 numbers are all the network ever sees.",
          "People write the same digit in many ways. Try it: does the network still read it?")
    st.pills("The digit I will draw", list(range(10)), key=DIGIT)
    above = st.container()  # filled once the surface has answered: above it, in view while drawing on a phone
    x = lesson._draw(net, DRAW_1)
    with above:
        with st.container(horizontal=True, key="lesson_draw_tools", vertical_alignment="center"):
            st.button("Keep this drawing", key="lesson_keep", on_click=keep, args=(x,), disabled=x is None,
                      icon=":material/add_photo_alternate:", type="primary")
            st.button("Draw a new one", key="lesson_clear1", on_click=lesson.clear_drawing, args=(DRAW_1,),
                      icon=":material/delete:")
        with st.container(key="lesson_reading"):
            if x is not None:
                out = net.forward(x.reshape(-1)).output
                st.markdown(f"The network reads **{int(np.argmax(out))}** ({float(out.max()):.0%} sure).")
            else:
                st.caption("Draw a digit on the black square below, then keep it.")
            kept = st.session_state[KEPT]
            if kept:
                answers = net.predict(np.stack([k.reshape(-1) for k in kept]))
                with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                    for n, (img, a) in enumerate(zip(kept, answers), start=1):
                        st.image(figures.gray_image(img, 56), caption=f"#{n} read as {int(a)}", width=56)
                    st.button("Start again", key="lesson_forget", on_click=forget, icon=":material/restart_alt:")
    digit = st.session_state[DIGIT]
    lesson.check_box(1, f"choose a digit, then draw it {L.DRAWINGS_NEEDED} different ways and keep each drawing; "
                        f"the network must read all {L.DRAWINGS_NEEDED} as your digit.",
                     lambda: check_1(model_name), None if digit is not None else "Choose your digit first.")


# --- step 2 -----------------------------------------------------------------------------------------------

def on_click_neuron():
    """A neuron was clicked in the picture: an output neuron is the answer to check."""
    clicked = st.session_state.get(PICTURE)
    value = clicked.get("chosen") if hasattr(clicked, "get") else None
    choice = draw.parse_choice(value, state.network(state.model_name()).sizes)
    if choice is not None and choice[0] == len(state.network(state.model_name()).weights):
        st.session_state[CLICKED] = choice[1]


def step_2_input():
    """The image step 2 reads: the last drawing of this session, else the first MNIST test image."""
    drawing = state.last_drawing()
    if drawing is not None:
        return drawing.reshape(-1), "your last drawing"
    tests = data.test_set()
    if tests is not None:
        return tests.x[0], "MNIST test image #0 (draw in step 1 to use your own)"
    return None, None


def check_2(model_name):
    x, _ = step_2_input()
    if x is None:
        return L.Result(False, "Draw a digit first (step 1).")
    return L.check_output_neuron(state.network(model_name), x, st.session_state[CLICKED])


def step_2(model_name):
    net = state.network(model_name)
    _text("A **neuron** here is just a thing that holds a number between 0 and 1, its *activation*. The 784 "
          "pixels are the first layer's neurons. The last layer has **10 neurons, one per digit**: how much each "
          "lights up is how strongly the network thinks the image is that digit.",
          "In between sit two hidden layers of 16 neurons each. The picture shows every neuron lit by its "
          "activation for your drawing.")
    x, where = step_2_input()
    if x is None:
        st.info("Draw a digit in step 1 first.")
        return
    forward = net.forward(x)
    chosen = st.session_state[CLICKED]
    st.caption(f"The network reading {where}. Click a neuron of the right-hand column.")
    draw.network_picture(figures.network_svg(net, forward, chosen=(len(net.weights), chosen)
                                             if chosen is not None else None),
                         key=PICTURE, on_click=on_click_neuron)
    st.pills("Or pick the output neuron here", list(range(net.sizes[-1])), key=CLICKED)
    if chosen is not None:
        st.markdown(f"Output neuron **{chosen}** holds **{float(forward.output[chosen]):.3f}**.")
    lesson.check_box(2, "click the output neuron that lights up most for this image.", lambda: check_2(model_name),
                     None if chosen is not None else "Click an output neuron first.")


# --- step 3 -----------------------------------------------------------------------------------------------

def check_3(model_name):
    x, _, _ = inputs.make_input(*_step_3_choice())
    return L.check_strongest_neuron(state.network(model_name), x, st.session_state[STRONGEST])


def _step_3_choice():
    k = inputs.keys("lesson3")
    source = st.session_state.get(k["source"]) or inputs.BLANK
    return (source, data.test_set(), int(st.session_state.get(k["index"]) or 0),
            int(st.session_state.get(k["seed"]) or 0), state.last_drawing())


def step_3(model_name):
    net = state.network(model_name)
    _text("Why layers? The hope is that the first hidden layer picks out little **edges**, the second puts edges "
          "together into **loops and lines**, and the output puts those together into **digits**.",
          "Does it? Each first-layer neuron has one weight per pixel: drawn as a 28x28 picture (blue positive, red "
          "negative) it shows what the neuron looks for. Look at the 16 of them: few look like neat edges.")
    img, limit = parameters_pictures.gallery(net.weight(1), size=SMALL, per_row=8)
    st.image(img, caption=f"the 16 first-layer neurons' weights, 0-7 and 8-15 (full colour at ±{limit:.2f})")
    left, right = st.columns([1, 2], gap="medium")
    with left:
        x, _, text = inputs.choose_input("lesson3")
    with right:
        fw = net.forward(x)
        z = fw.z(1)
        st.selectbox("The first-layer neuron that responds most", list(range(net.sizes[1])), key=STRONGEST)
        j = int(st.session_state[STRONGEST])
        st.markdown(f"Neuron **{j}**: weighted sum z = **{float(z[j]):.2f}**, activation "
                    f"**{float(fw.a(1)[j]):.3f}**.")
        st.image(figures.signed_image(net.weight(1)[j].reshape(SIDE, SIDE), None, 112), width=112,
                 caption=f"neuron {j}'s weights")
    lesson.check_box(3, f"find the first-layer neuron with the largest weighted sum z on {text}.",
                     lambda: check_3(model_name))


# --- steps 4 and 5: one neuron -----------------------------------------------------------------------------

def paint(model_name):
    neuron = int(st.session_state[NEURON])
    w = templates.make(st.session_state[PATTERN], strength=float(st.session_state[STRENGTH]))
    lesson.apply_edit(MESSAGE, lambda: state.tuning(model_name).log.set_row(1, neuron, w, f"template {st.session_state[PATTERN]}"),
          f"Painted a {st.session_state[PATTERN]} into neuron {neuron}.")


def restore(model_name):
    neuron = int(st.session_state[NEURON])
    lesson.apply_edit(MESSAGE, lambda: state.tuning(model_name).log.revert_neuron(1, neuron), f"Neuron {neuron} has its trained weights back.")


def set_bias(model_name):
    neuron = int(st.session_state[NEURON])
    lesson.apply_edit(MESSAGE, lambda: state.tuning(model_name).log.set_bias(1, neuron, st.session_state[BIAS]),
          f"Neuron {neuron}'s bias is now {float(st.session_state[BIAS]):g}.")


def _show_edit_message():
    kind, text = st.session_state[MESSAGE]
    if kind:
        getattr(st, kind)(text)


def check_4(model_name):
    t = state.tuning(model_name)
    return L.check_edge_detector(t.log.net, t.log.trained, int(st.session_state[NEURON]))


def check_5(model_name):
    return L.check_threshold(state.tuning(model_name).log.net, int(st.session_state[NEURON]))


def neuron_picker(net):
    st.selectbox("First-layer neuron", list(range(net.sizes[1])), key=NEURON,
                 help="Your own copy of the model: the Hand-tune page shows the same copy.")


def step_4(model_name):
    t = state.tuning(model_name)
    net = t.log.net
    _text("Each connection into a neuron has a **weight**. A first-layer neuron multiplies every pixel by its "
          "weight and adds them up. Make the weights positive (blue) where you want ink and negative (red) "
          "around it, and the sum is large only when the ink is there: that neuron detects a pattern.",
          "Make one into a detector of a **horizontal edge**. You edit your own copy of the network.")
    neuron_picker(net)
    neuron = int(st.session_state[NEURON])
    left, right = st.columns([1, 1], gap="medium")
    with left:
        limit = ht.colour_limit(t.log.trained.weight(1)[neuron])
        st.image(ht.grid_image(net.weight(1)[neuron], limit), width=ht.GRID_PX,
                 caption=f"neuron {neuron}'s 784 weights (blue +, red −)")
    with right:
        st.selectbox("Pattern", list(templates.TEMPLATES), key=PATTERN)
        st.slider("Strength", 0.1, 5.0, step=0.1, key=STRENGTH)
        with st.container(horizontal=True):
            st.button("Paint it", key="lesson_paint", on_click=paint, args=(model_name,), icon=":material/brush:")
            st.button("Restore", key="lesson_restore", on_click=restore, args=(model_name,),
                      icon=":material/restart_alt:", help="Back to the trained weights")
        _show_edit_message()
        high, low = L.edge_activations(net, neuron)
        with st.container(horizontal=True, gap="small", key="lesson_bars"):
            st.image(figures.gray_image(L.HORIZONTAL_BAR.reshape(SIDE, SIDE), SMALL), width=SMALL,
                     caption=f"activation {high:.2f}")
            st.image(figures.gray_image(L.VERTICAL_BAR.reshape(SIDE, SIDE), SMALL), width=SMALL,
                     caption=f"activation {low:.2f}")
        st.caption("For finer work, paint with a brush on the Hand-tune page: it edits this same copy.")
    lesson.check_box(4, f"make neuron {neuron} answer the horizontal bar with an activation of at least "
                        f"{L.EDGE_HIGH} and the vertical bar with at most {L.EDGE_LOW}.", lambda: check_4(model_name))


def step_5(model_name):
    t = state.tuning(model_name)
    net, scorer = t.log.net, t.scorer
    _text("A neuron should light up only when its weighted sum is *large*, not merely above 0. The **bias** is "
          "a number added to the sum before squashing: a bias of −10 means the sum must pass 10 before the "
          "neuron becomes active. The bias is a threshold.",
          "The chart shows the neuron's weighted sums over the 10,000 test images and its threshold, the dashed "
          "line.")
    neuron_picker(net)
    neuron = int(st.session_state[NEURON])
    b = float(net.bias(1)[neuron])
    with st.form("lesson_bias_form", border=False):
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        c1.number_input("Bias", -1000.0, 1000.0, step=0.5, key=BIAS)
        c2.form_submit_button("Set bias", on_click=set_bias, args=(model_name,), key="lesson_set_bias")
    _show_edit_message()
    if scorer is not None:
        st.image(ht.threshold_svg(scorer.z(1)[:, neuron] - b, b, ht.activation_curve(net, 1),
                                  theme.ACTIVATION_COLOURS[net.activation]), width="stretch")
    else:
        st.caption(f"Neuron {neuron}'s bias is {b:.2f}: it turns on once its weighted sum passes {-b:.2f}. "
                   "(The chart needs the MNIST test images.)")
    lesson.check_box(5, f"make neuron {neuron} active only when its weighted sum exceeds {L.THRESHOLD:g}.",
                     lambda: check_5(model_name))
