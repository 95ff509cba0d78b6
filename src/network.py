"""The network of the lesson: layers of neurons, each layer a' = σ(W a + b).

Conventions follow Michael Nielsen's network.py, which the lesson points to: ``weights[l]`` is the
matrix W of layer l+1, shaped (n_out, n_in), and ``biases[l]`` its vector b, shaped (n_out,).
Inputs are batches of row vectors, shape (n, 784); a single image of shape (784,) works too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import HIDDEN, OUTPUTS, sigmoid, softmax

SIDE = 28  # an input is a SIDE x SIDE image: 784 pixels, row by row
DEFAULT_SIZES = (SIDE * SIDE, 16, 16, 10)

# Bigger than any weight a person means, small enough that with inputs in [0, 1] every weighted
# sum stays finite in float32 through the default network, whatever the activation.
MAX_PARAMETER = 1e6


@dataclass
class Forward:
    """Everything a forward pass computed.

    ``zs[l]`` are the weighted sums W a + b of layer l+1, ``activations[0]`` is the input and
    ``activations[l+1]`` = activation(zs[l]). Each has shape (n, size) for a batch, (size,) for one image.
    """

    zs: list
    activations: list

    @property
    def output(self):
        return self.activations[-1]

    # Layers numbered as the lesson numbers them: layer 0 is the input, layer l >= 1 computes a(l) from z(l).
    def a(self, layer: int):
        """The activations of ``layer`` (0 = the input pixels)."""
        return self.activations[layer]

    def z(self, layer: int):
        """The weighted sums W a + b of ``layer`` >= 1."""
        if layer < 1:
            raise IndexError("layer 0 is the input: it has no weighted sums")
        return self.zs[layer - 1]


@dataclass
class Network:
    """A fully connected network with one hidden activation and one output activation."""

    weights: list
    biases: list
    activation: str = "sigmoid"
    output: str = "softmax"
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.activation not in HIDDEN:
            raise ValueError(f"unknown activation {self.activation!r}: use one of {sorted(HIDDEN)}")
        if self.output not in OUTPUTS:
            raise ValueError(f"unknown output {self.output!r}: use one of {list(OUTPUTS)}")
        if len(self.weights) != len(self.biases) or not self.weights:
            raise ValueError("a network needs one bias vector for each weight matrix")
        self.weights = [np.asarray(w, dtype=np.float32) for w in self.weights]
        self.biases = [np.asarray(b, dtype=np.float32) for b in self.biases]
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise ValueError(f"layer {l}: W must be (n_out, n_in) and b (n_out,), got {w.shape} and {b.shape}")
            if l > 1 and w.shape[1] != self.weights[l - 2].shape[0]:
                raise ValueError(f"layer {l}: W takes {w.shape[1]} inputs but layer {l - 1} has {self.weights[l - 2].shape[0]} neurons")

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def initialise(cls, sizes=DEFAULT_SIZES, activation="sigmoid", output="softmax", seed=0, init=None):
        """Random weights for the given layer sizes: Xavier (Glorot) for sigmoid, He for ReLU, biases 0."""
        rng = np.random.default_rng(seed)
        init = init or ("he" if activation == "relu" else "xavier")
        weights, biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            if init == "he":
                scale = np.sqrt(2.0 / n_in)
            elif init == "xavier":
                scale = np.sqrt(2.0 / (n_in + n_out))
            elif init == "normal":  # Nielsen's N(0, 1)
                scale = 1.0
            else:
                raise ValueError(f"unknown init {init!r}")
            weights.append(rng.standard_normal((n_out, n_in)) * scale)
            biases.append(np.zeros(n_out))
        return cls(weights, biases, activation, output)

    def copy(self):
        """A deep copy whose arrays can be edited without touching this network."""
        return Network([w.copy() for w in self.weights], [b.copy() for b in self.biases],
                       self.activation, self.output, dict(self.meta))

    @property
    def sizes(self):
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    # Layers numbered as the lesson numbers them: layer 1 is the first hidden layer, the input is layer 0.
    def weight(self, layer: int) -> np.ndarray:
        """W of ``layer`` >= 1, shaped (n_out, n_in)."""
        return self.weights[self._index(layer)]

    def bias(self, layer: int) -> np.ndarray:
        """b of ``layer`` >= 1, shaped (n_out,)."""
        return self.biases[self._index(layer)]

    def array(self, layer: int, param: str) -> np.ndarray:
        """``param`` "W" or "b" of ``layer`` >= 1."""
        return {"W": self.weight, "b": self.bias}[param](layer)

    def _index(self, layer: int) -> int:
        if not 1 <= layer <= len(self.weights):
            raise IndexError(f"layer {layer}: this network's layers are 1 to {len(self.weights)}")
        return layer - 1

    # --- the forward pass ---------------------------------------------------------------------
    def activate(self, l, z):
        """The activation of layer l+1 (the last layer uses the output activation)."""
        if l == len(self.weights) - 1:
            return softmax(z) if self.output == "softmax" else sigmoid(z)
        return HIDDEN[self.activation][0](z)

    def forward(self, x) -> Forward:
        """Every layer's weighted sums z and activations a for one image (784,) or a batch (n, 784)."""
        # float32 normally; float64 when the weights are (the gradient checks use that)
        x = np.asarray(x, dtype=np.result_type(self.weights[0].dtype, np.float32))
        single = x.ndim == 1
        a = x[None, :] if single else x
        zs, activations = [], [a]
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ w.T + b
            a = self.activate(l, z)
            zs.append(z)
            activations.append(a)
        if single:
            zs = [z[0] for z in zs]
            activations = [a[0] for a in activations]
        return Forward(zs, activations)

    def feedforward(self, x):
        """The output layer's activations for one image or a batch."""
        return self.forward(x).output

    def predict(self, x):
        """The digit the network answers: the index of the most active output neuron."""
        return np.argmax(self.feedforward(x), axis=-1)

    def accuracy(self, x, labels):
        """Share of images whose prediction equals their label."""
        return float(np.mean(self.predict(x) == labels))

    # --- learning -----------------------------------------------------------------------------
    def _cost(self, a, y):
        """Mean cost over the batch: cross-entropy for softmax outputs, Nielsen's quadratic cost for sigmoid."""
        if self.output == "softmax":
            return float(-np.mean(np.sum(y * np.log(np.clip(a, 1e-12, 1.0)), axis=1)))
        return float(0.5 * np.mean(np.sum((a - y) ** 2, axis=1)))

    def backprop(self, x, y):
        """Gradients of the mean cost with respect to every weight and bias, and the cost itself.

        ``y`` holds one-hot rows, shape (n, n_out). Returns ``(nabla_w, nabla_b, cost)`` with
        ``nabla_w[l]`` shaped like ``weights[l]``.
        """
        fw = self.forward(np.atleast_2d(x))
        y = np.atleast_2d(y)
        a_out = fw.activations[-1]
        if self.output == "softmax":
            delta = a_out - y  # cross-entropy and softmax together
        else:
            delta = (a_out - y) * a_out * (1.0 - a_out)  # quadratic cost through σ'
        nabla_w, nabla_b, _ = self.backward(fw, delta / y.shape[0], to_input=False)
        return nabla_w, nabla_b, self._cost(a_out, y)

    def backward(self, fw: Forward, delta, top=None, to_input=True):
        """Backpropagation from ``delta`` = ∂C/∂z of layer ``top`` (1-based; the output layer by default)
        down to the input, for a batch ``fw`` (activations shaped (n, size)).

        Returns ``(nabla_w, nabla_b, nabla_x)``: ∂C/∂W and ∂C/∂b summed over the batch for layers 1..top
        (later layers' entries are None), and ∂C/∂a(0), the gradient with respect to each input pixel,
        shaped (n, n_in), or None when not ``to_input`` (training skips that product). The probe page
        climbs that last one.
        """
        top = len(self.weights) if top is None else top
        slope = HIDDEN[self.activation][1]
        nabla_w = [None] * len(self.weights)
        nabla_b = [None] * len(self.weights)
        for l in range(top - 1, -1, -1):
            nabla_w[l] = delta.T @ fw.activations[l]
            nabla_b[l] = delta.sum(axis=0)
            if l == 0 and not to_input:
                return nabla_w, nabla_b, None
            delta = delta @ self.weights[l]  # ∂C/∂a of the layer below
            if l > 0:
                delta = delta * slope(fw.zs[l - 1])
        return nabla_w, nabla_b, delta

    # --- where the parameters live ------------------------------------------------------------
    def parameter_counts(self):
        """One row per layer, counted from the arrays: shape of W, weights, biases and their total."""
        rows = []
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            rows.append({"layer": l, "shape": tuple(w.shape), "weights": int(w.size),
                         "biases": int(b.size), "total": int(w.size + b.size)})
        return rows

    @property
    def num_parameters(self):
        return sum(r["total"] for r in self.parameter_counts())

    def summary(self):
        """A printable table of the per-layer parameter counts."""
        lines = [f"{'layer':<6}{'W shape':>12}{'weights':>10}{'biases':>8}{'total':>9}"]
        for r in self.parameter_counts():
            shape = f"{r['shape'][0]}x{r['shape'][1]}"
            lines.append(f"{r['layer']:<6}{shape:>12}{r['weights']:>10,}{r['biases']:>8,}{r['total']:>9,}")
        lines.append(f"{'total':<6}{'':>12}{'':>10}{'':>8}{self.num_parameters:>9,}")
        return "\n".join(lines)


def count_parameters(sizes):
    """Per-layer (weights, biases) a fully connected network of these layer sizes has, without building it:
    layer l has n_out x n_in weights and n_out biases."""
    return [(n_in * n_out, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def one_hot(labels, n=10):
    """Rows of zeros with a 1 at each label: the target output for each image."""
    y = np.zeros((len(labels), n), dtype=np.float32)
    y[np.arange(len(labels)), labels] = 1.0
    return y


def close_call(output, margin=0.25):
    """The two most active outputs when they are within ``margin`` of each other ("4 or 9?"), else None.

    Returns (best, runner_up) digits.
    """
    output = np.asarray(output, dtype=np.float64)
    second, best = np.argsort(output)[-2:]
    if output[best] - output[second] < margin * max(output[best], 1e-12):
        return int(best), int(second)
    return None
