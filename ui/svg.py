"""What the hand-made SVG charts share: round tick values, their labels, and escaping text into SVG."""
from __future__ import annotations

import html
import math


def nice_ticks(lo: float, hi: float, n: int = 5) -> list:
    """Round tick values (steps of 1, 2 or 5 x 10^k) covering [lo, hi], about ``n`` of them."""
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    if hi - lo < 1e-12 * max(1.0, abs(lo)):  # one value: a unit around it
        lo, hi = lo - 0.5, hi + 0.5
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw - 1e-12)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    decimals = max(0, -math.floor(math.log10(step))) + 1
    return [round(k * step, decimals) + 0.0 for k in range(first, last + 1)]


def tick_step(ticks: list) -> float:
    return ticks[1] - ticks[0] if len(ticks) > 1 else 1.0


def tick_label(t: float, step: float) -> str:
    """``t`` with as many decimals as the step needs, and a true minus sign."""
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{t:.{decimals}f}".replace("-", "−")


def esc(text) -> str:
    """Text as SVG/HTML content or attribute: escaped."""
    return html.escape(str(text), quote=True)
