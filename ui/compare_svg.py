"""The Sigmoid vs ReLU page's first view, drawn as SVG: the two functions with their slopes and the visitor's
dots (values written exactly, however far out z is: σ(-1000) = 5.08×10⁻⁴³⁵, not 0), and one model's activations
as bars. SVG images (st.image) draw at once in a browser; Plotly is loaded only for the sections below them."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from src.activations import relu, relu_prime, sigmoid, sigmoid_prime

from . import theme
from .svg import esc, nice_ticks

COLOURS = theme.ACTIVATION_COLOURS
FIXED_RANGE = 8.0           # the curves always show at least -8..8, and extend to take in every marked z

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


_INK, _MUTED, _GRID, _BOX = "#FAFAFA", "#A3A8B8", "rgba(250,250,250,0.13)", "rgba(14,17,23,0.92)"
_FONT = "font-family=\"Source Sans Pro, sans-serif\""


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
             f'<text x="{width / 2}" y="18" fill="{_INK}" text-anchor="middle" font-size="15">{esc(title)}</text>']
    for t in nice_ticks(y_lo, y_hi, 5):  # ui.svg's round ticks, as every hand-made chart has them
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{_GRID}"/>'
                     f'<text x="{left - 6}" y="{py(t) + 4:.1f}" fill="{_MUTED}" text-anchor="end">{number_text(t)}</text>')
    for t in nice_ticks(lo, hi, 6):
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
            parts.append(f'<text x="{bx + 7:.1f}" y="{by + 18 + 16 * i:.1f}" fill="{_INK}"{weight}>{esc(line)}</text>')
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
