"""Choosing an input to feed the networks: a test image, the visitor's last drawing, blank, or noise.

Several pages use it, each with its own key prefix. Without MNIST there is no "test image": the choice is
the visitor's drawing (once there is one), a blank image or noise. The test image number and the noise seed
are kept for the session, so switching to another source and back (or leaving the page) does not reset them.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.network import SIDE
from src.words import a

from . import data, figures, state

PIXELS = SIDE * SIDE
TEST, DRAWING, BLANK, NOISE = "test image", "my drawing", "blank", "noise"


def keys(prefix: str) -> dict:
    """This chooser's widget keys on the page with key prefix ``prefix``."""
    return {"source": f"{prefix}_source", "index": f"{prefix}_index", "seed": f"{prefix}_seed"}


def sources(has_tests: bool, has_drawing: bool) -> list:
    """The inputs there are: a test image only with MNIST, the drawing only once there is one."""
    return ([TEST] if has_tests else []) + ([DRAWING] if has_drawing else []) + [BLANK, NOISE]


def make_input(source: str, tests=None, index: int = 0, seed: int = 0, drawing=None):
    """The input for a choice: (x (784,) float32 in [0, 1], label or None, a short description)."""
    if source == TEST:
        label = int(tests.labels[index])
        return tests.x[index], label, f"test image #{index} ({a(label)})"
    if source == DRAWING:
        return np.asarray(drawing, np.float32).reshape(PIXELS), None, "your last drawing"
    if source == NOISE:
        return np.random.default_rng(seed).random(PIXELS).astype(np.float32), None, f"random noise (seed {seed})"
    return np.zeros(PIXELS, np.float32), None, "a blank image"


def choose_input(prefix: str, show=True):
    """Widgets to pick an input; returns (x (784,) float32, label or None, a short description)."""
    k = keys(prefix)
    tests, drawing = data.test_set(), state.last_drawing()
    options = sources(tests is not None, drawing is not None)
    if st.session_state.get(k["source"]) not in options:
        st.session_state[k["source"]] = options[0]  # e.g. MNIST went away: fall back rather than fail
    source = st.segmented_control("Input", options, key=k["source"], required=True, persist_state="session", wrap=True,
                                  help=None if tests is not None else
                                  "No MNIST test images on this server: draw a digit on the Draw page, "
                                  "or use a blank image or noise.") or options[0]
    index = seed = 0
    if source == TEST:
        index = st.number_input("Test image #", 0, len(tests.labels) - 1, key=k["index"], persist_state="session")
    elif source == NOISE:
        seed = st.number_input("Noise seed", 0, 10**6, key=k["seed"], persist_state="session")
    x, label, text = make_input(source, tests, int(index), int(seed), drawing)
    if show:
        st.image(figures.gray_image(x.reshape(SIDE, SIDE), 112), caption=text, width=112)
    return x, label, text
