"""Pictures and summaries of a network's arrays for the Parameters page, bounded whatever the file's size: at
most ``MAX_NEURONS`` rows of a matrix or tiles of a gallery are drawn (the first ones, with a note), at most
``MAX_INPUTS`` columns, and the statistics and histograms read the arrays in place, in blocks (no float64 copy
of a large matrix). No session state here."""
from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from src.network import SIDE, Network

from . import figures, theme

# --- bounds on what is drawn or computed for one file, whatever its size --------------------------------
MAX_NEURONS = 64     # rows of a matrix image, tiles of a gallery, rows of a vector table
MAX_INPUTS = 1024    # columns of a matrix image
HIST_BINS = 60
_BLOCK = 1 << 20     # values per block when summarising a large array


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


# --- galleries -------------------------------------------------------------------------------------------
def gallery(images, limit=None, size=84, per_row=8, max_tiles=MAX_NEURONS):
    """The first ``max_tiles`` rows of ``images`` (each 784 values) as 28x28 tiles in one picture, one shared
    colour scale. Returns (image uint8, limit). The picture is at most ceil(max_tiles / per_row) tiles tall."""
    images = np.asarray(images)[:max_tiles].reshape(-1, SIDE, SIDE)
    limit = float(limit if limit is not None else np.max(np.abs(images), initial=0.0)) or 1.0
    k, pad = size // SIDE, 6
    step = SIDE * k + pad
    rows = -(-len(images) // per_row)
    out = np.full((rows * step, min(len(images), per_row) * step, 3), 14, np.uint8)
    for n, img in enumerate(images):
        r, c = divmod(n, per_row)
        tile = figures.signed_image(img, limit, SIDE * k)
        out[r * step:r * step + tile.shape[0], c * step:c * step + tile.shape[1]] = tile
    return out, limit


def projection(net: Network, max_rows=MAX_NEURONS) -> np.ndarray:
    """W(2) W(1) for the first ``max_rows`` neurons of layer 2: (rows, 784), each row a 28x28 picture.

    Only the rows shown are multiplied, so a wide second layer costs rows x n1 x 784, not n2 x n1 x 784."""
    return net.weight(2)[:max_rows] @ net.weight(1)


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
        for kind, arr in (("weights", net.weight(layer)), ("biases", net.bias(layer))):
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
    for col, pick in ((1, lambda n: n.weight(layer)), (2, lambda n: n.bias(layer))):
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
    wa, wb = nets[0].weight(layer), nets[1].weight(layer)
    return wa - wb if wa.shape == wb.shape else None
