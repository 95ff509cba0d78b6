"""The lower half of Hand-tune: the bias as a threshold over the test images, and a closer look at what the
edits do (one view at a time)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.network import SIDE

from .. import data, figures, state, theme
from . import actions, charts
from .keys import (CHANGED, CLOSER, COMPARE, COMPARE_LAST, COMPARE_TRAINED, EXCITES, INPUT_INDEX, ONE_INPUT,
                   PER_DIGIT, SOURCE, THRESHOLD_EXAMPLE, closer_views)


def threshold(here, presenting: bool):
    """Where the weighted sums of all test images fall, and the bias as the threshold they must pass."""
    st.subheader("The bias is a threshold")
    th1, th2 = st.columns([2.2, 1], gap="large")
    with th1:
        if here.scorer is not None:
            s = here.scorer.z(here.layer)[:, here.neuron] - here.b
            curve = charts.activation_curve(here.net, here.layer)
            colour = theme.ACTIVATION_COLOURS[here.net.activation]
            with st.container(key="tune_threshold_wide"):
                st.image(charts.threshold_svg(s, here.b, curve, colour, font=16 if presenting else 11),
                         width="stretch")
            with st.container(key="tune_threshold_narrow"):  # a phone: fewer, larger words
                st.image(charts.threshold_svg(s, here.b, curve, colour, width=340, height=260, font=14),
                         width="stretch")
        else:
            st.caption("The weighted sums over the test images need MNIST (see the note above).")
    with th2:
        st.markdown(f"The neuron adds up its weighted inputs Σ w·a and then its bias b. It lights up once "
                    f"Σ + b > 0, that is once the sum passes **−b**, the dashed line. In the lesson's words, a "
                    f"neuron that should be *“only active when the weighted sum exceeds {THRESHOLD_EXAMPLE:g}”* "
                    f"has a bias of **−{THRESHOLD_EXAMPLE:g}**.")
        st.button(f"Try it: bias = −{THRESHOLD_EXAMPLE:g}", on_click=actions.set_bias, key="tune_threshold_example",
                  args=(here.model_name, here.layer, here.neuron, -THRESHOLD_EXAMPLE), icon=":material/show_chart:")


def one_input(net, layer, neuron):
    """The network on one input: a drawing from the draw page or a test image."""
    tests = data.test_set()
    drawing = state.last_drawing()
    sources = (["my drawing"] if drawing is not None else []) + (["test image"] if tests is not None else [])
    if not sources:
        st.info("Draw a digit on the draw page (or make MNIST available) to see a single input here.")
        return
    c1, c2 = st.columns([1, 2.2], gap="large")
    with c1:
        source = st.radio("Input", sources, horizontal=True, key=SOURCE)
        if source == "my drawing":
            x = drawing.reshape(-1)
        else:
            index = st.number_input("Test image #", 0, len(tests.labels) - 1, key=INPUT_INDEX)
            x = tests.x[index]
    fw = net.forward(x)
    with c2:
        st.image(figures.gray_image(x.reshape(SIDE, SIDE), 112), width=112)
        with st.container(key="tune_answer"):
            st.markdown(f"network answers **{int(np.argmax(fw.output))}** · this neuron's activation "
                        f"**{float(fw.a(layer)[neuron]):.3f}** (z = {float(fw.z(layer)[neuron]):.2f})")


def what_excites(scorer, layer, neuron):
    """The test images this neuron answers most and least to."""
    tests = data.test_set()
    acts = scorer.a(layer)[:, neuron]
    order = np.argsort(acts)
    st.markdown(f"**Test images that excite it most** (activation {acts[order[-1]]:.2f} … {acts[order[-12]]:.2f})")
    st.image(figures.thumbnails(tests.images, order[::-1][:12]))
    st.markdown(f"**…and least** ({acts[order[0]]:.2f} … {acts[order[11]]:.2f})")
    st.image(figures.thumbnails(tests.images, order[:12]))


def what_changed(scorer, model_name):
    """The test images the edits broke or fixed, and per-digit accuracy on request."""
    tests = data.test_set()
    trained_pred = data.test_predictions(model_name)
    compare = st.radio("Compare with", [COMPARE_TRAINED, COMPARE_LAST], horizontal=True, key=COMPARE)
    before = trained_pred if compare == COMPARE_TRAINED or scorer.before is None else scorer.before[0]
    broken, fixed = scorer.changed_since(before)
    with st.container(key="tune_changes"):
        st.markdown(f"Of all {len(tests.labels):,} test images, **{len(broken):,}** are newly wrong and "
                    f"**{len(fixed):,}** newly right.")
        if len(broken):
            st.caption("newly wrong (label→answer now)")
            st.image(charts.labelled_thumbnails(tests.images, broken[:24], tests.labels, scorer.predictions))
        if len(fixed):
            st.caption("newly right (label→answer now)")
            st.image(charts.labelled_thumbnails(tests.images, fixed[:24], tests.labels, scorer.predictions))
    if st.toggle("Accuracy per digit", key=PER_DIGIT):
        st.plotly_chart(figures.per_digit_bars({"trained": (scorer.per_digit(trained_pred), theme.GREY_CSS),
                                                "now": (scorer.per_digit(), theme.HIGHLIGHT_CSS)}),
                        key="tune_per_digit_chart", config={"displayModeBar": False})


@st.fragment
def closer_look(here):
    """One view at a time; choosing a view, an input or a comparison reruns only this part of the page."""
    scorer = here.scorer
    views = closer_views(scorer is not None)
    if st.session_state.get(CLOSER) not in views:
        st.session_state[CLOSER] = views[0]
    view = st.segmented_control("Look closer", views, key=CLOSER)
    if view == CHANGED:
        what_changed(scorer, here.model_name)
    elif view == EXCITES:
        what_excites(scorer, here.layer, here.neuron)
    elif view == ONE_INPUT:
        one_input(here.net, here.layer, here.neuron)
