"""Hand-tune's pictures of a neuron: the bias as a threshold over the test set, and labelled test images.

Pure functions of arrays (no Streamlit): each returns an SVG string or an image array for the page to show.
"""
from __future__ import annotations

import html

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from src.activations import HIDDEN, sigmoid
from src.network import SIDE

from .. import theme
from ..svg import nice_ticks, tick_label
from .keys import plural

CHANGED_LISTED = 12    # changed neurons listed with their own Restore button


# --- numbers for axes ----------------------------------------------------------------------------------------

def sum_range(s, b, min_span=2.0):
    """The x range of the threshold chart: every weighted sum and the threshold −b, at least ``min_span``
    wide (after zeroing a neuron every sum is 0 ± rounding; a range of ±5e-6 would say nothing)."""
    lo, hi = float(min(np.min(s), -b)), float(max(np.max(s), -b))
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


# --- the threshold chart: the bias as a threshold, over all test images --------------------------------------

def threshold_svg(s, b, curve_fn=None, curve_colour=theme.BLUE_CSS, width=560, height=250, font=11) -> str:
    """Histogram of the neuron's weighted sums Σ w·a (without the bias) over the test images, the
    threshold −b where Σ + b = 0 as a dashed line, and the activation of Σ + b over it when the neuron has
    a curve of its own (not a softmax output). ``s`` (n,) floats. An SVG string, ``width`` x ``height`` user
    units with text ``font`` units high (a phone's narrow chart has a small width and a large font)."""
    s = np.asarray(s, dtype=np.float64)
    lo, hi = sum_range(s, b)
    counts, edges = np.histogram(s, bins=60, range=(lo, hi))
    k = font / 11  # margins grow with the text
    left, right, top, bottom = int(44 * k), int(64 * k), int(26 * k), int(40 * k)
    pw, ph = width - left - right, height - top - bottom

    def x(v):
        return left + (v - lo) / (hi - lo) * pw

    peak = max(int(counts.max(initial=0)), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" font-family="sans-serif" font-size="{font}">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#555"/>']
    for c, e0, e1 in zip(counts, edges[:-1], edges[1:]):
        if c:
            h = c / peak * ph
            parts.append(f'<rect x="{x(e0):.1f}" y="{top + ph - h:.1f}" width="{max(x(e1) - x(e0) - 0.5, 0.5):.1f}" '
                         f'height="{h:.1f}" fill="rgba(200,200,200,0.6)"/>')
    x_title = ("grey: test images by Σ w·a (no bias)" if width < 480 else
               "weighted sum Σ w·a, without the bias (grey: how many test images)")
    xt = nice_ticks(lo, hi, 7 if width >= 480 else 5)
    step = xt[1] - xt[0] if len(xt) > 1 else 1.0
    for t in xt:
        parts.append(f'<line x1="{x(t):.1f}" y1="{top + ph}" x2="{x(t):.1f}" y2="{top + ph + 4}" stroke="#888"/>'
                     f'<text x="{x(t):.1f}" y="{top + ph + 5 + font}" fill="#aaa" text-anchor="middle">'
                     f'{tick_label(t, step)}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 4}" fill="#aaa" text-anchor="middle">'
                 f'{x_title}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + font - 1}" fill="#aaa" text-anchor="end">{peak:,}</text>'
                 f'<text x="{left - 6}" y="{top + ph}" fill="#aaa" text-anchor="end">0</text>')
    if curve_fn is not None:
        grid = np.linspace(lo, hi, 200)
        a = np.asarray(curve_fn(grid + b), dtype=np.float64)
        a_max = max(1.0, float(a.max(initial=0.0)))
        pts = " ".join(f"{x(g):.1f},{top + ph - min(v / a_max, 1) * ph:.1f}" for g, v in zip(grid, a))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{curve_colour}" stroke-width="2"/>')
        yt = nice_ticks(0, a_max, 3)
        ystep = yt[1] - yt[0] if len(yt) > 1 else 1.0
        for t in yt:
            y = top + ph - t / a_max * ph
            parts.append(f'<text x="{left + pw + 6}" y="{y + 4:.1f}" fill="{curve_colour}">{tick_label(t, ystep)}</text>')
        parts.append(f'<text x="{left + pw + 6}" y="{top - font * 0.7:.1f}" fill="{curve_colour}">activation</text>')
    tx = x(-b)
    parts.append(f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{top + ph}" stroke="{theme.HIGHLIGHT_CSS}" '
                 f'stroke-dasharray="5,4" stroke-width="2"/>')
    anchor = "end" if tx > left + pw * 0.7 else "start"
    parts.append(f'<text x="{tx + (-4 if anchor == "end" else 4):.1f}" y="{top - font * 0.7:.1f}" fill="{theme.HIGHLIGHT_CSS}" '
                 f'text-anchor="{anchor}">{html.escape(threshold_label(b))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def threshold_label(b: float) -> str:
    return f"threshold −b = {round(-b, 2) + 0.0:.2f}".replace("= -", "= −")  # + 0.0: no "−0.00"


def activation_curve(net, layer):
    """The function from Σ + b to the neuron's activation, or None for a softmax output (it depends on all
    ten sums, so no single curve)."""
    if layer < len(net.weights):
        return HIDDEN[net.activation][0]
    return sigmoid if net.output == "sigmoid" else None


# --- what the edits changed on the test set ---------------------------------------------------------------------

_FONT = None


def _font():
    """(font, arrow) for labels drawn into images: DejaVu Sans where installed (it has "→"), else
    Pillow's built-in font with "->"."""
    global _FONT
    if _FONT is None:
        try:
            _FONT = (ImageFont.truetype("DejaVuSans.ttf", 11), "→")
        except OSError:
            _FONT = (ImageFont.load_default(), "->")
    return _FONT


def labelled_thumbnails(images, indices, labels, answers, size=SIDE, per_row=12) -> np.ndarray | None:
    """Test images as one strip, each with "label→answer" under it (the answer the network gives now).
    ``images`` (n, 28, 28) uint8; ``indices`` into it; ``labels``, ``answers`` (n,) ints."""
    indices = list(indices)
    if not indices:
        return None
    cell_w, text_h = max(size, 34) + 4, 14
    cell_h = size + text_h + 4
    rows = -(-len(indices) // per_row)
    strip = Image.new("RGB", (min(len(indices), per_row) * cell_w, rows * cell_h), (40, 40, 40))
    draw = ImageDraw.Draw(strip)
    k = max(1, size // images.shape[1])
    for n, i in enumerate(indices):
        r, c = divmod(n, per_row)
        tile = np.repeat(np.repeat(np.asarray(images[i]), k, 0), k, 1)
        x0, y0 = c * cell_w + (cell_w - tile.shape[1]) // 2, r * cell_h
        strip.paste(Image.fromarray(tile).convert("RGB"), (x0, y0))
        font, arrow = _font()
        draw.text((c * cell_w + cell_w / 2, y0 + tile.shape[0] + 1), f"{int(labels[i])}{arrow}{int(answers[i])}",
                  fill=(230, 230, 230), font=font, anchor="ma")
    return np.asarray(strip)


def changed_neurons_note(changed, listed=CHANGED_LISTED) -> str | None:
    """What the list of changed neurons leaves out, or None when it lists them all."""
    rest = changed[listed:]
    if not rest:
        return None
    layers = sorted({l for l, _ in rest})
    where = ", ".join(f"{sum(1 for l2, _ in rest if l2 == l)} in layer {l}" for l in layers)
    return f"…and {plural(len(rest), 'more neuron')} ({where}): use Reset to restore everything."
