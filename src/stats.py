"""What sigmoid and ReLU networks do inside: saturation, dead units, and the gradient reaching each layer.

The lesson's closing remark: sigmoid networks were hard to train, ReLU ones are easier. These numbers
show why: a saturated sigmoid has a slope near 0, so almost no gradient flows back through it, while a
ReLU passes the gradient on unchanged wherever it is active (and not at all where it is dead).
"""
from __future__ import annotations

import numpy as np

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
