"""The weight grid of a first-layer neuron: its picture, its colour scale, and what a stroke on it does.

The grid is a ``ui.canvas.StrokeCanvas``. Under the Brush tool each stroke is one weight edit; under the Exact
tool a click (or a tap) chooses the pixel whose weight the tool sets; under the other tools it is a picture.
On a touch screen a finger scrolls the page across it, and paints only after a tap on the grid.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src import templates
from src.network import SIDE
from src.preprocess import resize

from .. import canvas, figures, state, theme
from .actions import act
from .keys import BRUSH_MODE, BRUSH_PX, BRUSH_STRENGTH, CANVAS, COL, LAYER, NEURON, ROW, value

GRID_PX = 280          # the weight grid on screen: 10 px a cell
PRESENTER_GRID_PX = 448  # in the presenter view: 16 px a cell, readable from the back of a room
COLOUR_PERCENTILE = 99.0


def grid_px() -> int:
    return PRESENTER_GRID_PX if state.presenting() else GRID_PX


# --- what a stroke does ------------------------------------------------------------------------------------

def paint(alpha, name, neuron) -> bool:
    """A brush stroke, as the canvas's alpha (H, W) in [0, 1], becomes one edit of ``neuron``'s 784 weights."""
    coverage = np.clip(resize(alpha, SIDE, SIDE) / alpha.max(), 0, 1)
    log = state.tuning(name).log
    strength, mode = float(value(BRUSH_STRENGTH)), value(BRUSH_MODE)
    w = templates.brush(coverage, log.net.weight(1)[neuron], strength, mode)
    return act("Brush", lambda: log.set_row(1, neuron, w, f"painted ({mode} {strength:+g})")) is not None


def pick(alpha, *_) -> bool:
    """A click on the grid under the Exact tool chooses the pixel under it (the row and column boxes follow)."""
    cell = canvas.alpha_centre(alpha, SIDE)
    if cell is None:
        return False
    st.session_state[ROW], st.session_state[COL] = cell
    return True


BRUSH_CANVAS = canvas.StrokeCanvas(CANVAS, paint, container="tune_grid")
PICK_CANVAS = canvas.StrokeCanvas(f"{CANVAS}_pick", pick, container="tune_grid")


def pending_stroke(name):
    """Apply a stroke that no callback has applied (none in a browser; AppTest sets the canvas's value)."""
    layer, neuron = st.session_state.get(LAYER), st.session_state.get(NEURON)
    if layer == 1 and isinstance(neuron, int) and 0 <= neuron < state.tuning(name).log.net.sizes[1]:
        BRUSH_CANVAS.take(name, neuron)
        PICK_CANVAS.take()


def brush_width() -> int:
    """The stroke width on the canvas, from the slider's current value (never a copy of it written later in
    the run, which lagged one rerun behind)."""
    return int(value(BRUSH_PX)) * grid_px() // SIDE


def brush_colour() -> str:
    rgb = theme.BLUE if float(value(BRUSH_STRENGTH)) >= 0 else theme.RED
    return "rgba(%d,%d,%d,0.6)" % tuple(int(v) for v in rgb)


# --- the picture ---------------------------------------------------------------------------------------------

def colour_limit(trained_w, q=COLOUR_PERCENTILE) -> float:
    """The |w| shown at full colour: a high percentile of the trained neuron's |w|. One weight painted to 5
    saturates instead of dimming all the others, and the scale stays put while the neuron is edited."""
    a = np.abs(np.asarray(trained_w, dtype=np.float64))
    limit = float(np.percentile(a, q)) if a.size else 0.0
    return limit if limit > 1e-6 else max(float(a.max(initial=0.0)), 1.0)


def grid_image(w, limit, mark=None, px=GRID_PX) -> np.ndarray:
    """A neuron's 784 weights as a ``px`` x ``px`` RGB image (beyond ±limit saturated); ``mark`` = (row, col)
    outlines that cell in the highlight colour."""
    img = figures.signed_image(np.asarray(w).reshape(SIDE, SIDE), limit, px)
    if mark is None:
        return img
    return figures.outline_cells(img, [int(mark[0]) * SIDE + int(mark[1])], SIDE)


def legend_html(limit, px=GRID_PX) -> str:
    """The grid's colour scale as one block: the signed colour strip and its numbers (saturated beyond)."""
    bar = figures.png_data_uri(figures.legend_bar(px, 10))
    return (f"<div class='tune-legend' style='width:{px}px;max-width:100%'><img src='{bar}' width='{px}' "
            f"height='10' style='display:block;max-width:100%' alt='colour scale'/>"
            f"<div style='display:flex;justify-content:space-between'>"
            f"<span>≤ −{limit:.2f}</span><span>0</span><span>≥ +{limit:.2f}</span></div></div>")


def draw_grid(w, limit, name, neuron, tool_is_brush: bool, tool_is_exact: bool):
    """The grid as the open tool wants it: a brush canvas, a pixel picker, or a picture."""
    px = grid_px()
    mark = (int(value(ROW)), int(value(COL))) if tool_is_exact else None
    background = figures.png(grid_image(w, limit, mark, px))
    with st.container(key="tune_grid"):
        if tool_is_brush:
            BRUSH_CANVAS.draw(background, px, brush_width(), brush_colour(), args=(name, neuron))
        elif tool_is_exact:
            PICK_CANVAS.draw(background, px, max(6, px // SIDE), "rgba(255,190,60,0.9)", mode="point")
        else:
            st.image(background, width=px)
        st.html(legend_html(limit, px))
