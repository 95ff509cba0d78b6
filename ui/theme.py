"""The app's colours, in one place, so that a colour means the same thing on every page.

Weights follow the lesson: positive blue rgb(88,196,221), negative red rgb(252,98,85), zero black.
Each activation has one colour of its own on every page; neither is blue or red, so a sigmoid curve is never
mistaken for a positive weight.
"""
from __future__ import annotations

import numpy as np

BLUE = np.array([88, 196, 221], dtype=np.float32)
RED = np.array([252, 98, 85], dtype=np.float32)
BLUE_CSS, RED_CSS = "rgb(88,196,221)", "rgb(252,98,85)"
GREY_CSS = "rgba(200,200,200,0.55)"
# What the eye should go to: the chosen neuron, the network's answer, a threshold line, "now" against "before".
HIGHLIGHT_CSS = "#FF8C42"
HIGHLIGHT = np.array([255, 140, 66], dtype=np.uint8)
# For Plotly heatmaps of signed values: red below zero, black at zero, blue above (always with zmid=0).
SIGNED_SCALE = [[0.0, RED_CSS], [0.5, "rgb(0,0,0)"], [1.0, BLUE_CSS]]

ACTIVATION_COLOURS = {"sigmoid": "#F4D345", "relu": "#C792EA"}
# For comparing any two networks that are not sigmoid-vs-ReLU (edited vs trained, uploaded vs trained).
PAIR_COLOURS = ("#83C167", "#AAAAAA")
