"""Per-drawing speed of the draw page: what the server does each time a pen stroke ends.

    MNIST_DIR=/path/to/mnist OPENBLAS_NUM_THREADS=1 python bench/bench_draw.py [--calls 300] [--reruns 15]

The drawing is a canvas-like redraw (bench/canvas_like.py) of MNIST test image #0, a 7: 200 px tall with
the pen slider's default width of 20 px, on the 280x280 RGBA canvas (a hand-made 7 when MNIST is absent).
Every figure is a median of individually timed calls, after a warm-up. Timed:

(a) ``src.preprocess.preprocess(canvas)`` on the (280, 280, 4) uint8 canvas image, and the decoding of
    the canvas's PNG data URL into that array (``CanvasResult.image_data`` does it on every access);
(b) ``net.forward(x.reshape(784))`` for one image, each shipped model;
(c) ``ui.figures.network_svg(net, forward, chosen=(1, 0))``, each model, and the SVG's size;
(d) what else one stroke's rerun draws (source "My drawing", the page's defaults: neuron details off): the
    28x28 PNG data URI inside the network SVG, the SVG serialised as the clickable picture's component data,
    the output bars as a small SVG and its data URI (``st.image``), and the three pre-processing images
    ``st.image`` encodes with Streamlit's ``image_to_url`` (for an array without alpha Streamlit's "auto"
    format is JPEG at quality 100); for comparison, the Plotly output bars the page drew before;
(e) server time of a whole rerun under Streamlit's AppTest: the draw page with a drawing injected into the
    canvas's session state before each ``at.run()`` (a different digit each time, as after a new stroke),
    against a rerun of the home page ``app.py``, each the median of ``--reruns`` timed runs after two
    warm-up runs. AppTest runs the script in-process and parses the resulting element tree, so these are
    upper bounds on the script's own time; they include no network or browser time.
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))        # run from anywhere: `src` and `ui` are the repo's
sys.path.insert(0, str(ROOT / "bench"))

from canvas_like import canvas_like, draw  # noqa: E402
from common import latency, machine  # noqa: E402
from src.infra import mnist, weights_file  # noqa: E402
from src.preprocess import preprocess  # noqa: E402

MODELS = ("sigmoid", "relu")
SEED = 0


def timed(fn, n):
    """Individual call times after 20 untimed warm-up calls."""
    return latency(fn, n, warmup=20)


def rgba_of(ink):
    out = np.empty(ink.shape + (4,), np.uint8)
    out[..., :3] = np.round(np.clip(ink, 0, 1) * 255).astype(np.uint8)[..., None]
    out[..., 3] = 255
    return out


def drawings(k=16):
    """(first canvas, k canvases): canvas-like RGBA drawings of the first MNIST test digits at 200 px, pen 20."""
    rng = np.random.default_rng(SEED)
    try:
        images, _ = mnist.load("test", allow_download=False)
        return [canvas_like(images[i], rng, size=200, pen=20) for i in range(k)]
    except mnist.MnistError:
        seven = np.float32([[[4, 6], [4, 22]], [[4, 22], [24, 11]]])  # a hand-made 7, in 28x28 units
        return [rgba_of(draw(seven, 200, 20, rng)[0]) for _ in range(k)]


def data_url(rgba):
    buf = io.BytesIO()
    from PIL import Image
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def decode_data_url(url):
    """What CanvasResult.image_data does on each access."""
    from PIL import Image
    _, encoded = url.split(";base64,", 1)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))


def fmt_us(seconds):
    us = seconds * 1e6
    return f"{us:,.0f} µs" if us >= 100 else f"{us:.1f} µs"


def row(label, samples, note=""):
    med, lo = statistics.median(samples), min(samples)
    p90 = float(np.percentile(samples, 90))
    print(f"  {label:<58}{fmt_us(med):>12}{fmt_us(lo):>12}{fmt_us(p90):>12}  {note}")
    return med


def header(title):
    print(f"\n{title}")
    print(f"  {'what':<58}{'median':>12}{'min':>12}{'p90':>12}")
    print("  " + "-" * 94)


def plotly_bars(output):
    """What the draw page drew before its SVG bars: the ten outputs as a Plotly bar chart (for comparison only)."""
    import plotly.graph_objects as go
    return go.Figure(go.Bar(x=[str(i) for i in range(len(output))], y=output,
                            text=[f"{v:.2f}" for v in output], textposition="outside"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="timed calls of each micro-benchmark")
    parser.add_argument("--reruns", type=int, default=15, help="timed AppTest reruns of each page")
    args = parser.parse_args(argv)
    wall = time.perf_counter()

    import plotly.io
    from streamlit.elements.lib.image_utils import image_to_url
    from streamlit.elements.lib.layout_utils import LayoutConfig

    from ui import draw as draw_page, draw_canvas, figures

    import streamlit
    import streamlit.logger
    # AppTest and image_to_url outside a running app log "missing ScriptRunContext" warnings: harmless here
    streamlit.logger.set_log_level("error")
    import logging
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True

    print("Environment")
    print(f"  {machine()}, streamlit {streamlit.__version__}")
    print(f"  {args.calls} timed calls per micro-benchmark, {args.reruns} timed reruns per page")

    canvases = drawings()
    canvas = canvases[0]
    url = data_url(canvas)
    nets = {m: weights_file.load(ROOT / "weights" / f"{m}.npz") for m in MODELS}
    steps = preprocess(canvas)
    x = steps.digit
    print(f"  drawing: canvas-like MNIST test #0 (a 7), 200 px, pen 20 px; {canvas.shape} {canvas.dtype}; "
          f"status {steps.status!r}; answers " + ", ".join(f"{m} {int(nets[m].predict(x.reshape(784)))}" for m in MODELS))

    med = {}
    header("(a)-(c) per drawing, the library calls: µs per call")
    med["decode"] = row("canvas PNG data URL -> (280, 280, 4) array", timed(lambda: decode_data_url(url), args.calls),
                        f"({len(url) / 1024:.1f} KB data URL)")
    med["preprocess"] = row("(a) preprocess(canvas)", timed(lambda: preprocess(canvas), args.calls))
    forwards = {m: nets[m].forward(x.reshape(784)) for m in MODELS}
    for m in MODELS:
        med[f"forward {m}"] = row(f"(b) net.forward(x.reshape(784)), {m}",
                                  timed(lambda m=m: nets[m].forward(x.reshape(784)), args.calls * 4))
    for m in MODELS:
        svg = figures.network_svg(nets[m], forwards[m], chosen=(1, 0))
        med[f"svg {m}"] = row(f"(c) network_svg(net, forward, chosen=(1, 0)), {m}",
                              timed(lambda m=m: figures.network_svg(nets[m], forwards[m], chosen=(1, 0)), args.calls),
                              f"({len(svg) / 1024:.1f} KB SVG)")

    # --- (d) the encodes of one stroke's rerun: source "My drawing", centre on, neuron details off (the defaults) ---
    net = nets["sigmoid"]
    forward = forwards["sigmoid"]
    images = [
        ("st.image box_overlay, 140x140 RGB", figures.box_overlay(steps.ink, steps.box)),
        ("st.image fitted 20x20 at 140, gray", figures.gray_image(draw_canvas.fitted_frame(steps.fitted), 140)),
        ("st.image 28x28 input at 140, gray", figures.gray_image(x, 140)),
    ]
    layout = LayoutConfig(width="stretch")
    svg = figures.network_svg(net, forward, chosen=(1, 0))
    bars = figures.output_bars_svg(forward.output)
    header("(d) what one stroke's rerun draws (sigmoid model, page defaults): µs per call")
    encodes = [row("28x28 PNG data URI inside the network SVG (png_data_uri)",
                   timed(lambda: figures.png_data_uri(figures.gray_image(x.reshape(28, 28))), args.calls))]
    encodes.append(row("network picture: json.dumps({'svg': svg}) (component data)",
                       timed(lambda: json.dumps({"svg": svg}), args.calls), f"({len(svg) / 1024:.1f} KB)"))
    encodes.append(row("output bars: figures.output_bars_svg(output)",
                       timed(lambda: figures.output_bars_svg(forward.output), args.calls), f"({len(bars) / 1024:.1f} KB)"))
    encodes.append(row("st.image(output bars SVG): SVG string -> data URI",
                       timed(lambda: image_to_url(bars, layout, False, "RGB", "auto", "bench"), args.calls)))
    for label, img in images:
        buf = io.BytesIO()  # the size of what st.image sends: "auto" is JPEG at quality 100 for an RGB array
        from PIL import Image
        Image.fromarray(img).save(buf, format="JPEG", quality=100)
        encodes.append(row(label + " -> JPEG q100",
                           timed(lambda img=img: image_to_url(img, layout, False, "RGB", "auto", "bench"), args.calls),
                           f"({buf.tell() / 1024:.1f} KB)"))
    med["encodes"] = sum(encodes)
    print(f"  {'total of the drawing and encodes above (sum of medians)':<58}{fmt_us(med['encodes']):>12}")
    med["plotly"] = row("(for comparison) Plotly bars of the outputs + plotly.io.to_json",
                        timed(lambda: plotly.io.to_json(plotly_bars(forward.output), validate=False),
                              max(args.calls // 3, 30)), "(what the page drew before: now an SVG)")
    parts = med["decode"] + med["preprocess"] + med["forward sigmoid"] + med["svg sigmoid"] + med["encodes"]
    print(f"  {'sum: decode + (a) + (b) + (c) + (d), sigmoid':<58}{fmt_us(parts):>12}")

    # --- (e) whole reruns under AppTest ---
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "app.py")  # AppTest resolves a relative path against the calling file, not the cwd
    at = AppTest.from_file(app, default_timeout=60).run()
    if at.exception:
        print(f"error: the home page raised {at.exception}", file=sys.stderr)
        return 1
    home = AppTest.from_file(app, default_timeout=60).run()
    at.switch_page("pages/1_draw.py").run()
    # the server canvas (the default drawing, instant mode, is measured by bench/bench_instant.py in a browser)
    at.button_group(key=draw_page.SOURCE).set_value("canvas").run()
    if at.exception:
        print(f"error: the draw page raised {at.exception}", file=sys.stderr)
        return 1
    urls = [data_url(c) for c in canvases]

    def draw_rerun(i):
        at.session_state[draw_page.CANVAS] = {"drawing": {"raw": {"objects": []}, "data": urls[i % len(urls)]},
                                         "backgroundFit": None}
        start = time.perf_counter()
        at.run()
        return time.perf_counter() - start

    def home_rerun():
        start = time.perf_counter()
        home.run()
        return time.perf_counter() - start

    for i in range(2):  # warm-up: caches, imports, first Plotly figure
        draw_rerun(i)
        home_rerun()
    draw_times, home_times = [], []
    for i in range(args.reruns):  # interleaved, so a slow moment of the machine touches both alike
        draw_times.append(draw_rerun(i))
        home_times.append(home_rerun())
    if at.exception or home.exception:
        print(f"error: a rerun raised {at.exception or home.exception}", file=sys.stderr)
        return 1
    shown = [m.value for m in at.markdown if "font-size:" in m.value]  # the big answer digit
    header(f"(e) server time per rerun under AppTest (median of {args.reruns}, after 2 warm-up runs): ms")
    d = statistics.median(draw_times)
    h = statistics.median(home_times)
    for label, s in (("draw page, a new drawing injected before each at.run()", draw_times),
                     ("home page app.py, at.run()", home_times)):
        print(f"  {label:<58}{statistics.median(s) * 1e3:>9.1f} ms{min(s) * 1e3:>9.1f} ms"
              f"{float(np.percentile(s, 90)) * 1e3:>9.1f} ms")
    print(f"  {'ratio draw / home (medians)':<58}{d / h:>12.2f}")
    print(f"  draw page's library work above (sum, sigmoid): {parts * 1e3:.2f} ms = {parts / d:.0%} of its rerun; "
          f"the rest is Streamlit (widgets, protos) and AppTest's tree parsing")
    if shown:
        print(f"  check: the draw page showed an answer after the last rerun "
              f"({len(at.get('image'))} images, {len(at.get('plotly_chart'))} Plotly chart(s))")
    print(f"\nTotal benchmark time {time.perf_counter() - wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
