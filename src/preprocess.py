"""From a drawing to the 784 numbers the network reads, the way MNIST digits were made.

The lesson's steps, each kept so the page can show it: take the ink, find its bounding box
(pixels brighter than 0.05), scale that box to fit 20x20 keeping its shape, and place it in 28x28 so
that the ink's centre of mass sits in the middle.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import SIDE

BOX = 20              # MNIST's SIDE x SIDE (28x28) images hold the digit scaled to fit 20x20 ...
CENTRE = SIDE / 2     # ... with its centre of mass at pixel (14, 14)
INK_THRESHOLD = 0.05  # a pixel brighter than this counts as ink for the bounding box
# A drawing whose ink is smaller than this share of the canvas's side is a dot, not a digit ...
MIN_INK_SIDE = 0.04
# ... and so is a small, round, solid blob: one tap of a wide pen (a disk fills pi/4 of its box).
DOT_MAX_SIDE = 0.2
DOT_MIN_FILL = 0.6


@dataclass
class Steps:
    """Every stage of pre-processing, for display.

    ``ink``: the drawing as grayscale (H, W) in [0, 1]; ``box``: (top, bottom, left, right) of the ink,
    bottom/right exclusive, or None when blank; ``fitted``: the boxed ink scaled to fit 20x20;
    ``digit``: the final (28, 28) image in [0, 1]; ``status``: "ok", "blank" or "dot".
    """

    ink: np.ndarray
    box: tuple | None
    fitted: np.ndarray | None
    digit: np.ndarray
    status: str

    @property
    def readable(self):
        return self.status == "ok"


def to_grayscale(image) -> np.ndarray:
    """Ink as float32 (H, W) in [0, 1], ink high.

    Accepts the canvas's (H, W, 4) uint8 RGBA (light strokes on a dark or transparent background: ink is
    brightness times opacity), (H, W, 3) RGB, or a 2-D grayscale array (uint8 0..255 or float 0..1).
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        rgb = a[..., :3].astype(np.float32)
        gray = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])
        if a.shape[2] == 4:
            gray = gray * (a[..., 3].astype(np.float32) / 255.0)
        gray = gray / 255.0 if a.dtype == np.uint8 else gray
    elif a.ndim == 2:
        gray = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    else:
        raise ValueError(f"expected an (H, W, 4) RGBA, (H, W, 3) RGB or (H, W) grayscale image, got shape {a.shape}")
    if gray.size == 0:
        raise ValueError("the image is empty")
    return np.clip(np.nan_to_num(gray), 0.0, 1.0).astype(np.float32)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix averaging input cells into output cells by their overlap (box filter).

    Downscaling averages, as a camera sensor would; upscaling repeats. Exact for any ratio.
    """
    edges_in = np.arange(n_in + 1, dtype=np.float64)
    edges_out = np.linspace(0, n_in, n_out + 1)
    lo = np.maximum(edges_out[:-1, None], edges_in[None, :-1])
    hi = np.minimum(edges_out[1:, None], edges_in[None, 1:])
    overlap = np.clip(hi - lo, 0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def resize(gray: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area-averaged resize of a 2-D array to (height, width)."""
    return _area_matrix(gray.shape[0], height) @ gray @ _area_matrix(gray.shape[1], width).T


def ink_box(gray: np.ndarray, threshold=INK_THRESHOLD):
    """(top, bottom, left, right) of the pixels brighter than threshold, or None when there are none."""
    rows = np.flatnonzero((gray > threshold).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((gray > threshold).any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def centre_of_mass(image: np.ndarray):
    """(row, column) of the brightness-weighted centre."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _is_dot(boxed: np.ndarray, canvas_side: int) -> bool:
    h, w = boxed.shape
    if max(h, w) < MIN_INK_SIDE * canvas_side:
        return True
    round_ = max(h, w) <= 1.5 * min(h, w)
    solid = np.mean(boxed > 0.5) >= DOT_MIN_FILL
    return max(h, w) < DOT_MAX_SIDE * canvas_side and round_ and solid


def preprocess(image, centre=True) -> Steps:
    """All steps from a drawing to the network's input. With ``centre=False``, the whole drawing is
    simply shrunk to 28x28 (what happens without pre-processing)."""
    gray = to_grayscale(image)
    box = ink_box(gray)
    if box is None:
        return Steps(gray, None, None, np.zeros((SIDE, SIDE), np.float32), "blank")
    top, bottom, left, right = box
    h, w = bottom - top, right - left
    status = "dot" if _is_dot(gray[top:bottom, left:right], max(gray.shape)) else "ok"
    if not centre:
        return Steps(gray, box, None, np.clip(resize(gray, SIDE, SIDE), 0, 1), status)
    scale = BOX / max(h, w)
    fh, fw = max(1, round(h * scale)), max(1, round(w * scale))
    fitted = np.clip(resize(gray[top:bottom, left:right], fh, fw), 0, 1)
    if fitted.sum() <= 0:
        return Steps(gray, box, fitted, np.zeros((SIDE, SIDE), np.float32), "blank")
    # Shift the fitted ink so its centre of mass lands on the middle of the 28x28 field: pixel (14, 14),
    # where MNIST's test digits have theirs (measured: 13.99, 14.00 on average).
    cy, cx = centre_of_mass(fitted)
    oy = int(np.clip(round(CENTRE - cy), 0, SIDE - fh))
    ox = int(np.clip(round(CENTRE - cx), 0, SIDE - fw))
    digit = np.zeros((SIDE, SIDE), np.float32)
    digit[oy:oy + fh, ox:ox + fw] = fitted
    return Steps(gray, box, fitted, digit, status)


def to_mnist(image, centre=True) -> np.ndarray:
    """The (28, 28) float32 image in [0, 1], ink high, that the network receives for this drawing.

    ``image``: the canvas's (H, W, 4) uint8 RGBA, or a 2-D grayscale array. A blank drawing gives zeros;
    use ``preprocess(image).status`` to tell a blank or a lone dot from a digit.
    """
    return preprocess(image, centre).digit
