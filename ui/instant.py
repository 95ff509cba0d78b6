"""Instant mode: a drawing surface that pre-processes the drawing and runs the network in the browser, on every
pointer move, with nothing sent to the server until a stroke ends (issue 18).

The JavaScript (ui/instant.js) holds the surface, the MNIST-style pre-processing, the forward pass and the live
network picture. Python sends the network once, as float32 base64 inside JSON with a version (a hash of the
numbers): the browser decodes it only when the version changes. At the end of each stroke the 784 pixels come
back once, as component state; they are checked here (``check_pixels``) before anything uses them.
"""
from __future__ import annotations

import base64
import hashlib

import numpy as np

SIDE = 28
PIXELS = SIDE * SIDE


def _b64(a) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def network_data(net) -> dict:
    """The network as the browser receives it: sizes, activations, every W (row-major (n_out, n_in)) and b as
    base64 float32, and ``version``, a hash of all of them (a hand edit gives a new version)."""
    weights = [_b64(w) for w in net.weights]
    biases = [_b64(b) for b in net.biases]
    digest = hashlib.sha256()
    for text in (net.activation, net.output, str(net.sizes), *weights, *biases):
        digest.update(text.encode())
    return {"version": digest.hexdigest()[:16], "sizes": [int(n) for n in net.sizes], "activation": net.activation,
            "output": net.output, "weights": weights, "biases": biases}
