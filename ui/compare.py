"""The Sigmoid vs ReLU page's state, callbacks, computations and figures.

The page (pages/3_sigmoid_vs_relu.py) only lays these out. Its session keys are the constants below, with
their defaults in ``DEFAULTS``. What crosses pages (this session's hand-edited copies, the presenter view)
is read through ui.state.

The sidebar offers no model choice here: the page always shows both. Where the visitor has hand-edited a
model, the functions and the side-by-side use the edited copy (switchable on the page); the training curves,
the race and the test-set statistics are about the trained models.
"""
from __future__ import annotations

import html
import math
import threading
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from src import mnist
from src import race as racing
from src import stats
from src.activations import relu, relu_prime, sigmoid, sigmoid_prime
from src.network import close_call

from . import data, state, theme

COLOURS = theme.ACTIVATION_COLOURS
NAMES = tuple(data.MODEL_LABELS)  # ('sigmoid', 'relu')

# --- this page's session keys, with their defaults ------------------------------------------------------
INPUT_PREFIX = "cmp"        # ui.inputs.choose_input's keys: cmp_source, cmp_index, cmp_seed
LAYER = "cmp_layer"         # the hidden layer whose neuron is marked on the curves (1 .. L-1)
NEURON = "cmp_neuron"       # that neuron
OWN_Z = "cmp_z"             # a z of the visitor's own, marked on both curves (None: none)
MORE = "cmp_more"           # which further section is open (None: none; a section is drawn only when open)
RACE_IMAGES = "race_images"
RACE_EPOCHS = "race_epochs"
RACE_OPTIMIZER = "race_optimizer"
RACE = "race_run"           # this session's RaceRun: the race running now, or the last one (None: none yet)
RACE_NOTE = "race_note"     # why the last Start did not start a race, or None
# Buttons (no state of their own to default)
RACE_START, RACE_STOP, LESSON_Z = "race_start", "race_stop", "cmp_lesson_z"

DEFAULTS = {LAYER: 1, NEURON: 0, OWN_Z: None, MORE: None, RACE_IMAGES: 5000, RACE_EPOCHS: 2,
            RACE_OPTIMIZER: "sgd", RACE: None, RACE_NOTE: None}

# The further sections, behind one click each (each Plotly figure costs the browser time to draw).
SECTIONS = {"training": "How they trained", "race": "A race", "inside": "Inside the hidden layers",
            "accuracy": "Accuracy per digit"}
RACE_IMAGE_CHOICES = [1000, 2000, 5000, 10000, 20000, 60000]
OPTIMIZERS = {"sgd": "plain SGD (lr 0.5)", "adam": "Adam (lr 0.003)"}
RACE_TEST_IMAGES = 2000     # the race scores on the first 2,000 test images
RACES_AT_ONCE = 2           # at most this many races train at once on the whole server
LESSON_Z_VALUE = -1000.0    # the lesson: σ(-1000) is very close to 0
MAX_OWN_Z = 1e6             # a z typed in is kept within ±1e6 (the largest weight allowed is 1e6 too)
FIXED_RANGE = 8.0           # the curves always show at least -8..8, and extend to take in every marked z
PLOT_CONFIG = {"displayModeBar": False}


def init():
    state.init_defaults(DEFAULTS)


def use_lesson_z():
    """The lesson's example button: put z = -1000 on the curves."""
    st.session_state[OWN_Z] = LESSON_Z_VALUE


def secondary_controls() -> bool:
    """Settings a teacher does not project (presenter view hides them)."""
    return not state.presenting()


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
    return float(forward.zs[layer - 1][neuron])


def neuron_marks(forwards: dict, layer: int, neuron: int) -> dict:
    """{name: (z, label)}: where the chosen neuron sits on its model's curve."""
    return {name: (neuron_z(fw, layer, neuron), f"{data.MODEL_LABELS[name]} neuron {neuron}")
            for name, fw in forwards.items()}


# --- exact values, however far out z is -------------------------------------------------------------------
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(log10_value: float) -> str:
    """A positive number given by its base-10 logarithm, as '5.08×10⁻⁴³⁵' (no underflow, any size)."""
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if mantissa >= 9.995:
        mantissa, exponent = 1.0, exponent + 1
    return f"{mantissa:.2f}×10{str(exponent).translate(_SUPERSCRIPT)}"


def _small(log10_value: float) -> str:
    """A number in (0, 1] from its log10: plain decimals down to 0.001, powers of ten below."""
    value = 10 ** log10_value
    return f"{value:.4f}".rstrip("0").rstrip(".") if value >= 1e-3 else _power_of_ten(log10_value)


def _log10_sigmoid(z: float) -> float:
    """log10 σ(z) = -log10(1 + e^-z), exact in float64 for any finite z."""
    return -float(np.logaddexp(0.0, -z)) / math.log(10)


def sigmoid_text(z: float) -> str:
    """σ(z) written exactly enough to read, for any z: σ(-1000) = '5.08×10⁻⁴³⁵', σ(1000) = '1 − 5.08×10⁻⁴³⁵'
    (float64 rounds both to 0 and 1)."""
    z = float(z)
    if z <= 0:
        return _small(_log10_sigmoid(z))
    rest = _log10_sigmoid(-z)  # 1 - σ(z) = σ(-z)
    return f"1 − {_small(rest)}" if 10 ** rest < 1e-3 else f"{1 - 10 ** rest:.4f}".rstrip("0").rstrip(".")


def sigmoid_slope_text(z: float) -> str:
    """σ'(z) = σ(z) σ(-z), from logarithms: the slope at z = ±1000 is 5.08×10⁻⁴³⁵, not 0."""
    return _small(_log10_sigmoid(float(z)) + _log10_sigmoid(-float(z)))


def number_text(v: float) -> str:
    """Four significant digits; whole numbers up to a million in full (1,000,000), no '-0'."""
    v = float(v) + 0.0  # -0.0 + 0.0 is 0.0
    if v.is_integer() and abs(v) <= 1e6:
        return f"{int(v):,}"
    return f"{v:,.4g}" if abs(v) < 1e5 else f"{v:.4g}"


def worked_values(zs=(-1000, -10, 0, 10, 1000)) -> list:
    """Rows of the table of worked values (strings, exact to the digits shown)."""
    return [{"z": number_text(z), "σ(z)": sigmoid_text(z), "slope of σ": sigmoid_slope_text(z),
             "ReLU(z)": number_text(max(z, 0)), "slope of ReLU": "1" if z > 0 else "0"} for z in zs]


# --- figures --------------------------------------------------------------------------------------------
def z_range(zs) -> tuple:
    """The z axis: -8..8, extended (with a margin) to take in every z in ``zs``."""
    zs = [float(z) for z in zs if z is not None]
    lo, hi = min([-FIXED_RANGE] + zs), max([FIXED_RANGE] + zs)
    pad = 0.06 * (hi - lo)
    return (lo - pad if lo < -FIXED_RANGE else lo, hi + pad if hi > FIXED_RANGE else hi)


# The first view draws no Plotly figure: the curves and the activations are SVG images (st.image), which a
# browser draws at once; Plotly (and its JavaScript) is loaded only when a section below is opened.
_INK, _MUTED, _GRID, _BOX = "#FAFAFA", "#A3A8B8", "rgba(250,250,250,0.13)", "rgba(14,17,23,0.92)"
_FONT = "font-family=\"Source Sans Pro, sans-serif\""


def nice_ticks(lo: float, hi: float, count: int = 5) -> list:
    """About ``count`` round tick values (1, 2 or 5 x 10^k apart) between lo and hi."""
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Mark:
    """A dot on a curve with its label: ``lines`` of text, the first in bold."""
    z: float
    y: float
    colour: str
    lines: list


def function_marks(name: str, marks: dict, own_z=None) -> list:
    """The dots for the ``name`` panel: that model's neuron (``marks[name]`` = (z, label)) and the visitor's z,
    each with its exact values (σ(-1000) = 5.08×10⁻⁴³⁵, not 0)."""
    f = sigmoid if name == "sigmoid" else relu
    here = [(float(z), text, COLOURS[name]) for n, (z, text) in marks.items() if n == name]
    if own_z is not None:
        here.append((float(own_z), "your z", theme.HIGHLIGHT_CSS))
    out = []
    for z, text, colour in here:
        if name == "sigmoid":
            values = [f"σ(z) = {sigmoid_text(z)}", f"slope {sigmoid_slope_text(z)}"]
        else:
            values = [f"ReLU(z) = {number_text(max(z, 0.0))}", f"slope {'1' if z > 0 else '0'}"]
        out.append(Mark(z, float(f(np.float64(z))), colour, [f"{text}: z = {number_text(z)}"] + values))
    return out


def functions_svg(name: str, marks: dict, own_z=None, width=380, height=300) -> str:
    """One activation (``name``) and its slope as an SVG, on a z axis that takes in every marked z.

    ``marks`` = {model name: (z, label)} (only this panel's model is drawn), ``own_z`` a z of the visitor's.
    Each dot has its label in a box of its own, with a line to it: nothing is clipped however far out z is."""
    zs = [z for z, _ in marks.values()] + ([own_z] if own_z is not None else [])
    lo, hi = z_range(zs)
    colour = COLOURS[name]
    if name == "sigmoid":
        f, df, y_lo, y_hi = sigmoid, sigmoid_prime, -0.12, 1.25
        title = "sigmoid σ(z) and its slope"
    else:
        top = max(FIXED_RANGE, max([0.0] + [float(z) for z in zs])) * 1.12
        f, df, y_lo, y_hi = relu, relu_prime, -0.06 * top, top
        title = "ReLU(z) = max(0, z) and its slope"
    left, right, top_px, bottom = 46, 14, 34, 46
    pw, ph = width - left - right, height - top_px - bottom

    def px(z):
        return left + (z - lo) / (hi - lo) * pw

    def py(y):
        return top_px + (y_hi - y) / (y_hi - y_lo) * ph

    grid = np.unique(np.concatenate([np.linspace(-FIXED_RANGE, FIXED_RANGE, 241), np.linspace(lo, hi, 241)]))
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" {_FONT} font-size="13">',
             f'<defs><clipPath id="plot"><rect x="{left}" y="{top_px}" width="{pw}" height="{ph}"/></clipPath></defs>',
             f'<text x="{width / 2}" y="18" fill="{_INK}" text-anchor="middle" font-size="15">{_esc(title)}</text>']
    for t in nice_ticks(y_lo, y_hi, 4):
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{_GRID}"/>'
                     f'<text x="{left - 6}" y="{py(t) + 4:.1f}" fill="{_MUTED}" text-anchor="end">{number_text(t)}</text>')
    for t in nice_ticks(lo, hi, 5):
        parts.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{top_px}" y2="{top_px + ph}" stroke="{_GRID}"/>'
                     f'<text x="{px(t):.1f}" y="{top_px + ph + 16}" fill="{_MUTED}" text-anchor="middle">'
                     f'{number_text(t)}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 8}" fill="{_MUTED}" text-anchor="middle">'
                 'z, the weighted sum plus the bias</text>')
    for values, dash, words in ((f(grid), "", "value"), (df(grid), ' stroke-dasharray="5 4"', "slope")):
        points = " ".join(f"{px(z):.1f},{py(v):.1f}" for z, v in zip(grid, values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{3 if not dash else 2}"'
                     f'{dash} clip-path="url(#plot)"><title>{words}</title></polyline>')
    # legend: solid = the function, dashed = its slope
    parts.append(f'<line x1="{left + 8}" x2="{left + 30}" y1="{top_px + 10}" y2="{top_px + 10}" stroke="{colour}" '
                 f'stroke-width="3"/><text x="{left + 34}" y="{top_px + 14}" fill="{_MUTED}" font-size="12">value</text>'
                 f'<line x1="{left + 76}" x2="{left + 98}" y1="{top_px + 10}" y2="{top_px + 10}" stroke="{colour}" '
                 f'stroke-width="2" stroke-dasharray="5 4"/><text x="{left + 102}" y="{top_px + 14}" fill="{_MUTED}" '
                 'font-size="12">slope</text>')
    for k, m in enumerate(function_marks(name, marks, own_z)):
        box_w = 14 + 6.6 * max(len(line) for line in m.lines)
        box_h = 8 + 16 * len(m.lines)
        # its own slot, in the half of the panel away from the dot, stacked: no two labels overlap
        bx = left + (0.04 * pw if px(m.z) > left + pw / 2 else pw - box_w - 0.04 * pw)
        by = top_px + 26 + k * (box_h + 8)
        dot_x, dot_y = px(m.z), py(m.y)
        near_x = min(max(dot_x, bx), bx + box_w)
        near_y = min(max(dot_y, by), by + box_h)
        parts.append(f'<g class="mark" data-z="{m.z!r}" data-y="{m.y!r}">'
                     f'<line x1="{near_x:.1f}" y1="{near_y:.1f}" x2="{dot_x:.1f}" y2="{dot_y:.1f}" stroke="{m.colour}" '
                     f'stroke-width="1.5"/>'
                     f'<circle cx="{dot_x:.1f}" cy="{dot_y:.1f}" r="6.5" fill="white" stroke="{m.colour}" stroke-width="3"/>'
                     f'<rect x="{bx:.1f}" y="{by:.1f}" width="{box_w:.1f}" height="{box_h}" rx="4" fill="{_BOX}" '
                     f'stroke="{m.colour}"/>')
        for i, line in enumerate(m.lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            parts.append(f'<text x="{bx + 7:.1f}" y="{by + 18 + 16 * i:.1f}" fill="{_INK}"{weight}>{_esc(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def activations_svg(forward, name: str, width=440, row_height=104) -> str:
    """One model's activations for one input, as bars: every hidden layer and the output, one row each."""
    layers = forward.activations[1:]
    height = row_height * len(layers) + 6
    colour = COLOURS[name]
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" {_FONT} font-size="11">']
    left, right = 34, 6
    for r, a in enumerate(layers):
        a = np.asarray(a, dtype=np.float64)
        last = r == len(layers) - 1
        top = max(1.0, float(a.max())) if not last and name == "relu" else 1.0  # ReLU has no ceiling
        y0 = r * row_height + 22
        h = row_height - 44
        title = "output" if last else f"hidden layer {r + 1}"
        parts.append(f'<text x="{left}" y="{y0 - 7}" fill="{_INK}" font-size="13">{title}</text>'
                     f'<text x="{left - 4}" y="{y0 + 4}" fill="{_MUTED}" text-anchor="end">{number_text(round(top, 1))}</text>'
                     f'<text x="{left - 4}" y="{y0 + h + 3}" fill="{_MUTED}" text-anchor="end">0</text>'
                     f'<line x1="{left}" x2="{width - right}" y1="{y0 + h}" y2="{y0 + h}" stroke="{_GRID}"/>')
        slot = (width - left - right) / len(a)
        for i, v in enumerate(a):
            bh = max(0.0, min(v / top, 1.0)) * h
            x = left + i * slot
            parts.append(f'<rect x="{x + slot * 0.12:.1f}" y="{y0 + h - bh:.1f}" width="{slot * 0.76:.1f}" '
                         f'height="{bh:.1f}" fill="{colour}"><title>neuron {i}: a = {v:.3f}</title></rect>'
                         f'<text x="{x + slot / 2:.1f}" y="{y0 + h + 13}" fill="{_MUTED}" text-anchor="middle">{i}</text>')
    parts.append("</svg>")
    return "".join(parts)


def curves_figure(series: dict, x_title="epoch") -> go.Figure:
    """Loss and test accuracy of both models: ``series`` = {name: (x, loss, accuracy in [0, 1])}."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "test accuracy"))
    for name, (x, loss, acc) in series.items():
        fig.add_trace(go.Scatter(x=x, y=loss, name=data.MODEL_LABELS[name], mode="lines+markers",
                                 line=dict(color=COLOURS[name])), 1, 1)
        fig.add_trace(go.Scatter(x=x, y=[a * 100 if a is not None else None for a in acc], mode="lines+markers",
                                 name=data.MODEL_LABELS[name], line=dict(color=COLOURS[name]), showlegend=False), 1, 2)
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="%", row=1, col=2)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.3))
    return fig


def training_curves(nets: dict) -> dict:
    """{name: (epochs, loss, test accuracy)} from each weights file's meta (no MNIST needed)."""
    out = {}
    for name, net in nets.items():
        c = net.meta.get("curves") if isinstance(net.meta, dict) else None
        if isinstance(c, dict) and all(isinstance(c.get(k), list) for k in ("epoch", "loss", "test_accuracy")):
            out[name] = (c["epoch"], c["loss"], c["test_accuracy"])
    return out


_INITS = {"xavier": "Xavier", "he": "He", "normal": "N(0, 1)"}


def training_recipe(nets: dict) -> str:
    """How the models were trained, from their files' meta: the settings they share, then where they differ.
    E.g. 'adam (lr 0.003), cosine schedule, 60 epochs, batch 64, seed 0, ±5° augmentation; Sigmoid: Xavier
    initialisation, ReLU: He initialisation'."""
    recipes = {name: net.meta.get("training") for name, net in nets.items()}
    if not all(isinstance(r, dict) for r in recipes.values()):
        return "not recorded in the weights files"

    def describe(r, key):
        value = r.get(key)
        return {"optimizer": f"{value} (lr {r.get('lr')})", "schedule": f"{value} schedule", "epochs": f"{value} epochs",
                "batch_size": f"batch {value}", "seed": f"seed {value}",
                "init": f"{_INITS.get(value, value)} initialisation",
                "augment_degrees": f"±{value:g}° augmentation" if isinstance(value, (int, float)) and value else "no "
                "augmentation"}[key]

    keys = ("optimizer", "schedule", "epochs", "batch_size", "seed", "augment_degrees", "init")
    same = [k for k in keys if len({str(r.get(k)) for r in recipes.values()}) == 1]
    differ = [k for k in keys if k not in same]
    text = ", ".join(describe(next(iter(recipes.values())), k) for k in same)
    for k in differ:
        text += "; " + ", ".join(f"{data.MODEL_LABELS[n]}: {describe(r, k)}" for n, r in recipes.items())
    return text


def gradient_figure(insides: dict) -> go.Figure:
    fig = go.Figure()
    for name, r in insides.items():
        for when, dash, words in (("grad_init", "dot", "at initialisation"), ("grad_trained", "solid", "trained")):
            fig.add_trace(go.Scatter(x=[f"layer {l}" for l in range(1, len(r[when]) + 1)], y=r[when],
                                     name=f"{data.MODEL_LABELS[name]}, {words}", mode="lines+markers",
                                     line=dict(color=COLOURS[name], dash=dash)))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis=dict(type="log", dtick=1, exponentformat="power", title="RMS of ∂C/∂W"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


# --- statistics over the test set: stored beside the weights, checked by hash ---------------------------------
@st.cache_resource(show_spinner="Measuring what each network does inside…")
def _inside(name: str, mtime: float, have_tests: bool):
    # Stored in weights/<name>.stats.json with the weights file's SHA-256 (src.stats): read, not computed,
    # so the first visitor waits for nothing. Recomputed (and stored again) only when the weights changed.
    tests = data.test_set() if have_tests else None
    found, how = stats.stored_or_computed(data.WEIGHTS[name], data.shipped(name),
                                          (tests.x, tests.labels) if tests is not None else None)
    return found


def inside(name: str) -> dict | None:
    """Saturation / dead units over the test set and gradient sizes per layer of the trained model ``name``
    (src.stats.summarise); None when neither stored nor computable (no MNIST)."""
    path = data.WEIGHTS[name]
    found = _inside(name, path.stat().st_mtime, False)
    if found is None and data.test_set() is not None:
        found = _inside(name, path.stat().st_mtime, True)
    return found


def inside_rows(insides: dict) -> list:
    """The table: one row per hidden layer, sigmoid's saturation and ReLU's off share and dead units."""
    s, r = insides["sigmoid"], insides["relu"]
    rows = []
    for st_row, si_row, rt_row, ri_row in zip(s["trained"], s["at_initialisation"], r["trained"],
                                              r["at_initialisation"]):
        rows.append({"hidden layer": st_row["layer"],
                     "sigmoid saturated": f"{st_row['saturated']:.1%}",
                     "sigmoid at initialisation": f"{si_row['saturated']:.1%}",
                     "sigmoid units never above 0.05": len(st_row["dead"]),
                     "ReLU off (a = 0)": f"{rt_row['off']:.1%}",
                     "ReLU at initialisation": f"{ri_row['off']:.1%}",
                     "ReLU dead units": len(rt_row["dead"])})
    return rows


def gradient_ratio(inside_stats: dict) -> float:
    """First layer's gradient over the last layer's, at initialisation."""
    g = inside_stats["grad_init"]
    return g[0] / g[-1]


def disagreements(predictions: dict, labels) -> dict:
    """Where the two models answer differently: indices and who is right there."""
    s, r = predictions["sigmoid"], predictions["relu"]
    idx = np.flatnonzero(s != r)
    s_right, r_right = int(np.sum(s[idx] == labels[idx])), int(np.sum(r[idx] == labels[idx]))
    return {"indices": idx, "sigmoid_right": s_right, "relu_right": r_right,
            "neither": int(len(idx)) - s_right - r_right}


def answer_text(name: str, output, truth) -> str:
    answer, pair = int(np.argmax(output)), close_call(output)
    return (f"**{label(name)}** answers **{answer}** (output {float(output[answer]):.2f})"
            + (f" · close call: {pair[0]} or {pair[1]}?" if pair else "")
            + ("" if truth is None else (" · right" if answer == truth else f" · wrong, it is a {truth}")))


# --- the race: trained in a background thread, stopped by a real signal -------------------------------------
@st.cache_resource
def race_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(RACES_AT_ONCE)


class RaceRun:
    """One visitor's race, trained in a background thread (src.race.race) while the page shows its progress.

    ``stop()`` sets the event the trainer checks after every step, so Stop ends the training itself, not
    just the page's script. The thread never touches Streamlit; the page reads ``snapshot()``."""

    def __init__(self, n_images: int, epochs: int, optimizer: str):
        self.settings = (int(n_images), int(epochs), optimizer)
        self.stop_signal = threading.Event()
        self._lock = threading.Lock()
        self._curves = None
        self._done = 0.0
        self.result: racing.RaceResult | None = None
        self.failed: str | None = None
        self.thread: threading.Thread | None = None

    def start(self, images, labels, x_test, test_labels, slot: threading.BoundedSemaphore):
        """Train in a thread; it releases ``slot`` (already acquired) when it ends."""
        n_images, epochs, optimizer = self.settings
        max_seconds = racing.MAX_SECONDS

        def work():
            try:
                self.result = racing.race(images, labels, x_test, test_labels, n_images=n_images, epochs=epochs,
                                          optimizer=optimizer, on_checkpoint=self._checkpoint,
                                          should_stop=self.stop_signal.is_set, max_seconds=max_seconds)
                self._checkpoint(self.result, self.result.fraction_done)
            except Exception:  # noqa: BLE001 - a race that fails says so on the page, never kills the server
                self.failed = "The race stopped with an error; try again."
            finally:
                slot.release()

        self.thread = threading.Thread(target=work, name="sigmoid-vs-relu race", daemon=True)
        self.thread.start()

    def _checkpoint(self, result: racing.RaceResult, fraction: float):
        with self._lock:
            self._curves = {"images": list(result.images_seen),
                            "acc": {k: list(v) for k, v in result.accuracy.items()},
                            "loss": {k: list(v) for k, v in result.loss.items()}}
            self._done = fraction

    def snapshot(self):
        """(curves dict or None, fraction done) as of the last checkpoint."""
        with self._lock:
            return self._curves, self._done

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def stop(self, wait: float = 5.0):
        """Ask the trainer to stop after its current step, and wait (a step takes milliseconds)."""
        self.stop_signal.set()
        if self.thread is not None:
            self.thread.join(wait)


def start_race():
    """Start button: a race with the chosen settings, unless one is running or the server is busy."""
    st.session_state[RACE_NOTE] = None
    current = st.session_state.get(RACE)
    if current is not None and current.running:
        return
    tests = data.test_set()
    try:
        images, labels = data.train_set()
    except (mnist.MnistError, OSError, ValueError):
        images = None
    if tests is None or images is None:
        st.session_state[RACE_NOTE] = ("The race needs the 60,000 MNIST training images and the test images, "
                                       "which this server does not have (see the note at the top).")
        return
    slot = race_slots()
    if not slot.acquire(blocking=False):
        st.session_state[RACE_NOTE] = ("Other visitors' races are using the server right now; try again in a "
                                       "few seconds.")
        return
    run = RaceRun(st.session_state[RACE_IMAGES], st.session_state[RACE_EPOCHS], st.session_state[RACE_OPTIMIZER])
    run.start(images, labels, tests.x[:RACE_TEST_IMAGES], tests.labels[:RACE_TEST_IMAGES], slot)
    st.session_state[RACE] = run


def stop_race():
    """Stop button: the trainer is told to stop (src.race checks the signal after every step)."""
    run = st.session_state.get(RACE)
    if run is not None:
        run.stop()


def race_summary(run: RaceRun) -> str:
    """What happened in a race that has ended, in one sentence."""
    if run.failed:
        return run.failed
    r = run.result
    n_images, epochs, optimizer = run.settings
    a_s, a_r = r.accuracy["sigmoid"][-1], r.accuracy["relu"][-1]
    scores = (f"**Sigmoid {a_s:.1%}**, **ReLU {a_r:.1%}** on {RACE_TEST_IMAGES:,} test images "
              f"({n_images:,} training images, {epochs} epoch{'s' if epochs > 1 else ''}, "
              f"{OPTIMIZERS[optimizer].split(' (')[0]}, {r.seconds:.1f} s)")
    if r.stopped == racing.STOPPED:
        return f"You stopped the race at {r.fraction_done:.0%}: {scores}."
    if r.stopped == racing.TIME_LIMIT:
        return (f"The race reached its time cap of {r.max_seconds:g} s at {r.fraction_done:.0%} and ended there "
                f"(a busy server trains more slowly): {scores}.")
    return f"Race finished: {scores}."


def race_figure(curves: dict) -> go.Figure:
    return curves_figure({k: (curves["images"], curves["loss"][k], curves["acc"][k]) for k in curves["acc"]},
                         "training images seen")


def _race_live():
    run = st.session_state.get(RACE)
    if run is None:
        return
    if not run.running:
        st.rerun()  # the race ended: draw the whole page again (Start back, the summary)
    curves, done = run.snapshot()
    with st.container(key="race_progress"):
        if curves:
            st.progress(min(done, 1.0), text=f"{done:.0%} · sigmoid {curves['acc']['sigmoid'][-1]:.1%} · "
                                             f"ReLU {curves['acc']['relu'][-1]:.1%}")
            st.plotly_chart(race_figure(curves), key="race_chart_live", config=PLOT_CONFIG)
        else:
            st.progress(0.0, text="starting…")


def show_race_progress():
    """While a race runs: its progress and curves, redrawn every second (a fragment; nothing else reruns)."""
    st.fragment(_race_live, run_every=1.0)()
