"""How well do the shipped models read digits drawn the way people draw on the 280x280 canvas?

    MNIST_DIR=/path/to/mnist OPENBLAS_NUM_THREADS=1 python bench/canvas_like.py [--n 10000] [--seed 0]

Each MNIST *test* digit is redrawn as a canvas drawing would be (``canvas_like``): its centre line is traced
(the digit is upscaled 4x bilinearly, binarised at 0.5, thinned to a one-pixel skeleton and smoothed along
itself), then drawn again on a black, opaque 280x280 RGBA canvas with a round pen, with ~1 px anti-aliased
edges, as the draw page's canvas hands a drawing over: white strokes of one width on black. The ink's
bounding box (longer side) is a random size from a third of the canvas (93 px) to most of it (250 px,
within 2 px), at a random place fully inside the canvas; the pen width is random over the page's slider,
6-40 px, but at most a fifth of the digit's size (a 93 px digit gets at most 18 px: a thicker pen makes a
blob its author would redraw). Tracing and redrawing, rather than thickening or thinning the upscaled
digit, gives strokes of one width as a pen does, and lets thin pens be thin without breaking strokes.

Each redraw then goes through the draw page's own path, ``src.preprocess.to_mnist(canvas)``, and both
shipped models classify it. Printed: accuracy on the original test images against the redraws, by size
and pen width, and with pre-processing off (``to_mnist(canvas, centre=False)``). A grid of example
canvases is written to bench/out/canvas_like_examples.png. Everything is fixed by ``--seed``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere: `src` is the repo's

from common import load_mnist  # noqa: E402
from src.infra import weights_file  # noqa: E402
from src.preprocess import to_mnist  # noqa: E402
from src.train import pixels  # noqa: E402

CANVAS = 280
SIZE_RANGE = (93, 250)   # side of the ink's bounding box (its longer side), canvas px
PEN_RANGE = (6, 40)      # pen width, canvas px: the draw page's slider
MAX_PEN_SHARE = 5        # the pen is at most a fifth of the digit's size
TRACE = 4                # the centre line is traced on the digit upscaled this many times
SMOOTH = 4               # ... and smoothed along itself this many times
SIZE_BINS = ((93, 145, "small  93-145 px"), (146, 197, "medium 146-197 px"), (198, 250, "large  198-250 px"))
PEN_BINS = ((6, 17, "thin   6-17 px"), (18, 29, "medium 18-29 px"), (30, 40, "thick  30-40 px"))
MODELS = ("sigmoid", "relu")


# --- synthesis -----------------------------------------------------------------------------------
def _bilinear_upscale(img: np.ndarray, k: int) -> np.ndarray:
    """(h, w) -> (h*k, w*k), bilinear, pixel centres aligned (edges clamped)."""
    def axis_weights(n):
        pos = (np.arange(n * k) + 0.5) / k - 0.5
        i0 = np.clip(np.floor(pos).astype(int), 0, n - 1)
        i1 = np.clip(i0 + 1, 0, n - 1)
        f = np.clip(pos - np.floor(pos), 0, 1)
        f = np.where(pos < 0, 0.0, np.where(pos > n - 1, 0.0, f))
        m = np.zeros((n * k, n), np.float32)
        m[np.arange(n * k), i0] += 1 - f
        m[np.arange(n * k), i1] += f
        return m
    return axis_weights(img.shape[0]) @ img @ axis_weights(img.shape[1]).T


def _thin(b: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a boolean image to a one-pixel-wide, 8-connected skeleton."""
    img = np.pad(b.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = img
            # neighbours P2..P9, clockwise from north
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]
            c = p[1:-1, 1:-1]
            count = sum(x.astype(np.int8) for x in n)
            trans = sum(((n[i] == 0) & (n[(i + 1) % 8] == 1)).astype(np.int8) for i in range(8))
            if step == 0:
                cond = (n[0] * n[2] * n[4] == 0) & (n[2] * n[4] * n[6] == 0)
            else:
                cond = (n[0] * n[2] * n[6] == 0) & (n[0] * n[4] * n[6] == 0)
            delete = (c == 1) & (count >= 2) & (count <= 6) & (trans == 1) & cond
            if delete.any():
                img[1:-1, 1:-1][delete] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """a moved by (dy, dx), zeros shifted in."""
    out = np.zeros_like(a)
    h, w = a.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _dilate_disk(a: np.ndarray, r: float) -> np.ndarray:
    """Dilation of a boolean image by a disk of radius r: a max filter decomposed into row runs."""
    ri = int(np.floor(r))
    runs = [a]  # runs[h]: a dilated horizontally by h pixels each side
    for h in range(1, ri + 1):
        runs.append(runs[-1] | _shift(a, 0, h) | _shift(a, 0, -h))
    out = a.copy()
    for dy in range(-ri, ri + 1):
        out |= _shift(runs[int(np.floor(np.sqrt(max(r * r - dy * dy, 0.0))))], dy, 0)
    return out


def _blur(a: np.ndarray) -> np.ndarray:
    """Separable [1, 2, 1] / 4 blur: the canvas's ~1 px anti-aliased stroke edge."""
    p = np.pad(a, 1)
    v = (p[:-2] + 2 * p[1:-1] + p[2:]) / 4
    return (v[:, :-2] + 2 * v[:, 1:-1] + v[:, 2:]) / 4


def trace(image28, smooth=SMOOTH) -> np.ndarray:
    """The centre line of an MNIST digit as line segments, an (m, 2, 2) array of (row, col) end points in
    28x28 pixel units (a lone point is a zero-length segment).

    The digit is upscaled ``TRACE`` times (bilinear), binarised at 0.5 and thinned to a one-pixel skeleton;
    neighbouring skeleton pixels are linked, and the points are then smoothed along the links ``smooth``
    times (each moves to the mean of itself and its neighbours; stroke ends stay put), which takes out the
    pixel staircase the way a canvas's curve-fitting pen does.
    """
    gray = np.asarray(image28, np.float32)
    gray = gray / 255.0 if np.asarray(image28).dtype == np.uint8 else gray
    up = _bilinear_upscale(gray, TRACE)
    skel = _thin(up >= 0.5)
    if not skel.any():  # a very faint digit: take its brightest pixels instead
        skel = _thin(up >= 0.5 * up.max())
    h, w = skel.shape
    node = np.full(skel.shape, -1)
    ys, xs = np.nonzero(skel)
    node[ys, xs] = np.arange(ys.size)
    pts = np.stack([ys, xs], 1).astype(np.float32)
    links = []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny < h) & (nx >= 0) & (nx < w)
        other = np.full(ys.shape, -1)
        other[ok] = node[ny[ok], nx[ok]]
        has = other >= 0
        links.append(np.stack([np.flatnonzero(has), other[has]], 1))
    links = np.concatenate(links)
    if links.size and smooth:
        a, b = links[:, 0], links[:, 1]
        degree = np.bincount(a, minlength=len(pts)) + np.bincount(b, minlength=len(pts))
        moves = degree >= 2
        for _ in range(smooth):
            total = pts.copy()
            for axis in (0, 1):
                total[:, axis] += (np.bincount(a, pts[b, axis], len(pts)) + np.bincount(b, pts[a, axis], len(pts)))
            pts = np.where(moves[:, None], total / (1 + degree)[:, None], pts).astype(np.float32)
    lone = np.setdiff1d(np.arange(len(pts)), links.reshape(-1))
    segs = np.concatenate([np.stack([pts[links[:, 0]], pts[links[:, 1]]], 1), np.stack([pts[lone], pts[lone]], 1)])
    return (segs + 0.5) / TRACE  # centres of the upscaled pixels, in 28x28 units


def draw(segments: np.ndarray, size: int, pen: int, rng) -> tuple[np.ndarray, tuple]:
    """Draw traced segments on a 280x280 canvas with a round pen of width ``pen`` px, scaled so that the ink's
    bounding box has longer side ``size``, at a random place fully inside. Returns (ink float32 in [0, 1], box)."""
    lo = segments.reshape(-1, 2).min(0)
    hi = segments.reshape(-1, 2).max(0)
    extent = float(max(hi - lo)) or 1.0
    scale = max(size - pen, 1) / extent
    # sample each segment densely (every ~0.5 canvas px) and stamp the points, then dilate by the pen
    length = np.sqrt(((segments[:, 1] - segments[:, 0]) ** 2).sum(1)) * scale
    steps = int(np.ceil(length.max() * 2)) + 1 if length.size else 1
    t = np.linspace(0, 1, steps, dtype=np.float32)[None, :, None]
    pts = (segments[:, :1] + (segments[:, 1:] - segments[:, :1]) * t).reshape(-1, 2)
    pts = (pts - lo) * scale
    h, w = (hi - lo) * scale + pen
    top = int(rng.integers(0, CANVAS - int(np.ceil(h)) + 1))
    left = int(rng.integers(0, CANVAS - int(np.ceil(w)) + 1))
    r = pen / 2
    # draw in a local frame with a margin for the pen, then paste
    margin = int(np.ceil(r)) + 2
    lh, lw = int(np.ceil(h - pen)) + 2 * margin + 1, int(np.ceil(w - pen)) + 2 * margin + 1
    local = np.zeros((lh, lw), bool)
    iy = np.clip(np.round(pts[:, 0] + margin).astype(int), 0, lh - 1)
    ix = np.clip(np.round(pts[:, 1] + margin).astype(int), 0, lw - 1)
    local[iy, ix] = True
    # the pen's radius less half a pixel: the blur spreads the edge by about that much
    ink = _blur(_dilate_disk(local, max(r - 0.5, 0.5)).astype(np.float32))
    canvas = np.zeros((CANVAS + 2 * margin, CANVAS + 2 * margin), np.float32)
    # local row `margin` is the centre line's top, which sits half a pen below the ink's top
    oy, ox = top + int(round(r)), left + int(round(r))
    canvas[oy:oy + lh, ox:ox + lw] = ink
    canvas = canvas[margin:margin + CANVAS, margin:margin + CANVAS]
    return canvas, (top, left, h, w)


def random_size_and_pen(rng, size=None):
    """The ink box's longer side, uniform in 93..250 px, and the pen width, uniform in 6..40 px but at most a
    fifth of the digit's size: a 93 px digit drawn with a 40 px pen is a blob that its own author would redraw
    (at most 18 px for a 93 px digit; any width from 200 px up)."""
    size = int(rng.integers(SIZE_RANGE[0], SIZE_RANGE[1] + 1)) if size is None else int(size)
    pen = int(rng.integers(PEN_RANGE[0], min(PEN_RANGE[1], size // MAX_PEN_SHARE) + 1))
    return size, pen


def canvas_like(image28, rng, size=None, pen=None) -> np.ndarray:
    """An MNIST digit redrawn as a person would draw it on the 280x280 canvas: (280, 280, 4) uint8 RGBA,
    white ink of one pen width on an opaque black background.

    ``size`` (the ink box's longer side, px) and ``pen`` (pen width, px) are drawn from ``rng`` when not
    given (``random_size_and_pen``).
    """
    if pen is None:
        size, pen = random_size_and_pen(rng, size)
    elif size is None:
        size = int(rng.integers(SIZE_RANGE[0], SIZE_RANGE[1] + 1))
    ink, _ = draw(trace(image28), size, pen, rng)
    v = np.round(np.clip(ink, 0, 1) * 255).astype(np.uint8)
    out = np.empty((CANVAS, CANVAS, 4), np.uint8)
    out[..., 0] = out[..., 1] = out[..., 2] = v
    out[..., 3] = 255
    return out


# --- evaluation ----------------------------------------------------------------------------------
def _bin_label(value, bins):
    for lo, hi, label in bins:
        if lo <= value <= hi:
            return label
    raise ValueError(value)


def example_grid(canvases, infos, path, cols=6):
    """A PNG of example canvases, each with what the network reads (to_mnist) and the answers underneath."""
    from PIL import Image, ImageDraw

    pad, strip = 6, 96
    tw, th = CANVAS + 2 * pad, CANVAS + strip + 2 * pad
    rows = -(-len(canvases) // cols)
    sheet = Image.new("RGB", (cols * tw, rows * th), (64, 64, 64))
    pen = ImageDraw.Draw(sheet)
    for k, (canvas, info) in enumerate(zip(canvases, infos)):
        x, y = (k % cols) * tw + pad, (k // cols) * th + pad
        sheet.paste(Image.fromarray(canvas, "RGBA").convert("RGB"), (x, y))
        digit = Image.fromarray((info["digit"] * 255).astype(np.uint8)).resize((84, 84), Image.NEAREST)
        sheet.paste(digit, (x + CANVAS - 84, y + CANVAS + 6))
        answers = "  ".join(f"{m} {info[m]}" for m in MODELS)
        for i, line in enumerate((f"#{info['index']}  label {info['label']}", f"size {info['size']} px, pen {info['pen']} px",
                                  answers, "pre-proc off: " + "  ".join(f"{info[m + '_off']}" for m in MODELS))):
            pen.text((x + 2, y + CANVAS + 8 + 20 * i), line, fill=(230, 230, 230))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000,
                        help="test images to redraw: all 10,000, or a fixed-seed random subset of this many")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", default=str(ROOT / "bench" / "out" / "canvas_like_examples.png"))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    images, labels = load_mnist("test", allow_download=True)
    nets = {m: weights_file.load(ROOT / "weights" / f"{m}.npz") for m in MODELS}
    rng = np.random.default_rng(args.seed)
    n = min(args.n, len(images))
    index = np.arange(n) if n == len(images) else np.sort(rng.choice(len(images), n, replace=False))

    sizes, pens = np.zeros(n, int), np.zeros(n, int)
    on, off = np.zeros((n, 784), np.float32), np.zeros((n, 784), np.float32)
    again = np.zeros((n, 784), np.float32)  # control: the original 28x28 test digit through to_mnist
    examples = []
    for k, i in enumerate(index):
        sizes[k], pens[k] = random_size_and_pen(rng)
        canvas = canvas_like(images[i], rng, sizes[k], pens[k])
        on[k] = to_mnist(canvas).reshape(784)
        off[k] = to_mnist(canvas, centre=False).reshape(784)
        again[k] = to_mnist(images[i]).reshape(784)
        if k < 24:
            examples.append(canvas)
    synth_seconds = time.perf_counter() - start
    y = labels[index]
    original = pixels(images[index])
    right = {}
    for m, net in nets.items():
        right[m] = {"original": net.predict(original) == y, "on": net.predict(on) == y,
                    "off": net.predict(off) == y, "again": net.predict(again) == y}
        right[m]["pred_on"], right[m]["pred_off"] = net.predict(on), net.predict(off)

    what = "all 10,000 MNIST test images" if n == len(images) else f"{n:,} MNIST test images (random subset, seed {args.seed})"
    print(f"Canvas-like redraws of {what}; seed {args.seed}, N = {n:,}")
    print(f"  each: centre line traced, redrawn white on opaque black 280x280 RGBA with a round pen; ink box's "
          f"longer side uniform {SIZE_RANGE[0]}-{SIZE_RANGE[1]} px,\n  pen width uniform {PEN_RANGE[0]}-"
          f"{PEN_RANGE[1]} px but at most size/{MAX_PEN_SHARE}, random position fully inside; then "
          f"src.preprocess.to_mnist(canvas) and the shipped models")
    rel = 20 * pens / sizes  # the pen's width once the digit is fitted to MNIST's 20x20 box
    print(f"  pen width after fitting to the 20x20 box (20 x pen / size): median {np.median(rel):.2f} px, "
          f"5-95% {np.percentile(rel, 5):.2f}-{np.percentile(rel, 95):.2f} px")

    def line(label, mask):
        cells = []
        for m in MODELS:
            a_on, a_off = right[m]["on"][mask].mean(), right[m]["off"][mask].mean()
            cells.append(f"{a_on:>9.2%}{a_off:>9.2%}")
        return f"  {label:<30}{mask.sum():>7,}  " + "   ".join(cells)

    head = f"  {'':<30}{'n':>7}  " + "   ".join(f"{m + ' on':>9}{'off':>9}" for m in MODELS)
    print("\nAccuracy, and the difference from the original test images in percentage points")
    print(f"  {'':<48}" + "".join(f"{m:>10}" for m in MODELS))
    print("  " + "-" * 68)

    def acc_row(label, key):
        print(f"  {label:<48}" + "".join(f"{right[m][key].mean():>10.2%}" for m in MODELS))

    def diff_row(key):
        print(f"  {'  difference, points':<48}"
              + "".join(f"{100 * (right[m][key].mean() - right[m]['original'].mean()):>+10.2f}" for m in MODELS))

    acc_row("original MNIST test images (28x28 as is)", "original")
    acc_row("canvas-like redraws, pre-processing on", "on")
    diff_row("on")
    acc_row("canvas-like redraws, pre-processing off", "off")
    diff_row("off")
    acc_row("control: original 28x28 images through to_mnist", "again")
    diff_row("again")

    print("\nCanvas-like redraws by ink size, pen width and digit: accuracy with pre-processing on / off "
          "(to_mnist(canvas, centre=False))")
    print(head)
    print("  " + "-" * (len(head) - 2))
    print(line("all", np.ones(n, bool)))
    print("  ink box, longer side")
    size_bin = np.array([_bin_label(s, SIZE_BINS) for s in sizes])
    for _, _, label in SIZE_BINS:
        print(line("  " + label, size_bin == label))
    print("  pen width")
    pen_bin = np.array([_bin_label(p, PEN_BINS) for p in pens])
    for _, _, label in PEN_BINS:
        print(line("  " + label, pen_bin == label))
    print("  pen width in the 20x20 box")
    for lo, hi in ((0, 1.25), (1.25, 2), (2, 3), (3, 99)):
        label = f"  {lo:g}-{hi:g} px" if hi < 99 else f"  {lo:g} px and more"
        print(line(label, (rel >= lo) & (rel < hi)))
    print("  digit")
    for d in range(10):
        print(line(f"  {d}", y == d))
    print("  (size bins are the thirds of 93-250 px; the thick third of pen widths only occurs on digits of 150 px "
          "and more, by the size/5 cap)")

    infos = [{"index": int(index[k]), "label": int(y[k]), "size": int(sizes[k]), "pen": int(pens[k]),
              "digit": on[k].reshape(28, 28), **{m: int(right[m]["pred_on"][k]) for m in MODELS},
              **{m + "_off": int(right[m]["pred_off"][k]) for m in MODELS}} for k in range(len(examples))]
    example_grid(examples, infos, args.examples)
    print(f"\nExamples: {len(examples)} canvases (with the 28x28 the network reads, bottom right) in "
          f"{Path(args.examples).resolve().relative_to(ROOT) if Path(args.examples).resolve().is_relative_to(ROOT) else args.examples}")
    print(f"Time: {synth_seconds:.0f} s to draw and pre-process, {time.perf_counter() - start:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
