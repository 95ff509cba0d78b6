"""Figures for the parameters page: the weight matrices, the layer computation, histograms, galleries."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import figures


def proportions_figure(rows):
    """One horizontal bar split by layer: how the parameters divide between the layers."""
    total = sum(r["total"] for r in rows)
    fig = go.Figure()
    shades = [figures.BLUE_CSS, "#F4D345", "rgb(252,98,85)", "#9CDE9F", "#C792EA", "#aaa"]
    for r, colour in zip(rows, shades * 10):
        share = r["total"] / total
        fig.add_trace(go.Bar(y=["parameters"], x=[r["total"]], orientation="h", name=f"layer {r['layer']}",
                             marker_color=colour, text=f"layer {r['layer']}: {r['total']:,} ({share:.1%})",
                             textposition="inside", insidetextanchor="middle",
                             hovertemplate=f"layer {r['layer']}: {r['total']:,} of {total:,} ({share:.1%})<extra></extra>"))
    fig.update_layout(barmode="stack", height=120, margin=dict(l=10, r=10, t=10, b=10), showlegend=False,
                      xaxis=dict(range=[0, total], title="parameters"), yaxis=dict(visible=False))
    return fig


def heat(values, title=None, height=None, width_px=None, signed=True, zmax=None):
    """A heatmap with an explicit colour scale (Streamlit's theme would otherwise override it)."""
    v = np.atleast_2d(np.asarray(values, dtype=float))
    zmax = zmax or (float(np.max(np.abs(v))) or 1.0)
    fig = go.Figure(go.Heatmap(
        z=v, colorscale=figures.SIGNED_SCALE if signed else "gray", zmid=0 if signed else None,
        zmin=-zmax if signed else 0, zmax=zmax, showscale=False,
        hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(height=height or max(60, 14 * v.shape[0] + 40), margin=dict(l=4, r=4, t=24 if title else 4, b=4),
                      title=dict(text=title, font=dict(size=12)) if title else None,
                      xaxis=dict(showticklabels=False), yaxis=dict(autorange="reversed", showticklabels=False))
    return fig


def histograms_figure(models, layer):
    """Weights and biases of one layer, for each model (name -> Network), overlaid."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"weights of layer {layer}", f"biases of layer {layer}"))
    colours = [figures.BLUE_CSS, "#F4D345"]
    for (name, net), colour in zip(models.items(), colours):
        for col, arr in ((1, net.weights[layer - 1]), (2, net.biases[layer - 1])):
            fig.add_trace(go.Histogram(x=arr.ravel(), name=name, marker_color=colour, opacity=0.6, nbinsx=60,
                                       showlegend=col == 1), 1, col)
    fig.update_layout(barmode="overlay", height=260, margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def summary_rows(models, layer):
    rows = []
    for name, net in models.items():
        for kind, arr in (("weights", net.weights[layer - 1]), ("biases", net.biases[layer - 1])):
            a = arr.astype(np.float64).ravel()
            rows.append({"model": name, "": kind, "count": a.size, "mean": round(a.mean(), 4),
                         "std": round(a.std(), 4), "min": round(a.min(), 4), "max": round(a.max(), 4),
                         "mean |·|": round(np.abs(a).mean(), 4), "share |·| < 0.01": f"{np.mean(np.abs(a) < 0.01):.1%}"})
    return rows


def gallery(images, limit=None, size=84, per_row=8, captions=None):
    """Several signed 28x28 images (rows of ``images``) tiled into one picture with a shared scale."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    limit = limit or float(np.max(np.abs(images))) or 1.0
    k, pad = size // 28, 6
    rows = -(-len(images) // per_row)
    out = np.full((rows * (28 * k + pad), per_row * (28 * k + pad), 3), 14, np.uint8)
    for n, img in enumerate(images):
        r, c = divmod(n, per_row)
        tile = figures.signed_image(img, limit, 28 * k)
        out[r * (28 * k + pad):r * (28 * k + pad) + tile.shape[0], c * (28 * k + pad):c * (28 * k + pad) + tile.shape[1]] = tile
    return out
