"""The Probe page's pictures: images of 784 pixels (grey, a filmstrip, the fooled image with its changes
coloured) and the Plotly figures of each part (a climb's trace, the morph's outputs, the ranking of neurons,
the noise census). No session state here: ui.probe computes, this draws."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from src import probe
from src.network import SIDE

from . import figures, theme

IMAGE_PX = 6 * SIDE          # 168: the size the page shows a 28x28 image at
DIMMED = 160                 # the fooled image's full ink is drawn at this grey (of 255), so its changes stand out


# --- images -------------------------------------------------------------------------------------------------
def gray(x, size=IMAGE_PX) -> np.ndarray:
    """A (784,) image in [0, 1] as a white-on-black uint8 picture of ``size`` pixels."""
    return figures.gray_image(np.asarray(x).reshape(SIDE, SIDE), size)


def changes_image(before, after, size=IMAGE_PX) -> np.ndarray:
    """The fooled image, grey, with the pixels that changed coloured: blue where ink was added, red where
    it was removed (the lesson's colours for positive and negative)."""
    b = np.asarray(before, dtype=np.float32).reshape(SIDE, SIDE)
    a = np.asarray(after, dtype=np.float32).reshape(SIDE, SIDE)
    rgb = np.repeat((np.clip(a, 0, 1) * DIMMED)[..., None], 3, axis=2)  # dimmed, so the colours stand out
    rgb[a > b] = theme.BLUE
    rgb[a < b] = theme.RED
    return figures.upscale(rgb.astype(np.uint8), size)


def dimmed_words() -> str:
    """How dim the fooled image is drawn, in words for its caption."""
    return f"{DIMMED / 255:.0%}"


def side_by_side(before, after, size=IMAGE_PX) -> np.ndarray:
    """The original (grey) and the fooled image (changes coloured) in one RGB picture, so they stay side by
    side on a phone too."""
    original = np.repeat(gray(before, size)[..., None], 3, axis=2)
    gap = np.full((original.shape[0], 8, 3), 14, np.uint8)  # the page's background
    return np.hstack([original, gap, changes_image(before, after, size)])


def filmstrip(snapshots, size=84) -> np.ndarray:
    """Several (784,) images side by side, separated by a thin grey gap: one picture to send, not many."""
    gap = np.full((size, 4), 60, np.uint8)
    tiles = []
    for x in snapshots:
        tiles += [gray(x, size), gap]
    return np.hstack(tiles[:-1])


def trace_figure(run, height=200) -> go.Figure:
    """The neuron's value step by step, one line per run."""
    fig = go.Figure()
    colours = [theme.GREY_CSS, theme.HIGHLIGHT_CSS] if len(run.runs) > 1 else [theme.HIGHLIGHT_CSS]
    for (caption, d, _), colour in zip(run.runs, colours):
        fig.add_trace(go.Scatter(x=np.arange(d.trace.size), y=d.trace, mode="lines", name=caption,
                                 line=dict(color=colour, width=2)))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="step",
                      yaxis_title="value", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                      showlegend=len(run.runs) > 1)
    return fig


def morph_figure(m: probe.Morph, t: float, height=300) -> go.Figure:
    """Every output along the line from image A (t=0) to image B (t=1); the two end answers coloured, the
    flip and the slider's position marked. Built in one go (``add_vline`` costs ~10x more per rerun)."""
    ends = (int(m.answers[0]), int(m.answers[-1]))
    colours = {ends[0]: theme.PAIR_COLOURS[0], ends[1]: theme.HIGHLIGHT_CSS}
    traces = [go.Scatter(x=m.ts, y=m.outputs[:, d], mode="lines", name=str(d),
                         line=dict(color=colours.get(d, theme.GREY_CSS), width=3 if d in colours else 1),
                         showlegend=d in colours, hovertemplate=f"digit {d}: %{{y:.3f}} at t=%{{x:.3f}}<extra></extra>")
              for d in range(m.outputs.shape[1])]
    line = dict(type="line", xref="x", yref="paper", y0=0, y1=1)
    shapes = [dict(line, x0=t, x1=t, line=dict(color="#ddd", width=1))]
    notes = []
    if m.flip_t is not None:
        shapes.append(dict(line, x0=m.flip_t, x1=m.flip_t, line=dict(color=theme.RED_CSS, width=1, dash="dash")))
        notes.append(dict(x=m.flip_t, y=0, xref="x", yref="paper", text=f"flips at {m.flip_t:.3f}", showarrow=False,
                          xanchor="left", yanchor="bottom", font=dict(color=theme.RED_CSS)))
    return go.Figure(traces, layout=dict(
        height=height, margin=dict(l=10, r=10, t=30, b=10), shapes=shapes, annotations=notes,
        xaxis=dict(title="t (0 = image A, 1 = image B)"), yaxis=dict(title="output"),
        legend=dict(orientation="h", y=1.2, title=dict(text="answer at an end:"))))


def ranking_figure(rows, height=240) -> go.Figure:
    """The accuracy drop for every hidden neuron, in network order: one group of bars per layer."""
    fig = go.Figure()
    colours = [theme.PAIR_COLOURS[0], theme.HIGHLIGHT_CSS]
    for l in sorted({r["layer"] for r in rows}):
        layer = sorted((r for r in rows if r["layer"] == l), key=lambda r: r["neuron"])
        fig.add_trace(go.Bar(x=[[f"layer {l}"] * len(layer), [str(r["neuron"]) for r in layer]],
                             y=[r["drop"] * 100 for r in layer], name=f"layer {l}",
                             marker_color=colours[(l - 1) % len(colours)],
                             hovertemplate=f"L{l} #%{{x[1]}}: −%{{y:.2f}} points<extra></extra>"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=False,
                      xaxis=dict(type="multicategory", tickfont=dict(size=10)), yaxis_title="accuracy drop (points)",
                      bargap=0.15)
    return fig


def census_figure(c: probe.Census, height=260) -> go.Figure:
    """How often each digit is the answer (bars, % of the images), with the mean confidence on each bar."""
    share = c.counts / c.n * 100
    text = [f"{s:.1f}%<br>conf. {m:.2f}" if n else "" for s, m, n in zip(share, c.mean_by_digit, c.counts)]
    fig = go.Figure(go.Bar(x=[str(d) for d in range(len(share))], y=share, text=text, textposition="outside",
                           cliponaxis=False, marker_color=theme.HIGHLIGHT_CSS,
                           hovertemplate="digit %{x}: %{y:.1f}% of the images<extra></extra>"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), xaxis=dict(type="category", title="answer"),
                      yaxis=dict(title="% of the random images", range=[0, max(10.0, float(share.max()) * 1.25)]))
    return fig
