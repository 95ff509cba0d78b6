"""What sigmoid and ReLU networks do inside: saturation, dead units, and the gradient reaching each layer.

The lesson's closing remark: sigmoid networks were hard to train, ReLU ones are easier. These numbers
show why: a saturated sigmoid has a slope near 0, so almost no gradient flows back through it, while a
ReLU passes the gradient on unchanged wherever it is active (and not at all where it is dead).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from .infra.files import file_sha256, write_atomic
from .network import Network, one_hot

SATURATION = 0.05  # a sigmoid activation within this of 0 or 1 counts as saturated (slope below 0.0475)


def saturated_share(activations, eps=SATURATION) -> float:
    """Share of sigmoid activations (any shape) within ``eps`` of 0 or 1."""
    a = np.asarray(activations)
    return float(np.mean((a < eps) | (a > 1 - eps)))


def dead_units(activations) -> np.ndarray:
    """Indices of the units (columns of (n, units) ReLU activations) that are 0 for every image."""
    return np.flatnonzero(np.all(np.asarray(activations) <= 0, axis=0))


def inactive_share(activations) -> float:
    """Share of ReLU activations that are exactly 0 (the unit is off for that image)."""
    return float(np.mean(np.asarray(activations) <= 0))


def hidden_summary(net: Network, x):
    """Per hidden layer: the share of saturated (sigmoid) or off (ReLU) activations and the dead units."""
    fw = net.forward(x)
    rows = []
    for l, a in enumerate(fw.activations[1:-1], start=1):
        row = {"layer": l, "units": a.shape[1], "dead": dead_units(a).tolist()}
        if net.activation == "sigmoid":
            row["saturated"] = saturated_share(a)
            row["dead"] = np.flatnonzero(np.all(a < SATURATION, axis=0)).tolist()  # never leaves ~0
        else:
            row["off"] = inactive_share(a)
        rows.append(row)
    return rows


def gradient_sizes(net: Network, x, labels):
    """Root-mean-square of the cost's gradient with respect to each layer's weights, on images ``x``.

    The size of the learning signal that reaches each layer: for a sigmoid network it shrinks layer by
    layer going back towards the input (the vanishing gradient).
    """
    nabla_w, _, _ = net.backprop(x, one_hot(labels, net.sizes[-1]))
    return [float(np.sqrt(np.mean(np.square(g)))) for g in nabla_w]


# --- statistics over the test set, stored beside the weights -----------------------------------------------
# Computing them needs the 10,000 MNIST test images and, on a busy server, seconds the first visitor would
# wait. They depend only on the weights file (the test set is fixed: src.infra.mnist checks its SHA-256), so they are
# stored once in weights/<name>.stats.json with the SHA-256 of the weights file they describe; a file whose hash
# no longer matches (retrained weights) is ignored and recomputed.

STATS_VERSION = 1
GRADIENT_IMAGES = 2000  # the gradient sizes are measured on the first 2,000 test images


def initial_network(net: Network) -> Network:
    """The network ``net`` started from before training: its recipe's seed and initialisation from
    ``net.meta['training']`` (src.train draws them with ``Network.initialise``)."""
    training = net.meta.get("training", {}) if isinstance(net.meta, dict) else {}
    seed = training.get("seed", 0)
    init = training.get("init")
    return Network.initialise(net.sizes, net.activation, net.output, seed=seed if isinstance(seed, int) else 0,
                              init=init if init in ("xavier", "he", "normal") else None)


def summarise(net: Network, x, labels) -> dict:
    """What ``net`` does inside over test images ``x`` (n, 784) with ``labels`` (n,), trained and as it started:
    ``trained`` / ``at_initialisation`` are ``hidden_summary`` rows; ``grad_trained`` / ``grad_init`` are
    ``gradient_sizes`` over the first GRADIENT_IMAGES images. JSON-ready (plain lists and numbers)."""
    start = initial_network(net)
    xg, lg = x[:GRADIENT_IMAGES], labels[:GRADIENT_IMAGES]
    return {"images": int(len(x)), "gradient_images": int(len(xg)),
            "trained": hidden_summary(net, x), "at_initialisation": hidden_summary(start, x),
            "grad_trained": gradient_sizes(net, xg, lg), "grad_init": gradient_sizes(start, xg, lg)}


def stats_path(weights_path) -> Path:
    """weights/relu.npz -> weights/relu.stats.json"""
    p = Path(weights_path)
    return p.with_name(p.name.removesuffix(".npz") + ".stats.json")


def load_stored(weights_path) -> dict | None:
    """The stored statistics of ``weights_path`` if their file exists, parses and was made for exactly these
    weights (same SHA-256), else None."""
    try:
        stored = json.loads(stats_path(weights_path).read_text())
        if (isinstance(stored, dict) and stored.get("version") == STATS_VERSION
                and stored.get("weights_sha256") == file_sha256(weights_path)):
            return stored["stats"]
    except (OSError, ValueError, KeyError):
        pass
    return None


def store(weights_path, stats: dict) -> Path:
    """Write ``stats`` beside ``weights_path`` with the weights file's SHA-256 (atomically)."""
    out = stats_path(weights_path)
    record = {"version": STATS_VERSION, "weights": Path(weights_path).name,
              "weights_sha256": file_sha256(weights_path), "stats": stats}
    # as public as the weights beside it
    write_atomic(out, (json.dumps(record, indent=1) + "\n").encode(), mode=0o644)
    return out


def stored_or_computed(weights_path, net: Network, test=None) -> tuple[dict | None, str]:
    """The statistics of the network in ``weights_path``: stored ones when their hash matches, else computed
    from ``test`` = (x (n, 784) float32, labels) and stored (when the folder is writable).

    Returns (stats or None without a test set, 'stored' | 'computed' | 'missing')."""
    found = load_stored(weights_path)
    if found is not None:
        return found, "stored"
    if test is None:
        return None, "missing"
    computed = summarise(net, *test)
    try:
        store(weights_path, computed)
    except OSError:
        pass  # a read-only deployment: keep them in memory (the caller caches them)
    return computed, "computed"


def main(argv=None):
    """python -m src.stats weights/sigmoid.npz weights/relu.npz: (re)write each file's stored statistics."""
    from .infra import mnist, weights_file
    from .train import pixels

    paths = list(argv if argv is not None else sys.argv[1:])
    if not paths:
        print(main.__doc__, file=sys.stderr)
        return 2
    try:
        images, labels = mnist.load("test")
    except mnist.MnistError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    x = pixels(images)
    for path in paths:
        out = store(path, summarise(weights_file.load(path), x, labels))
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
