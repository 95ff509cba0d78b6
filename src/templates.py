"""Weight patterns for a first-layer neuron, the lesson's thought experiment: paint the 28x28 grid of a
neuron's incoming weights so that it detects an edge, a loop, or a blob.

Each template returns a (28, 28) array in [-1, 1]: positive (blue) where ink should be, negative (red)
in the surround where ink should not be, so a uniform smear of ink does not excite the neuron.
"""
from __future__ import annotations

import numpy as np

from .network import MAX_PARAMETER, SIDE

MID = SIDE // 2  # the middle row and column, where a template is centred unless told otherwise


def _grid(row, col):
    r, c = np.indices((SIDE, SIDE), dtype=np.float64)
    return r - row, c - col


def _band(d, width, surround):
    """+1 within |d| < width/2, -1 in the next ``surround`` pixels on either side, 0 beyond."""
    a = np.abs(d)
    return np.where(a < width / 2, 1.0, np.where(a < width / 2 + surround, -1.0, 0.0))


def edge(angle_deg, row=MID, col=MID, length=14, width=3, surround=3):
    """A straight stroke through (row, col) at ``angle_deg`` (0 horizontal, 90 vertical), flanked by
    negative weights: the lesson's edge detector."""
    dr, dc = _grid(row, col)
    t = np.deg2rad(angle_deg)
    along = dc * np.cos(t) - dr * np.sin(t)
    across = dc * np.sin(t) + dr * np.cos(t)
    return np.where(np.abs(along) <= length / 2, _band(across, width, surround), 0.0)


def loop(row=MID, col=MID, radius=6, width=3, surround=2):
    """A ring (the top of a 9, the loop of a 6): positive on the ring, negative inside and just outside."""
    dr, dc = _grid(row, col)
    d = np.hypot(dr, dc) - radius
    w = _band(d, width, surround)
    w[np.hypot(dr, dc) < radius - width / 2] = -1.0  # the hole must be empty
    return w


def blob(row=MID, col=MID, radius=4):
    """A soft round blob: responds to ink anywhere near (row, col)."""
    dr, dc = _grid(row, col)
    return np.exp(-(dr ** 2 + dc ** 2) / (2 * radius ** 2))


TEMPLATES = {
    "horizontal edge": lambda **k: edge(0, **k),
    "vertical edge": lambda **k: edge(90, **k),
    "diagonal edge /": lambda **k: edge(45, **k),
    "diagonal edge \\": lambda **k: edge(-45, **k),
    "loop": lambda **k: loop(**k),
    "blob": lambda **k: blob(**k),
}


def make(name, row=MID, col=MID, strength=1.0):
    """Template ``name`` centred at (row, col), scaled by ``strength``, as 784 weights within
    ±MAX_PARAMETER (the largest value a parameter may hold)."""
    if name not in TEMPLATES:
        raise ValueError(f"unknown template {name!r}: choose one of {list(TEMPLATES)}")
    return np.clip(strength * TEMPLATES[name](row=row, col=col), -MAX_PARAMETER, MAX_PARAMETER).reshape(SIDE * SIDE)


def brush(coverage, weights, strength, mode="add"):
    """Apply a brush stroke to a neuron's 784 weights.

    ``coverage`` (28, 28) in [0, 1] is how much of each cell the stroke covered. ``add``: each weight
    moves by strength x coverage. ``set``: weights of cells at least half covered become ``strength``.
    The result, (784,) float64, stays within ±MAX_PARAMETER: a weight already at the limit saturates.
    """
    coverage = np.clip(np.asarray(coverage, dtype=np.float64).reshape(SIDE * SIDE), 0, 1)
    w = np.asarray(weights, dtype=np.float64).reshape(SIDE * SIDE)
    if mode == "add":
        new = w + strength * coverage
    elif mode == "set":
        new = np.where(coverage >= 0.5, strength, w)
    else:
        raise ValueError(f"unknown brush mode {mode!r}")
    return np.clip(new, -MAX_PARAMETER, MAX_PARAMETER)
