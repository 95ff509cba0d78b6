"""Choosing an input to feed the networks: a test image, the visitor's last drawing, blank, or noise."""
from __future__ import annotations

import numpy as np
import streamlit as st

from . import data, figures


def choose_input(prefix: str, show=True):
    """Widgets to pick an input; returns (x (784,) float32, label or None, a short description)."""
    tests = data.test_set()
    options = (["test image"] if tests is not None else []) + \
              (["my drawing"] if "last_drawing" in st.session_state else []) + ["blank", "noise"]
    source = st.segmented_control("Input", options, key=f"{prefix}_source", required=True,
                                  default=options[0]) or options[0]
    label = None
    if source == "test image":
        index = st.number_input("Test image #", 0, len(tests.labels) - 1, 0, key=f"{prefix}_index")
        x, label, text = tests.x[index], int(tests.labels[index]), f"test image #{index} (a {int(tests.labels[index])})"
    elif source == "my drawing":
        x, text = st.session_state["last_drawing"].reshape(784), "your last drawing"
    elif source == "blank":
        x, text = np.zeros(784, np.float32), "a blank image"
    else:
        seed = st.number_input("Noise seed", 0, 10**6, 0, key=f"{prefix}_seed")
        x, text = np.random.default_rng(seed).random(784).astype(np.float32), f"random noise (seed {seed})"
    if show:
        st.image(figures.gray_image(x.reshape(28, 28), 112), caption=text, width=112)
    return x, label, text
