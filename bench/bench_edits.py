"""Time from a hand edit to the new test accuracy on all 10,000 MNIST test images.

The baseline is the obvious way: run all 10,000 images through the whole edited network again.
The project's Scorer keeps the first layer's weighted sums and updates only the edited columns.
Then what else the Hand-tune page computes: a new visitor's first use (own copy + Scorer), and per edit
the share code written into the address bar, the weight grid's PNG and the threshold chart's SVG.

    MNIST_DIR=../shared/data/mnist python bench/bench_edits.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import load_mnist, machine  # noqa: E402
from src.infra import weights_file  # noqa: E402
from src.edits import EditLog, encode_link  # noqa: E402
from src.scoring import Scorer  # noqa: E402
from src.templates import make  # noqa: E402
from src.train import pixels  # noqa: E402

REPEATS = 200


def median_ms(fn, repeats=REPEATS):
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main():
    images, labels = load_mnist("test")
    x = pixels(images)
    root = Path(__file__).resolve().parents[1]
    print(machine())
    print(f"{len(labels):,} test images; medians of {REPEATS} edits each\n")
    print(f"{'model':<8} {'edit':<34} {'full forward':>13} {'incremental':>12} {'speed-up':>9}")
    rng = np.random.default_rng(0)
    for name in ("sigmoid", "relu"):
        trained = weights_file.load(root / "weights" / f"{name}.npz")
        edits = {
            "one first-layer weight": lambda log, i: log.set_weight(1, i % 16, int(rng.integers(784)), float(rng.normal())),
            "one first-layer bias": lambda log, i: log.set_bias(1, i % 16, float(rng.normal())),
            "a whole first-layer neuron (784)": lambda log, i: log.set_row(1, i % 16, make("loop", strength=1 + i % 3), "t"),
            "one second-layer weight": lambda log, i: log.set_weight(2, i % 16, i % 16, float(rng.normal())),
            "undo of a first-layer weight": None,
        }
        for label, edit in edits.items():
            log = EditLog(trained, name)
            scorer = Scorer(log.net, x, labels)
            log.listeners.append(scorer.on_edit)
            if edit is None:
                for i in range(REPEATS):
                    log.set_weight(1, i % 16, int(rng.integers(784)), float(rng.normal()))
                incremental = median_ms(lambda i: (log.undo(), scorer.accuracy))
                full = median_ms(lambda i: log.net.accuracy(x, labels), 30)
            else:
                incremental = median_ms(lambda i: (edit(log, i), scorer.accuracy))
                full = median_ms(lambda i: (edit(log, i), log.net.accuracy(x, labels)), 30)
            scorer.recompute()
            assert scorer.accuracy == log.net.accuracy(x, labels)
            print(f"{name:<8} {label:<34} {full:>10.2f} ms {incremental:>9.2f} ms {full / incremental:>8.1f}x")
    print_page_costs(root, x, labels)
    return 0


def print_page_costs(root, x, labels):
    """Medians of what the page does besides scoring, against one full forward pass measured beside them."""
    from ui import figures
    from ui import hand_tune as ht  # the page's own pure functions (bare mode: no server needed)

    trained = weights_file.load(root / "weights" / "sigmoid.npz")
    log = EditLog(trained, "sigmoid")
    scorer = Scorer(log.net, x, labels)
    log.set_row(1, 3, make("loop", strength=2), "loop")
    limit = ht.colour_limit(trained.weights[0][3])
    rows = {
        "baseline: full forward pass (10,000)": lambda i: log.net.accuracy(x, labels),
        "first use: own copy + Scorer": lambda i: Scorer(EditLog(trained, "sigmoid").net, x, labels),
        "share code for the address bar": lambda i: encode_link(log),
        "weight grid PNG (280x280)": lambda i: figures.png(ht.grid_image(log.net.weights[0][3], limit, (14, 14))),
        "threshold chart SVG": lambda i: ht.threshold_svg(scorer.zs[0][:, 3] - 1.0, 1.0,
                                                          ht.activation_curve(log.net, 1)),
    }
    print(f"\n{'page work (sigmoid, after one edit)':<40} {'median':>10} {'x forward':>10}")
    base = None
    for label, fn in rows.items():
        ms = median_ms(fn, 30)
        base = base or ms
        print(f"{label:<40} {ms:>7.2f} ms {ms / base:>9.2f}x")


if __name__ == "__main__":
    sys.exit(main())
