"""Pictures of the network, drawn cheaply: NumPy images and a small SVG instead of heavy Plotly figures,
so that a rerun per pen stroke stays light for a room full of people.

Colours follow the lesson: positive weights blue rgb(88,196,221), negative red rgb(252,98,85).
"""
from __future__ import annotations

import base64
import html
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from src.network import SIDE

from .theme import BLUE, BLUE_CSS, GREY_CSS, HIGHLIGHT, HIGHLIGHT_CSS, RED, RED_CSS


def signed_image(values, limit=None, size=None) -> np.ndarray:
    """A signed 2-D array as an RGB uint8 image: blue positive, red negative, black zero.

    Brightness is |v / limit| ** 0.5 (like the lesson's opacity curve, so small weights stay visible).
    ``limit`` defaults to the largest |v|; ``size`` upscales by repeating pixels (crisp cells).
    """
    v = np.asarray(values, dtype=np.float32)
    limit = float(limit if limit is not None else np.max(np.abs(v), initial=0.0)) or 1.0
    t = np.clip(np.abs(v) / limit, 0, 1) ** 0.5
    rgb = np.where((v >= 0)[..., None], BLUE, RED) * t[..., None]
    return upscale(rgb.astype(np.uint8), size)


def legend_bar(width=280, height=12) -> np.ndarray:
    """The signed colour scale as a strip: full red at -limit, black at 0, full blue at +limit."""
    return signed_image(np.repeat(np.linspace(-1, 1, width)[None, :], height, axis=0), 1.0)


def gray_image(values, size=None) -> np.ndarray:
    """A [0, 1] array as a white-on-black uint8 image."""
    g = (np.clip(np.asarray(values, dtype=np.float32), 0, 1) * 255).astype(np.uint8)
    return upscale(g, size)


def upscale(img: np.ndarray, size=None) -> np.ndarray:
    if not size:
        return img
    k = max(1, int(size // img.shape[0]))
    return np.repeat(np.repeat(img, k, axis=0), k, axis=1)


def png(img: np.ndarray) -> bytes:
    """An image array as PNG bytes (lossless: pixel pictures stay crisp, where st.image would pick JPEG)."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def png_data_uri(img: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(img)).decode()


def outline_cells(img: np.ndarray, cells, side=SIDE, colour=HIGHLIGHT) -> np.ndarray:
    """``img`` (an upscaled side x side grid) with each of ``cells`` (flat indices) outlined, 2 px wide."""
    img = img.copy()
    k = img.shape[0] // side
    for i in np.asarray(cells, dtype=np.int64).ravel():
        y, x = (int(v) * k for v in divmod(int(i), side))
        img[y:y + k, x:x + 2] = img[y:y + k, x + k - 2:x + k] = colour
        img[y:y + 2, x:x + k] = img[y + k - 2:y + k, x:x + k] = colour
    return img


def box_overlay(gray: np.ndarray, box, size=140) -> np.ndarray:
    """The drawing shrunk to ``size`` with the ink's bounding box outlined in blue."""
    h, w = gray.shape
    rows = (np.arange(size) * h // size)
    cols = (np.arange(size) * w // size)
    img = np.repeat((np.clip(gray[np.ix_(rows, cols)], 0, 1) * 255).astype(np.uint8)[..., None], 3, axis=2)
    if box is not None:
        top, bottom, left, right = (int(box[0] * size / h), int(np.ceil(box[1] * size / h)) - 1,
                                    int(box[2] * size / w), int(np.ceil(box[3] * size / w)) - 1)
        top, left = max(top, 0), max(left, 0)
        bottom, right = min(bottom, size - 1), min(right, size - 1)
        img[top, left:right + 1] = img[bottom, left:right + 1] = BLUE
        img[top:bottom + 1, left] = img[top:bottom + 1, right] = BLUE
    return img


def thumbnails(images, indices, size=56, per_row=12):
    """Several SIDE x SIDE (28x28) images as one strip (one picture is much cheaper to send than many)."""
    indices = list(indices)
    if not indices:
        return None
    rows = -(-len(indices) // per_row)
    pad = 4
    strip = np.full((rows * (size + pad), min(len(indices), per_row) * (size + pad), 3), 40, np.uint8)
    k = size // SIDE
    for n, i in enumerate(indices):
        r, c = divmod(n, per_row)
        img = np.repeat(np.repeat(images[i], k, 0), k, 1)
        tile = np.repeat(img[..., None], 3, axis=2)
        strip[r * (size + pad):r * (size + pad) + tile.shape[0], c * (size + pad):c * (size + pad) + tile.shape[1]] = tile
    return strip


def network_svg(net, forward, chosen=None, top_inputs=6, width=760, height=420) -> str:
    """The whole network as an SVG: the 28x28 input, 16 + 16 hidden neurons and 10 outputs lit by their
    activation, connections coloured by weight (blue positive, red negative).

    All 416 connections between later layers are drawn; of the 12,544 from the pixels, the ``top_inputs``
    pixels that contribute most (|w·a|) to each first-layer neuron, so the picture shows what drives it.
    ``chosen`` = (layer, neuron) is ringed.
    """
    sizes = net.sizes
    img_size = 196
    x0, y0 = 20, (height - img_size) / 2
    cols = [x0 + img_size + 120 + i * (width - x0 - img_size - 200) / (len(sizes) - 2) for i in range(len(sizes) - 1)]

    def ys(n):
        gap = min(24.0, (height - 40) / n)
        return [height / 2 + (i - (n - 1) / 2) * gap for i in range(n)]

    pos = [[(c, y) for y in ys(n)] for c, n in zip(cols, sizes[1:])]
    radius = min(9.0, (height - 40) / max(sizes[1:]) / 2 - 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="background:#0E1117;max-width:{width}px" font-family="sans-serif">']
    pixels = np.asarray(forward.a(0)).reshape(-1)
    side = int(round(np.sqrt(pixels.size)))
    if side * side == pixels.size:
        parts.append(f'<image x="{x0}" y="{y0}" width="{img_size}" height="{img_size}" '
                     f'style="image-rendering:pixelated" href="{png_data_uri(gray_image(pixels.reshape(side, side)))}"/>')
        parts.append(f'<rect x="{x0}" y="{y0}" width="{img_size}" height="{img_size}" fill="none" stroke="#555"/>')
        parts.append(f'<text x="{x0 + img_size / 2}" y="{y0 - 8}" fill="#aaa" font-size="12" text-anchor="middle">'
                     f'{pixels.size} input neurons</text>')
        # strongest pixel contributions into each first-layer neuron
        w1 = net.weight(1)
        contrib = w1 * pixels[None, :]
        peak = float(np.max(np.abs(contrib), initial=0.0)) or 1.0
        for j, (cx, cy) in enumerate(pos[0]):
            for k in np.argsort(-np.abs(contrib[j]))[:top_inputs]:
                if contrib[j, k] == 0:
                    continue
                px = x0 + (k % side + 0.5) * img_size / side
                py = y0 + (k // side + 0.5) * img_size / side
                colour = BLUE_CSS if w1[j, k] > 0 else RED_CSS
                op = (abs(contrib[j, k]) / peak) ** 0.3
                parts.append(f'<line x1="{px:.0f}" y1="{py:.0f}" x2="{cx:.0f}" y2="{cy:.0f}" stroke="{colour}" '
                             f'stroke-opacity="{op * 0.8:.2f}" stroke-width=".8"/>')
    for l in range(2, len(pos) + 1):  # layer l joins the neurons of pos[l - 2] to those of pos[l - 1]
        w = net.weight(l)
        wmax = float(np.max(np.abs(w), initial=0.0)) or 1.0
        for j, (x2, y2) in enumerate(pos[l - 1]):
            for k, (x1, y1) in enumerate(pos[l - 2]):
                op = (abs(w[j, k]) / wmax) ** 0.3
                if op * 0.55 < 0.03:
                    continue  # invisible anyway: leave it out of what is sent on every stroke
                colour = BLUE_CSS if w[j, k] > 0 else RED_CSS
                parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="{colour}" '
                             f'stroke-opacity="{op * 0.55:.2f}" stroke-width="{0.4 + op:.1f}"/>')
    out = np.asarray(forward.output)
    best = int(np.argmax(out))
    for l, layer in enumerate(pos, start=1):
        act = np.asarray(forward.a(l), dtype=np.float64)
        top = max(1.0, float(act.max(initial=0.0)))  # ReLU activations can exceed 1
        for j, (cx, cy) in enumerate(layer):
            light = float(np.clip(act[j] / top, 0, 1))
            ring = HIGHLIGHT_CSS if chosen == (l, j) else "#888"
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="#0E1117"/>')
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="rgb(255,255,255)" '
                         f'fill-opacity="{light:.2f}" stroke="{ring}" stroke-width="{2.5 if chosen == (l, j) else 1}">'
                         f'<title>layer {l}, neuron {j}: a = {act[j]:.3f}</title></circle>')
            if l == len(pos):
                weight = "bold" if j == best else "normal"
                parts.append(f'<text x="{cx + radius + 6:.1f}" y="{cy + 4:.1f}" fill="#ddd" font-size="13" '
                             f'font-weight="{weight}">{j}  {html.escape(f"{act[j]:.2f}")}</text>')
        label = "output" if l == len(pos) else f"hidden {l}"
        parts.append(f'<text x="{layer[0][0]:.1f}" y="{20}" fill="#aaa" font-size="12" text-anchor="middle">'
                     f'{label} ({len(layer)})</text>')
    parts.append("</svg>")
    return "".join(parts)


def output_bars_svg(output, width=360, height=150) -> str:
    """The output activations as a small SVG bar chart, the answer's bar in the highlight colour (an image: nothing to hover,
    far cheaper for a browser to draw on every stroke than a Plotly figure)."""
    out = np.asarray(output, dtype=np.float64)
    best = int(np.argmax(out))
    top = max(1.0, float(out.max(initial=0.0)))
    n = len(out)
    slot = width / n
    base = height - 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" font-family="sans-serif">']
    for i, v in enumerate(out):
        h = (base - 18) * float(np.clip(v / top, 0, 1))
        x = i * slot + slot * 0.15
        colour = HIGHLIGHT_CSS if i == best else GREY_CSS
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{max(h, 1):.1f}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{base - h - 4:.1f}" font-size="10" fill="#bbb" '
                     f'text-anchor="middle">{v:.2f}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 4}" font-size="13" text-anchor="middle" '
                     f'fill="{"#fff" if i == best else "#aaa"}" font-weight="{"bold" if i == best else "normal"}">'
                     f'{i}</text>')
    parts.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#555"/></svg>')
    return "".join(parts)


def weight_bars_svg(weights, width=520, height=170) -> str:
    """A later-layer neuron's incoming weights as signed SVG bars (blue +, red −) labelled by source neuron:
    an image, so that with the details on a stroke still costs no Plotly figure."""
    w = np.asarray(weights, dtype=np.float64)
    top = float(np.max(np.abs(w), initial=0.0)) or 1.0
    slot = width / len(w)
    mid, half = (height - 34) / 2 + 14, (height - 34) / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px" font-family="sans-serif">']
    for k, v in enumerate(w):
        h = half * abs(v) / top
        x = k * slot + slot * 0.15
        colour = BLUE_CSS if v >= 0 else RED_CSS
        parts.append(f'<rect x="{x:.1f}" y="{mid - h if v >= 0 else mid:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(h, 0.5):.1f}" fill="{colour}"><title>from neuron {k}: w = {v:.3f}</title></rect>')
        ty = mid - h - 3 if v >= 0 else mid + h + 10
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{ty:.1f}" font-size="9" fill="#bbb" '
                     f'text-anchor="middle">{v:.1f}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 3}" font-size="11" fill="#aaa" '
                     f'text-anchor="middle">{k}</text>')
    parts.append(f'<line x1="0" y1="{mid:.1f}" x2="{width}" y2="{mid:.1f}" stroke="#555"/></svg>')
    return "".join(parts)


def per_digit_bars(series, y_min=0, height=250) -> go.Figure:
    """Accuracy per digit as grouped bars: ``series`` = {legend label: (10 accuracies in [0, 1], colour)}."""
    digits = [str(d) for d in range(10)]
    fig = go.Figure([go.Bar(x=digits, y=np.asarray(acc) * 100, name=label, marker_color=colour)
                     for label, (acc, colour) in series.items()])
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), barmode="group",
                      yaxis=dict(title="accuracy %", range=[y_min, 100]), xaxis=dict(type="category", title="digit"),
                      legend=dict(orientation="h", y=1.12))
    return fig


def weight_bars(weights, height=230, title=None) -> go.Figure:
    """A later-layer neuron's incoming weights as labelled bars, blue positive, red negative."""
    w = np.asarray(weights, dtype=float)
    fig = go.Figure(go.Bar(x=[str(i) for i in range(len(w))], y=w,
                           marker_color=[BLUE_CSS if v >= 0 else RED_CSS for v in w]))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30 if title else 10, b=10), title=title,
                      xaxis=dict(type="category", title="from neuron"), yaxis_title="weight")
    return fig
