"""The network's answers over a fixed set of images (the MNIST test set), kept up to date edit by edit.

The first layer is where the work is: 10,000 images x 784 pixels x 16 neurons. An edit of first-layer
weights changes only the weighted sums of the neurons it touched, by (pixels of the edited inputs) x
(change in weight), so ``Scorer`` keeps the first layer's weighted sums z(1) and updates just those
columns; the layers after it are cheap (16 x 16 and 16 x 10) and are recomputed.
"""
from __future__ import annotations

import numpy as np

from .network import Network

# Incremental float32 updates drift by rounding; a full recomputation every so often bounds that.
RECOMPUTE_EVERY = 256
# Above this many edited inputs in one neuron, a dense matrix-vector product beats gathering columns.
DENSE_ABOVE = 64


def per_digit_accuracy(predictions, labels):
    """Accuracy for each digit 0-9: the share of images labelled d answered d (NaN where there are none)."""
    return np.array([np.mean(predictions[labels == d] == d) if np.any(labels == d) else np.nan for d in range(10)])


class Scorer:
    """First-layer weighted sums of ``net`` over images ``x`` (n, 784), updated in place as ``net`` is edited.

    ``net`` is the live, edited network (the scorer reads its arrays, never writes them). Register
    ``scorer.on_edit`` as an ``EditLog`` listener, or call ``recompute()`` after changing ``net`` otherwise.
    """

    def __init__(self, net: Network, x, labels):
        self.net = net
        self.x = x
        self.labels = np.asarray(labels)
        self.recompute()
        self.before = None  # (predictions, accuracy) before the last edit

    def recompute(self):
        """Everything from scratch: the reference the incremental updates must agree with."""
        self.z1 = self.x @ self.net.weight(1).T + self.net.bias(1)
        self.updates = 0
        self._rest()

    def on_edit(self, edit, forward=True):
        """Update after ``edit`` (an edits.Edit) was applied (forward) or undone (not forward)."""
        self.before = (self.predictions.copy(), self.accuracy)
        n_in = self.net.weights[0].shape[1]
        for c in edit.changes:
            if c.layer != 1:
                continue
            delta = (c.new - c.old) if forward else (c.old - c.new)
            if c.param == "b":
                self.z1[:, c.indices] += delta
                continue
            rows, cols = np.divmod(c.indices, n_in)
            for j in np.unique(rows):
                mask = rows == j
                if mask.sum() > DENSE_ABOVE:
                    dense = np.zeros(n_in, np.float32)
                    dense[cols[mask]] = delta[mask]
                    self.z1[:, j] += self.x @ dense
                else:
                    self.z1[:, j] += self.x[:, cols[mask]] @ delta[mask]
            self.updates += 1
        if self.updates >= RECOMPUTE_EVERY:
            self.recompute()
        else:
            self._rest()

    def _rest(self):
        """Layers 2 onwards from z(1). The output activations are left until asked for: the answer is
        the largest weighted sum whether the output is sigmoid or softmax (both are increasing)."""
        net = self.net
        self.zs = [self.z1]
        hidden = [self.x, net.activate(0, self.z1)]
        last = len(net.weights)
        for layer in range(2, last + 1):
            z = hidden[-1] @ net.weight(layer).T + net.bias(layer)
            self.zs.append(z)
            if layer < last:
                hidden.append(net.activate(layer - 1, z))
        self._hidden, self._activations = hidden, None
        self.predictions = np.argmax(self.zs[-1], axis=1)
        self.correct = self.predictions == self.labels
        self.accuracy = float(self.correct.mean())

    @property
    def activations(self):
        """Every layer's activations over the images, the input first (as in Network.forward)."""
        if self._activations is None:
            self._activations = self._hidden + [self.net.activate(len(self.net.weights) - 1, self.zs[-1])]
        return self._activations

    # Layers numbered as Forward numbers them (src.network): layer 0 is the input, layer l >= 1 has z(l) and a(l).
    def z(self, layer: int):
        """The weighted sums of ``layer`` >= 1 over the images, (n, size)."""
        if layer < 1:
            raise IndexError("layer 0 is the input: it has no weighted sums")
        return self.zs[layer - 1]

    def a(self, layer: int):
        """The activations of ``layer`` over the images (0 = the images themselves), (n, size)."""
        return self.activations[layer]

    def per_digit(self, predictions=None):
        """Accuracy for each digit 0-9 (of the current predictions, or of the ones given)."""
        return per_digit_accuracy(self.predictions if predictions is None else predictions, self.labels)

    def changed_since(self, predictions):
        """(newly broken, newly fixed) image indices relative to earlier ``predictions``."""
        was = predictions == self.labels
        return np.flatnonzero(was & ~self.correct), np.flatnonzero(~was & self.correct)
