"""The Parameters page's state, callbacks and computations: where a network's weights and biases live, each
layer's computation with its real numbers, the weights compared, pictures of the first layers, a what-if.

Everything is counted from the arrays (``net.sizes``, ``len(net.weights)``), so any legal weights file works,
and everything the page computes or draws is bounded whatever the file's size: at most ``MAX_NEURONS`` rows of
a matrix or tiles of a gallery are drawn (the first ones, with a note), at most ``MAX_INPUTS`` columns, and the
statistics and histograms read the arrays in place, in blocks (no float64 copy of a large matrix).

An upload is parsed once: the parsed network is kept in the session with the SHA-256 of the file's bytes, and
later reruns (any widget) reuse it instead of reading the file again.
"""
from __future__ import annotations

import hashlib
import html
import logging
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from src import weights_file
from src.network import Network, count_parameters

from . import data, figures, state, theme
from .text import clean

# --- this page's session keys, with their defaults --------------------------------------------------------
UPLOAD = "params_upload"            # the file uploader (a weights file to inspect instead of the model in use)
PARSED = "params_parsed"            # the last upload, parsed once: a Parsed
LAYER = "params_layer"              # the layer shown in "each layer, with its real dimensions"
INPUT = "params"                    # prefix of the input chooser's keys (ui.inputs)
HOVER = "params_hover"              # W as an interactive heatmap (colour bar, values on hover) instead of an image
SHOW_PROJECTION = "params_show_projection"  # the second layer projected back to pixels
SHOW_COMPARE = "params_show_compare"        # the histograms and statistics section
COMPARE = "params_compare"          # which pair of models to compare
COMPARE_LAYER = "params_compare_layer"
WHATIF = "params_whatif"            # hidden layer sizes typed into the what-if calculator

DEFAULTS = {PARSED: None, LAYER: 1, HOVER: False, SHOW_PROJECTION: False, SHOW_COMPARE: False,
            COMPARE_LAYER: 1}

# --- bounds on what is drawn or computed for one file, whatever its size --------------------------------
MAX_NEURONS = 64     # rows of a matrix image, tiles of a gallery, rows of a vector table
MAX_INPUTS = 1024    # columns of a matrix image
IMAGE_SIDE = 28      # the input images are 28x28: what a first-layer weight row can be drawn as
PIXELS = IMAGE_SIDE * IMAGE_SIDE
HIST_BINS = 60
_BLOCK = 1 << 20     # values per block when summarising a large array

log = logging.getLogger(__name__)


def init(model_name: str):
    """Every key of this page gets its default; the what-if starts from the hidden sizes of the trained model."""
    state.init_defaults(DEFAULTS)
    st.session_state.setdefault(WHATIF, ", ".join(map(str, data.shipped(model_name).sizes[1:-1])))


# --- the network shown: the model in use, or an uploaded file (parsed once) ---------------------------------
@dataclass(frozen=True)
class Parsed:
    """One uploaded file, parsed: ``net`` or, when it was refused, ``error`` (a message safe to show)."""
    sha256: str
    file_id: str | None
    net: Network | None
    error: str | None


def parse(content: bytes, file_id=None) -> Parsed:
    """Read a weights file's bytes; any exception becomes a plain message (no traceback, no server path)."""
    sha = weights_file_digest(content)
    try:
        return Parsed(sha, file_id, weights_file.load(content), None)
    except weights_file.WeightsFileError as e:
        return Parsed(sha, file_id, None, str(e))
    except Exception:  # noqa: BLE001 - whatever else a loader raises, the visitor sees one plain sentence
        log.exception("loading an uploaded weights file failed")
        return Parsed(sha, file_id, None, "the file could not be read as a weights file")


def weights_file_digest(content: bytes) -> str:
    """SHA-256 (hex) of a file's bytes: what an upload is remembered by."""
    return hashlib.sha256(content).hexdigest()


def parsed_upload(upload) -> Parsed | None:
    """The uploaded file parsed, once per file: kept in the session under its content's SHA-256.

    A rerun with the same upload (same file id) reuses it without hashing; the same bytes uploaded again are
    recognised by their hash. Only the last upload is kept, so a session holds at most one uploaded network."""
    if upload is None:
        st.session_state[PARSED] = None  # the visitor removed the file: free its network
        return None
    kept = st.session_state.get(PARSED)
    file_id = getattr(upload, "file_id", None)
    if kept is not None and file_id is not None and kept.file_id == file_id:
        return kept
    content = upload.getvalue()
    if kept is not None and kept.sha256 == weights_file_digest(content):
        kept = Parsed(kept.sha256, file_id, kept.net, kept.error)
    else:
        kept = parse(content, file_id)
    st.session_state[PARSED] = kept
    return kept


def source_label(model_name: str, uploaded: bool = False, edited: bool = False) -> str:
    """Markdown naming the network shown. Never the uploaded file's name: that is the visitor's text, and even
    escaped, Markdown turns a bare https://… or name@host in it into a live link (GFM autolinks); the page shows
    the name with ``file_name_text`` in a plain-text element instead."""
    if uploaded:
        return "the uploaded file"
    label = data.MODEL_LABELS[model_name]
    return f"your hand-edited {label} model" if edited else f"the {label} model"


def file_name_text(name: str) -> str:
    """An uploaded file's name for st.text (no Markdown at all): one line, no control characters, bounded."""
    return f"File: {clean(name, 120)}"


# --- where they live -----------------------------------------------------------------------------------------
def count_rows(net: Network) -> list:
    """The table of per-layer counts, plus a total row, all from the arrays."""
    rows, total = net.parameter_counts(), net.num_parameters
    out = [{"layer": str(r["layer"]), "from → to": f"{net.sizes[r['layer'] - 1]} → {net.sizes[r['layer']]}",
            "W shape": f"{r['shape'][0]}x{r['shape'][1]}", "weights": r["weights"], "biases": r["biases"],
            "layer total": r["total"], "share": f"{r['total'] / total:.1%}"} for r in rows]
    out.append({"layer": "all", "from → to": " → ".join(map(str, net.sizes)), "W shape": "",
                "weights": sum(r["weights"] for r in rows), "biases": sum(r["biases"] for r in rows),
                "layer total": total, "share": "100.0%"})
    return out


def sum_text(net: Network) -> str:
    """'12,560 + 272 + 170 = **13,002**': each layer's total and their sum."""
    return " + ".join(f"{r['total']:,}" for r in net.parameter_counts()) + f" = **{net.num_parameters:,}**"


def first_layer_text(net: Network) -> str:
    share = net.parameter_counts()[0]["total"] / net.num_parameters
    return (f"Layer 1 holds {share:.1%} of all parameters: one weight from every input to every first-layer "
            "neuron.")


def layer_colours(n_layers: int) -> list:
    """One shade of the lesson's blue per layer, from full (layer 1) to faint: CSS colours."""
    r, g, b = (int(c) for c in theme.BLUE)
    return [f"rgba({r},{g},{b},{a:.2f})" for a in np.linspace(1.0, 0.35, n_layers)]


def proportions_html(net: Network) -> str:
    """How the parameters divide between the layers: one bar, each layer's label in a legend beside it.

    The labels live outside the bar, so a layer holding 1% of the parameters is as readable as one holding 96%."""
    rows, total = net.parameter_counts(), net.num_parameters
    colours = layer_colours(len(rows))
    segments = "".join(
        f'<div title="layer {r["layer"]}: {r["total"]:,}" style="flex:{r["total"]} 0 0;min-width:3px;'
        f'background:{c};height:100%"></div>' for r, c in zip(rows, colours))
    legend = "".join(
        f'<span style="white-space:nowrap;margin-right:1.2em"><span style="display:inline-block;width:.8em;'
        f'height:.8em;background:{c};margin-right:.35em;vertical-align:middle;border:1px solid #666"></span>'
        f'layer {r["layer"]} ({net.sizes[r["layer"] - 1]} → {net.sizes[r["layer"]]}): '
        f'<b>{r["total"]:,}</b> ({r["total"] / total:.1%})</span>' for r, c in zip(rows, colours))
    return (f'<div class="params-proportions" style="font-size:.9rem;color:#ddd">'
            f'<div style="display:flex;gap:2px;height:22px;border-radius:3px;overflow:hidden">{segments}</div>'
            f'<div style="margin-top:.4em;line-height:1.8">{legend}</div></div>')


# --- pictures of numbers: images with a colour legend --------------------------------------------------------
def _css(rgb) -> str:
    return f"rgb({int(rgb[0])},{int(rgb[1])},{int(rgb[2])})"


def legend_html(limit: float, what: str = "", signed: bool = True) -> str:
    """The colour scale of an image, with its numbers: red -limit, black 0, blue +limit (or black 0 to white)."""
    if signed:
        stops = figures.signed_image(np.linspace(-1, 1, 21)[None, :], 1.0)[0]
        low, high = f"−{limit:.3g}", f"+{limit:.3g}"
    else:
        stops = figures.gray_image(np.linspace(0, 1, 11)[None, :])[0]
        stops = np.repeat(stops[:, None], 3, axis=1)
        low, high = "0", f"{limit:.3g}"
    gradient = ", ".join(_css(c) for c in stops)
    return (f'<div class="params-legend" style="display:flex;align-items:center;gap:.5em;font-size:.8rem;'
            f'color:#bbb;flex-wrap:wrap"><span>{low}</span><span style="display:inline-block;width:180px;'
            f'height:10px;border:1px solid #555;background:linear-gradient(to right, {gradient})"></span>'
            f'<span>{high}</span><span>{html.escape(what)}</span></div>')


def shown(n: int, limit: int, what: str) -> str | None:
    """A note when only the first ``limit`` of ``n`` things are drawn, else None."""
    return f"Showing the first {limit:,} of {n:,} {what}." if n > limit else None


def cell_sizes(rows: int, cols: int, width=800, height=200) -> tuple:
    """Pixels per row and per column: a wide matrix fills about width x height, a small one gets square cells
    up to 24 px (a 16x784 W is 192 px tall, a 16x16 one 384 px square)."""
    kx = max(1, min(24, width // max(cols, 1)))
    return max(2, min(24, max(height // max(rows, 1), kx))), kx


def matrix_image(values, limit=None, signed=True, max_rows=MAX_NEURONS, max_cols=MAX_INPUTS, cell=None):
    """A matrix (rows = neurons, columns = inputs) as an RGB image, at most max_rows x max_cols cells.

    Returns (image uint8 (h, w, 3), limit used for the colours)."""
    v = np.atleast_2d(np.asarray(values))[:max_rows, :max_cols]
    limit = float(limit if limit is not None else np.max(np.abs(v), initial=0.0)) or 1.0
    img = figures.signed_image(v, limit) if signed else \
        np.repeat(figures.gray_image(v / limit)[..., None], 3, axis=2)
    ky, kx = cell or cell_sizes(*v.shape)
    return np.repeat(np.repeat(img, ky, axis=0), kx, axis=1), limit


def input_strip(a_in, w) -> np.ndarray:
    """The layer's input a as one row of grey cells as wide as W's columns in ``matrix_image(w)``, so each input
    sits under the column of weights it multiplies. White is the largest activation (at least 1)."""
    shown = np.asarray(w).shape
    kx = cell_sizes(min(shown[0], MAX_NEURONS), min(shown[1], MAX_INPUTS))[1]
    limit = max(1.0, float(np.max(a_in, initial=0.0)))
    return matrix_image(np.asarray(a_in)[None, :], limit, signed=False, cell=(14, kx))[0]


def heat_figure(values, title: str, max_rows=MAX_NEURONS, max_cols=MAX_INPUTS) -> go.Figure:
    """An interactive heatmap of a signed matrix: a colour bar and each value on hover (first rows/columns only)."""
    v = np.atleast_2d(np.asarray(values, dtype=np.float32))[:max_rows, :max_cols]
    limit = float(np.max(np.abs(v), initial=0.0)) or 1.0
    fig = go.Figure(go.Heatmap(
        z=v, colorscale=theme.SIGNED_SCALE, zmid=0, zmin=-limit, zmax=limit,
        showscale=True, colorbar=dict(thickness=12, title=dict(text="weight", side="right")),
        hovertemplate="neuron %{y}, input %{x}: %{z:.4f}<extra></extra>"))
    fig.update_layout(height=max(160, min(600, 14 * v.shape[0] + 60)), margin=dict(l=40, r=10, t=30, b=30),
                      title=dict(text=title, font=dict(size=13)),
                      xaxis=dict(title="input"), yaxis=dict(autorange="reversed", title="neuron"))
    return fig


# --- the layer computation -------------------------------------------------------------------------------
def activation_name(net: Network, layer: int) -> str:
    """The function layer ``layer`` (1..L) applies: the output's for the last layer, else the hidden one."""
    if layer == len(net.weights):
        return "softmax" if net.output == "softmax" else "σ"
    return "σ" if net.activation == "sigmoid" else "ReLU"


def vector_rows(b, z, a, max_rows=MAX_NEURONS) -> list:
    """b, z = W a + b and a = f(z) side by side, one row per neuron (the first ``max_rows``)."""
    return [{"neuron": j, "b": float(b[j]), "z = W·a + b": float(z[j]), "a = f(z)": float(a[j])}
            for j in range(min(len(b), max_rows))]


def table_height(rows: int, row_px=35, most=600) -> int:
    """Pixels for a dataframe to show ``rows`` rows without scrolling (up to ``most``)."""
    return min(most, row_px * (rows + 1) + 3)


def example_text(layer: int, z, b, a, text: str) -> str:
    """One neuron's sum written out: the most active one."""
    j = int(np.argmax(a))
    return (f"For example neuron {j}, the most active: z = Σₖ W[{j},k]·a({layer - 1})ₖ + b[{j}] = "
            f"{float(z[j] - b[j]):.3f} + ({float(b[j]):.3f}) = **{float(z[j]):.3f}**, "
            f"and a({layer})[{j}] = **{float(a[j]):.3f}**. Input: {text}.")


def keep_valid(key: str, options: list, default):
    """Before a widget is drawn: reset its stored value when it is not among the (new) options."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


# --- galleries -------------------------------------------------------------------------------------------
def gallery(images, limit=None, size=84, per_row=8, max_tiles=MAX_NEURONS):
    """The first ``max_tiles`` rows of ``images`` (each 784 values) as 28x28 tiles in one picture, one shared
    colour scale. Returns (image uint8, limit). The picture is at most ceil(max_tiles / per_row) tiles tall."""
    images = np.asarray(images)[:max_tiles].reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    limit = float(limit if limit is not None else np.max(np.abs(images), initial=0.0)) or 1.0
    k, pad = size // IMAGE_SIDE, 6
    step = IMAGE_SIDE * k + pad
    rows = -(-len(images) // per_row)
    out = np.full((rows * step, min(len(images), per_row) * step, 3), 14, np.uint8)
    for n, img in enumerate(images):
        r, c = divmod(n, per_row)
        tile = figures.signed_image(img, limit, IMAGE_SIDE * k)
        out[r * step:r * step + tile.shape[0], c * step:c * step + tile.shape[1]] = tile
    return out, limit


def projection(net: Network, max_rows=MAX_NEURONS) -> np.ndarray:
    """W(2) W(1) for the first ``max_rows`` neurons of layer 2: (rows, 784), each row a 28x28 picture.

    Only the rows shown are multiplied, so a wide second layer costs rows x n1 x 784, not n2 x n1 x 784."""
    return net.weights[1][:max_rows] @ net.weights[0]


# --- comparing weights ----------------------------------------------------------------------------------
def compare_choices(model_name: str, edited: Network | None, uploaded: Network | None) -> dict:
    """{choice: {legend name: (network, colour)}}: the pairs that can be compared, in one place."""
    trained = data.shipped(model_name)
    label = data.MODEL_LABELS[model_name]
    choices = {"Sigmoid vs ReLU": {data.MODEL_LABELS[n]: (data.shipped(n), theme.ACTIVATION_COLOURS[n])
                                   for n in data.MODEL_LABELS}}
    if edited is not None:
        choices["Edited vs trained"] = {f"edited {label}": (edited, theme.PAIR_COLOURS[0]),
                                        f"trained {label}": (trained, theme.PAIR_COLOURS[1])}
    if uploaded is not None:
        if len(uploaded.weights) == len(trained.weights):
            choices["Uploaded file vs trained"] = {"uploaded file": (uploaded, theme.PAIR_COLOURS[0]),
                                                   f"trained {label}": (trained, theme.PAIR_COLOURS[1])}
        else:  # other depths: no layer-by-layer pair, but its own weights are worth seeing
            choices["Uploaded file"] = {"uploaded file": (uploaded, theme.PAIR_COLOURS[0])}
    return choices


def compared_layers(models: dict) -> list:
    """Layers 1..L that every compared model has."""
    return list(range(1, min(len(net.weights) for net, _ in models.values()) + 1))


def summary(arr) -> dict:
    """count, mean, std, min, max, mean |.| and share |.| < 0.01 of an array, exact, read in blocks:
    memory stays bounded by one block of float64 whatever the array's size."""
    flat = np.asarray(arr).reshape(-1)
    n = flat.size
    s = s2 = sabs = 0.0
    small = 0
    lo, hi = np.inf, -np.inf
    for start in range(0, n, _BLOCK):
        block = flat[start:start + _BLOCK].astype(np.float64)
        s += block.sum()
        s2 += np.dot(block, block)
        a = np.abs(block)
        sabs += a.sum()
        small += int(np.count_nonzero(a < 0.01))
        lo, hi = min(lo, block.min()), max(hi, block.max())
    mean = s / n if n else 0.0
    return {"count": n, "mean": mean, "std": float(np.sqrt(max(s2 / n - mean ** 2, 0.0))) if n else 0.0,
            "min": float(lo) if n else 0.0, "max": float(hi) if n else 0.0, "mean |·|": sabs / n if n else 0.0,
            "share |·| < 0.01": small / n if n else 0.0}


def summary_rows(models: dict, layer: int) -> list:
    rows = []
    for name, (net, _) in models.items():
        for kind, arr in (("weights", net.weights[layer - 1]), ("biases", net.biases[layer - 1])):
            s = summary(arr)
            rows.append({"model": name, "": kind, "count": s["count"],
                         **{k: round(float(s[k]), 4) for k in ("mean", "std", "min", "max", "mean |·|")},
                         "share |·| < 0.01": f"{s['share |·| < 0.01']:.1%}"})
    return rows


def _histogram(arrays, bins=None):
    """Counts of each array over shared bins (np.histogram reads in blocks: no copy of a large array).

    About 2 sqrt(n) bins for the largest array, 10 to HIST_BINS: 16 biases get 10 bins, not 60 mostly empty."""
    if bins is None:
        bins = int(np.clip(2 * np.sqrt(max(np.asarray(a).size for a in arrays)), 10, HIST_BINS))
    lo = min(float(a.min()) for a in arrays)
    hi = max(float(a.max()) for a in arrays)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    return edges, [np.histogram(np.asarray(a).reshape(-1), bins=edges)[0] for a in arrays]


def histograms_figure(models: dict, layer: int) -> go.Figure:
    """Weights and biases of one layer, each model in its colour, counted on the server: the figure holds
    at most 2 x HIST_BINS bars per model whatever the layer's size."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"weights of layer {layer}", f"biases of layer {layer}"))
    for col, pick in ((1, lambda n: n.weights[layer - 1]), (2, lambda n: n.biases[layer - 1])):
        edges, counts = _histogram([pick(net) for net, _ in models.values()])
        centres = (edges[:-1] + edges[1:]) / 2
        for (name, (_, colour)), c in zip(models.items(), counts):
            # step outlines, not overlaid bars: where two models overlap, each keeps its own colour
            fig.add_trace(go.Scatter(x=centres, y=c, name=name, mode="lines", line=dict(color=colour, width=2,
                                     shape="hvh"), showlegend=col == 1, legendgroup=name,
                                     hovertemplate=f"{name}: %{{y:,}} values near %{{x:.3f}}<extra></extra>"), 1, col)
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.2),
                      yaxis_title="count")
    return fig


def difference(models: dict, layer: int):
    """W of the first model minus W of the second for ``layer``, or None when the shapes differ."""
    nets = [net for net, _ in models.values()]
    if len(nets) < 2:
        return None
    wa, wb = nets[0].weights[layer - 1], nets[1].weights[layer - 1]
    return wa - wb if wa.shape == wb.shape else None


# --- what if: other sizes --------------------------------------------------------------------------------
def parse_hidden(text: str):
    """'16, 16' -> [16, 16]; None unless it is 0 to 20 whole numbers from 1 to 100,000."""
    try:
        hidden = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        return None
    return hidden if len(hidden) <= 20 and all(1 <= h <= 100_000 for h in hidden) else None


def whatif_text(hidden: list, reference: Network, reference_name: str) -> str:
    """The parameter count of the same inputs and outputs with other hidden sizes, against the reference."""
    sizes = [reference.sizes[0], *hidden, reference.sizes[-1]]
    counts = count_parameters(sizes)
    n = sum(w + b for w, b in counts)
    ref = reference.num_parameters
    return (f"**{' → '.join(map(str, sizes))}** has **{n:,}** parameters "
            f"({n / ref:.2f}x the {ref:,} of {reference_name}): "
            + " + ".join(f"({sizes[i]}x{sizes[i + 1]} + {b})" for i, (_, b) in enumerate(counts)))
