"""Probing a trained network: what it looks for, where its answer flips, what breaks it.

Five experiments, all on a live ``Network`` (a shipped model or an edited copy, any layer sizes that chain,
sigmoid or ReLU hidden layers, softmax or sigmoid outputs):

- ``dream``: gradient ascent on the 784 input pixels (kept in [0, 1]) to excite one neuron: "what does it
  want to see?". The slope with respect to the pixels comes from the project's own backpropagation,
  ``Network.backward``, started at the chosen neuron (see ``input_gradient``).
- ``morph``: the straight line between two images, where the answer flips, which hidden neurons changed.
- ``fool``: the fewest pixels (each set to 0 or 1) that change the answer, chosen greedily by the gradient.
- ``ablate`` / ``ablation_ranking``: hidden neurons switched off (activation forced to 0) and the test
  accuracy that is left; the first layer's weighted sums are computed once and reused.
- ``noise_census``: the answers for many random images.

Layers are numbered as in the lesson, 1-based: layer 1 is the first hidden layer, layer ``len(net.weights)``
the output layer. Neurons are 0-based indices within their layer (for the output layer: the digit).
Images are rows of 784 pixels in [0, 1] (ink high), one image (784,) or a batch (n, 784).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .activations import HIDDEN, sigmoid
from .network import SIDE, Network

# Bounds on one request, so one visitor cannot keep a shared server busy.
MAX_STEPS = 1000          # dream: gradient steps
MAX_SECONDS = 5.0         # dream: wall time
MAX_FOOL_PIXELS = 200     # fool: pixels changed before giving up
MAX_MORPH_POINTS = 401    # morph: images along the line
MAX_NOISE_IMAGES = 100_000  # noise census
NOISE_CHUNK = 5_000       # noise images generated at once (bounds memory: 5,000 x 784 float32 = 16 MB)

NOISE_KINDS = ("uniform", "binary", "sparse", "gaussian")
STARTS = ("blank", "noise")


# --- the slope of one neuron with respect to the pixels ---------------------------------------------
def _check_layer(net: Network, layer: int, neuron: int):
    n_layers = len(net.weights)
    if not 1 <= layer <= n_layers:
        raise ValueError(f"layer must be 1..{n_layers} (1 = first hidden layer, {n_layers} = output), got {layer}")
    size = net.weight(layer).shape[0]
    if not 0 <= neuron < size:
        raise ValueError(f"layer {layer} has neurons 0..{size - 1}, got {neuron}")


def _neuron_delta(net: Network, fw, layer: int, neuron: int, of: str):
    """∂(the chosen quantity)/∂z of ``layer``, shape (n, size): the ``delta`` backpropagation starts from.

    ``of='activation'``: the neuron's activation a_j; ``of='z'``: its weighted sum z_j (before the activation;
    for the output layer, before softmax or sigmoid).
    """
    z = fw.z(layer)
    delta = np.zeros_like(z)
    if of == "z":
        delta[:, neuron] = 1.0
        return delta
    if of != "activation":
        raise ValueError(f"of must be 'activation' or 'z', got {of!r}")
    if layer < len(net.weights):
        delta[:, neuron] = HIDDEN[net.activation][1](z[:, neuron])
    elif net.output == "softmax":
        # ∂a_j/∂z_k = a_j (δ_jk - a_k)
        a = fw.a(layer)
        delta = -a[:, neuron:neuron + 1] * a
        delta[:, neuron] += a[:, neuron]
    else:
        s = sigmoid(z[:, neuron])
        delta[:, neuron] = s * (1.0 - s)
    return delta


def _value(fw, layer, neuron, of):
    return (fw.z(layer) if of == "z" else fw.a(layer))[:, neuron]


def input_gradient(net: Network, x, layer: int, neuron: int, of: str = "activation", return_value=False):
    """∂(activation, or weighted sum z when ``of='z'``, of ``neuron`` in ``layer``)/∂x.

    x: one image (784,) or a batch (n, 784). Returns the gradient shaped like x (and, with ``return_value``,
    the neuron's value, a float or (n,)). Computed by ``net.forward`` then ``net.backward`` from that layer down
    to the pixels: the project's own backpropagation.
    """
    _check_layer(net, layer, neuron)
    x = np.asarray(x)
    single = x.ndim == 1
    fw = net.forward(np.atleast_2d(x))
    delta = _neuron_delta(net, fw, layer, neuron, of)
    _, _, grad = net.backward(fw, delta, top=layer, to_input=True)
    value = _value(fw, layer, neuron, of)
    if single:
        grad, value = grad[0], float(value[0])
    return (grad, value) if return_value else grad


# --- penalties for the dream ----------------------------------------------------------------------
def total_variation(x, shape=(SIDE, SIDE)):
    """Sum of squared differences between horizontal and vertical neighbours of an image (784,) seen as
    ``shape``, and its gradient (784,). Zero for a flat image; large for salt-and-pepper noise."""
    img = np.asarray(x).reshape(shape)
    dh = img[:, 1:] - img[:, :-1]
    dv = img[1:, :] - img[:-1, :]
    grad = np.zeros_like(img)
    grad[:, 1:] += 2 * dh
    grad[:, :-1] -= 2 * dh
    grad[1:, :] += 2 * dv
    grad[:-1, :] -= 2 * dv
    return float(np.sum(dh * dh) + np.sum(dv * dv)), grad.reshape(-1)


def size_cost(x, norm="l2"):
    """The image's 'amount of ink': sum of x² ('l2') or of |x| ('l1'), and its gradient."""
    x = np.asarray(x)
    if norm == "l2":
        return float(np.sum(x * x)), 2 * x
    if norm == "l1":
        return float(np.sum(np.abs(x))), np.sign(x)
    raise ValueError(f"norm must be 'l1' or 'l2', got {norm!r}")


# --- "what does it want to see?" --------------------------------------------------------------------
@dataclass
class Dream:
    """The result of ``dream``.

    image (784,) in [0, 1]; trace (steps+1,) the neuron's value before each step and after the last;
    output (n_out,) the network's output for the image and answer its digit; stopped: 'steps', 'time',
    'asked' (should_stop said so) or 'flat' (the slope was exactly zero: nothing to climb).
    """

    image: np.ndarray
    trace: np.ndarray
    output: np.ndarray
    answer: int
    steps: int
    seconds: float
    stopped: str

    @property
    def value(self):
        """The neuron's value for the final image."""
        return float(self.trace[-1])


def start_image(start, n_pixels=784, seed=0):
    """'blank' (all 0), 'noise' (uniform in [0, 1]) or a given image, as a float (n_pixels,) copy in [0, 1]."""
    if isinstance(start, str):
        if start == "blank":
            return np.zeros(n_pixels)
        if start == "noise":
            return np.random.default_rng(seed).random(n_pixels)
        raise ValueError(f"start must be one of {STARTS} or an image, got {start!r}")
    x = np.asarray(start, dtype=float).reshape(-1)
    if x.shape != (n_pixels,):
        raise ValueError(f"the start image must have {n_pixels} pixels, got {x.size}")
    return np.clip(x, 0.0, 1.0)


def dream(net: Network, layer: int, neuron: int, start="blank", steps=200, lr=0.05, smoothness=0.0,
          size_penalty=0.0, size_norm="l2", of="activation", seed=0, on_step=None, every=10,
          should_stop=None, max_seconds=2.0) -> Dream:
    """Projected gradient ascent on the pixels to raise one neuron's value.

    Each step moves the pixels along  ĝ - smoothness * ∇TV(x) - size_penalty * ∇size(x),  then clips them to
    [0, 1], where ĝ is the slope of the neuron's value (its activation, or z with ``of='z'``) divided by its
    RMS, TV the total variation (``total_variation``) and size the L2 or L1 amount of ink (``size_cost``).
    Dividing the slope by its RMS makes the typical pixel move ``lr`` per step and gives the penalty weights
    the same meaning for every neuron and model, whatever the scale of its slope (a ReLU z can be 50, a
    softmax output at most 1). The image stops changing where the value's direction is balanced by the
    penalties' pull. The step shrinks linearly to a tenth of ``lr`` over the run, so it settles instead of
    jittering. Where the activation is flat (a dead ReLU, a saturated sigmoid) its weighted sum z still says
    which way is up: for a single neuron a(z) is increasing, so that step follows z.

    start: 'blank', 'noise' (seeded by ``seed``) or an image (784,). ``on_step(step, image, value)`` is
    called every ``every`` steps and after the last; ``should_stop()`` returning True ends early. Work is
    bounded: at most MAX_STEPS steps and MAX_SECONDS seconds whatever is asked.
    """
    _check_layer(net, layer, neuron)
    steps = int(min(max(steps, 0), MAX_STEPS))
    max_seconds = min(float(max_seconds), MAX_SECONDS)
    # an explicit diffusion step is stable only while rate x smoothness x 16 < 2 (16: the largest eigenvalue
    # of ∇TV's Laplacian); keep well inside that whatever is asked
    smoothness = min(max(float(smoothness), 0.0), 0.08 / max(lr, 1e-12))
    size_penalty = min(max(float(size_penalty), 0.0), 0.5 / max(lr, 1e-12))
    n_pixels = net.weights[0].shape[1]
    side = int(round(np.sqrt(n_pixels)))
    shape = (side, side) if side * side == n_pixels else (1, n_pixels)
    # float64 pixels whatever the network's dtype: small steps are not lost to rounding
    x = start_image(start, n_pixels, seed)
    flat_can_use_z = of == "activation" and (layer < len(net.weights) or net.output == "sigmoid")
    t0 = time.perf_counter()
    trace = []
    stopped = "steps"
    for step in range(steps + 1):
        fw = net.forward(x[None, :])
        value = float(_value(fw, layer, neuron, of)[0])
        trace.append(value)
        if on_step is not None and (step % every == 0 or step == steps):
            on_step(step, x, value)
        if step == steps:
            break
        if should_stop is not None and should_stop():
            stopped = "asked"
            break
        if time.perf_counter() - t0 > max_seconds:
            stopped = "time"
            break
        _, _, g = net.backward(fw, _neuron_delta(net, fw, layer, neuron, of), top=layer)
        g = g[0].astype(float)
        if not np.any(g) and flat_can_use_z:
            _, _, g = net.backward(fw, _neuron_delta(net, fw, layer, neuron, "z"), top=layer)
            g = g[0].astype(float)
        rms = float(np.sqrt(np.mean(g * g)))
        direction = g / rms if rms > 0 and np.isfinite(rms) else np.zeros_like(x)
        if smoothness:
            direction -= smoothness * total_variation(x, shape)[1]
        if size_penalty:
            direction -= size_penalty * size_cost(x, size_norm)[1]
        if not np.any(direction):
            stopped = "flat"
            break
        rate = lr * (1.0 - 0.9 * step / max(steps, 1))
        x = np.clip(x + rate * direction, 0.0, 1.0)
    out = net.feedforward(x)
    return Dream(image=x, trace=np.array(trace), output=np.asarray(out, dtype=float),
                 answer=int(np.argmax(out)), steps=len(trace) - 1,
                 seconds=time.perf_counter() - t0, stopped=stopped)


# --- morph ----------------------------------------------------------------------------------------
@dataclass
class Morph:
    """The straight line from image x0 (t=0) to x1 (t=1).

    ts (n,); images (n, 784); outputs (n, n_out); answers (n,); hidden: each hidden layer's activations
    (n, size); flip_index / flip_t: the first point whose answer differs from the answer at t=0 (None if it
    never does); ranking: every hidden neuron as a dict (layer, neuron, change, path, start, end) sorted by
    ``change`` = |a(t=1) - a(t=0)| (largest first) or by ``path`` = total variation Σ|a(t_i+1) - a(t_i)|
    along the line; start and end are its activations at t=0 and t=1.
    """

    ts: np.ndarray
    images: np.ndarray
    outputs: np.ndarray
    answers: np.ndarray
    hidden: list
    flip_index: int | None
    flip_t: float | None
    ranking: list


def morph(net: Network, x0, x1, n=41, rank_by="change") -> Morph:
    """Images (1 - t) x0 + t x1 for n values of t from 0 to 1, all run through the network in one batch.

    rank_by: 'change' (|a(1) - a(0)|) or 'path' (total variation along the line) orders ``ranking``.
    """
    n = int(min(max(n, 2), MAX_MORPH_POINTS))
    dtype = np.result_type(net.weights[0].dtype, np.float32)
    x0 = np.asarray(x0, dtype=dtype).reshape(-1)
    x1 = np.asarray(x1, dtype=dtype).reshape(-1)
    ts = np.linspace(0.0, 1.0, n)
    images = (1 - ts[:, None]).astype(dtype) * x0 + ts[:, None].astype(dtype) * x1
    fw = net.forward(images)
    outputs = fw.output
    answers = np.argmax(outputs, axis=1)
    flips = np.flatnonzero(answers != answers[0])
    flip_index = int(flips[0]) if flips.size else None
    hidden = fw.activations[1:-1]
    rows = []
    for l, a in enumerate(hidden, start=1):
        change = np.abs(a[-1] - a[0]).astype(float)
        path = np.abs(np.diff(a, axis=0)).sum(axis=0).astype(float)
        rows += [{"layer": l, "neuron": j, "change": float(change[j]), "path": float(path[j]),
                  "start": float(a[0, j]), "end": float(a[-1, j])} for j in range(a.shape[1])]
    if rank_by not in ("change", "path"):
        raise ValueError(f"rank_by must be 'change' or 'path', got {rank_by!r}")
    rows.sort(key=lambda r: (-r[rank_by], r["layer"], r["neuron"]))
    return Morph(ts, images, outputs, answers, hidden, flip_index,
                 None if flip_index is None else float(ts[flip_index]), rows)


# --- fool it ----------------------------------------------------------------------------------------
@dataclass
class Fooled:
    """The result of ``fool``: image (784,), pixels: the indices changed (each set to 0 or 1), count,
    total_change = Σ|new - old|, before/after: the answers, output_before/output_after, flipped: whether the
    answer changed as asked (to ``target`` if one was given)."""

    image: np.ndarray
    pixels: np.ndarray
    count: int
    total_change: float
    before: int
    after: int
    output_before: np.ndarray
    output_after: np.ndarray
    flipped: bool


def _margin_and_pair(z, before, target):
    """The margin the attack pushes below zero, and the (up, down) output neurons whose z it compares.

    Untargeted: z[before] - max other z (the answer flips when < 0). Targeted: max other z - z[target]
    (the target wins when < 0). Ties go to the lower digit, as argmax does.
    """
    z = np.asarray(z, dtype=float)
    if target is None:
        others = z.copy()
        others[before] = -np.inf
        rival = int(np.argmax(others))
        return z[before] - z[rival], rival, before
    others = z.copy()
    others[target] = -np.inf
    rival = int(np.argmax(others))
    return z[rival] - z[target], target, rival


def _answered(net, x):
    return int(net.predict(x))


def fool(net: Network, x, target=None, max_pixels=60, candidates=24, prune=True) -> Fooled:
    """The fewest pixels, each set to 0 or 1, that change the network's answer for image x (784,).

    Greedy: at each step the gradient of the margin between the answer and its strongest rival (with respect
    to the pixels, by backpropagation from the output layer's z) proposes the ``candidates`` pixels whose
    change to 0 or 1 (whichever helps) should lower the margin most; those are tried exactly in one batch and
    the best is kept. It stops when the answer flips (to ``target``, if given) or after ``max_pixels``
    pixels. With ``prune``, pixels that turn out not to be needed are then put back.
    """
    x = np.asarray(x, dtype=np.result_type(net.weights[0].dtype, np.float32)).reshape(-1)
    max_pixels = int(min(max(max_pixels, 0), MAX_FOOL_PIXELS))
    top = len(net.weights)
    out0 = net.feedforward(x)
    before = int(np.argmax(out0))
    if target is not None:
        target = int(target)
        if not 0 <= target < out0.shape[-1]:
            raise ValueError(f"target must be 0..{out0.shape[-1] - 1}, got {target}")

    def done(answer):
        return answer != before if target is None else answer == target

    new = x.copy()
    changed: list[int] = []
    free = np.ones(x.size, bool)
    answer = before
    while not done(answer) and len(changed) < max_pixels:
        fw = net.forward(new[None, :])
        margin, up, down = _margin_and_pair(fw.zs[-1][0], before, target)
        delta = np.zeros_like(fw.zs[-1])
        # ∂margin/∂z: untargeted margin = z[before] - z[rival] (up=rival, down=before), lowered
        delta[0, down] += 1.0
        delta[0, up] -= 1.0
        _, _, g = net.backward(fw, delta, top=top)
        g = g[0].astype(float)
        # first-order fall of the margin for setting pixel i to 1 or to 0
        to_one = -g * (1.0 - new)
        to_zero = g * new
        gain = np.where(free, np.maximum(to_one, to_zero), -np.inf)
        k = int(min(candidates, free.sum()))
        if k == 0:
            break
        order = np.argpartition(-gain, k - 1)[:k]
        order = order[np.isfinite(gain[order])]
        values = np.where(to_one[order] >= to_zero[order], 1.0, 0.0).astype(new.dtype)
        keep = values != new[order]  # setting a pixel to the value it has is no change
        order, values = order[keep], values[keep]
        if order.size == 0:
            break
        trial = np.repeat(new[None, :], order.size, axis=0)
        trial[np.arange(order.size), order] = values
        zt = net.forward(trial).zs[-1]
        margins = np.array([_margin_and_pair(z, before, target)[0] for z in zt])
        best = int(np.argmin(margins))
        i = int(order[best])
        new[i] = values[best]
        free[i] = False
        changed.append(i)
        answer = _answered(net, new)
    flipped = done(answer)
    if flipped and prune:
        # put back, latest first, every pixel the flip does not need
        for i in list(reversed(changed)):
            trial = new.copy()
            trial[i] = x[i]
            if done(_answered(net, trial)):
                new = trial
                changed.remove(i)
        answer = _answered(net, new)
    pixels = np.array(sorted(changed), dtype=int)
    out1 = net.feedforward(new)
    return Fooled(image=new, pixels=pixels, count=int(pixels.size),
                  total_change=float(np.abs(new.astype(float) - x.astype(float)).sum()),
                  before=before, after=int(answer), output_before=np.asarray(out0, dtype=float),
                  output_after=np.asarray(out1, dtype=float), flipped=bool(flipped))


# --- break it: switching hidden neurons off ---------------------------------------------------------
def hidden_neurons(net: Network):
    """Every hidden neuron as (layer, neuron), layer 1-based: 32 for 784-16-16-10."""
    return [(l, j) for l in range(1, len(net.weights)) for j in range(net.weight(l).shape[0])]


@dataclass
class Ablation:
    """Accuracy with some hidden neurons off: accuracy (float), per_digit (10,), predictions (n,)."""

    accuracy: float
    per_digit: np.ndarray
    predictions: np.ndarray


class Ablator:
    """Test accuracy of ``net`` on images x (n, 784) with hidden neurons switched off, fast.

    The first layer is the expensive one (n x 784 x 16); its weighted sums z(1) are computed once here (or
    taken from ``z1``, e.g. a ``Scorer``'s, when they belong to this very network; only read, not kept) and
    every query recomputes only the layers after it. The ablator keeps a copy of the network, so editing
    ``net`` afterwards does not change its answers.

    For the ranking, switching off neuron j of hidden layer l alone is a rank-one change of the next layer's
    weighted sums, z(l+1) - a_j(l) W(l+1)[:, j]: no product with the layer's other neurons, none at all for
    the last hidden layer (its next layer is the output), and the layers after it run for a whole block of
    neurons in one matrix product (a few large BLAS calls instead of many small ones).
    """

    BLOCK = 4_000_000  # values of (neurons x images x next layer) handled at once: bounds memory (16 MB)

    def __init__(self, net: Network, x, labels, z1=None):
        # a snapshot: a later edit of ``net`` must not change what this ablator answers (it may be cached)
        self.net = net = net.copy()
        self.labels = np.asarray(labels).astype(np.intp)
        self.label_counts = np.bincount(self.labels, minlength=10)[:10]
        z = (np.asarray(x) @ net.weight(1).T + net.bias(1)) if z1 is None else z1
        # the intact network over the images, by layer number: z[l] = z(l) for every layer, a[l] = a(l) for the
        # hidden ones (the output's activations are never needed: the answer is the largest z)
        self.z, self.a = {1: z}, {}
        for l in range(1, len(net.weights)):
            self.a[l] = net.activate(l - 1, self.z[l])
            self.z[l + 1] = self.a[l] @ net.weight(l + 1).T + net.bias(l + 1)
        self.intact = self._score(np.argmax(self.z[len(net.weights)], axis=1))

    def _answers_from(self, l, a, off=frozenset()):
        """Answers given layer l's activations a (..., size_l), l >= 1, switching off ``off`` above it."""
        net = self.net
        last = len(net.weights)
        z = None
        for k in range(l + 1, last + 1):
            z = a @ net.weight(k).T + net.bias(k)
            if k < last:
                a = net.activate(k - 1, z)
                cols = [j for (layer, j) in off if layer == k]
                if cols:
                    a[..., cols] = 0  # a is a fresh array: activate never returns its argument
        # the output activations are increasing in z: the answer is the largest z
        return np.argmax(z if z is not None else a, axis=-1)

    def _score(self, predictions):
        correct = predictions == self.labels
        # per digit as scoring.per_digit_accuracy defines it (NaN where a digit has no image), by counting:
        # ten boolean masks over 10,000 labels would cost more than the layers themselves
        right = np.bincount(self.labels[correct], minlength=10)[:10]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_digit = np.where(self.label_counts > 0, right / np.maximum(self.label_counts, 1), np.nan)
        return Ablation(float(correct.mean()), per_digit, predictions)

    def ablate(self, off) -> Ablation:
        """Accuracy with every (layer, neuron) in ``off`` switched off (activation forced to 0)."""
        off = frozenset((int(l), int(j)) for l, j in off)
        n_hidden = len(self.net.weights) - 1
        for l, j in off:
            if not 1 <= l <= n_hidden:
                raise ValueError(f"only hidden neurons can be switched off: layer must be 1..{n_hidden}, got {l}")
            _check_layer(self.net, l, j)
        if not off:
            return self.intact
        a1 = self.a[1].copy()
        a1[:, [j for (l, j) in off if l == 1]] = 0
        return self._score(self._answers_from(1, a1, off))

    def _alone(self, l, neurons):
        """Answers (len(neurons), n) with each neuron of hidden layer l switched off alone."""
        net = self.net
        w = net.weight(l + 1)                       # (size_{l+1}, size_l)
        a = self.a[l][:, neurons]                   # (n, k)
        # z(l+1) - a_j(l) W(l+1)[:, j] for every j at once: (k, n, size_{l+1})
        z = self.z[l + 1][None, :, :] - a.T[:, :, None] * w[:, neurons].T[:, None, :]
        if l + 1 == len(net.weights):
            return np.argmax(z, axis=-1)
        return self._answers_from(l + 1, net.activate(l, z))

    def ranking(self):
        """Every hidden neuron with the accuracy left when it alone is off, largest drop first.

        Returns a list of dicts: layer, neuron, accuracy, drop (intact accuracy - accuracy), per_digit (10,).
        """
        rows = []
        n = len(self.labels)
        for l in range(1, len(self.net.weights)):
            size = self.net.weight(l).shape[0]
            widest = max(w.shape[0] for w in self.net.weights[l:])
            block = max(1, self.BLOCK // max(1, n * widest))
            for first in range(0, size, block):
                neurons = list(range(first, min(size, first + block)))
                for j, answers in zip(neurons, self._alone(l, neurons)):
                    result = self._score(answers)
                    rows.append({"layer": l, "neuron": j, "accuracy": result.accuracy,
                                 "drop": self.intact.accuracy - result.accuracy, "per_digit": result.per_digit})
        rows.sort(key=lambda r: (-r["drop"], r["layer"], r["neuron"]))
        return rows


def ablate(net: Network, x, labels, off) -> Ablation:
    """Test accuracy (overall and per digit) of ``net`` on x (n, 784) with hidden neurons ``off`` switched off:
    ``off`` is an iterable of (layer, neuron), layer 1-based among the hidden layers."""
    return Ablator(net, x, labels).ablate(off)


def ablation_ranking(net: Network, x, labels, z1=None):
    """All hidden neurons ranked by the accuracy drop when each alone is off (see ``Ablator.ranking``)."""
    return Ablator(net, x, labels, z1).ranking()


# --- noise ----------------------------------------------------------------------------------------
@dataclass
class Census:
    """Answers for n random images: counts (10,) how often each digit is the answer; confidence (n,) the
    winning output's activation per image; mean_confidence, median_confidence over all images;
    mean_by_digit (10,) the mean confidence of the images answered d (NaN where none)."""

    kind: str
    n: int
    counts: np.ndarray
    confidence: np.ndarray
    mean_confidence: float
    median_confidence: float
    mean_by_digit: np.ndarray


def noise_images(n, kind="uniform", rng=None, n_pixels=784, dtype=np.float32):
    """n random images (n, n_pixels) in [0, 1].

    uniform: each pixel uniform in [0, 1]; binary: each pixel 0 or 1 at random; sparse: MNIST-like amount of
    ink, about one pixel in five lit with a random brightness; gaussian: N(0.5, 0.25) clipped to [0, 1].
    """
    rng = np.random.default_rng(rng)
    if kind == "uniform":
        return rng.random((n, n_pixels), dtype=np.float32).astype(dtype, copy=False)
    if kind == "binary":
        return (rng.random((n, n_pixels), dtype=np.float32) < 0.5).astype(dtype)
    if kind == "sparse":
        lit = rng.random((n, n_pixels), dtype=np.float32) < 0.19
        return (lit * rng.random((n, n_pixels), dtype=np.float32)).astype(dtype)
    if kind == "gaussian":
        return np.clip(rng.normal(0.5, 0.25, (n, n_pixels)), 0, 1).astype(dtype)
    raise ValueError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")


def noise_census(net: Network, n=10_000, seed=0, kind="uniform") -> Census:
    """How the network answers n random images of ``kind`` (see ``noise_images``), at most MAX_NOISE_IMAGES,
    generated in chunks so memory stays small."""
    n = int(min(max(n, 1), MAX_NOISE_IMAGES))
    rng = np.random.default_rng(seed)
    dtype = np.result_type(net.weights[0].dtype, np.float32)
    n_out = net.weights[-1].shape[0]
    answers = np.empty(n, dtype=int)
    confidence = np.empty(n, dtype=float)
    for start in range(0, n, NOISE_CHUNK):
        m = min(NOISE_CHUNK, n - start)
        out = net.feedforward(noise_images(m, kind, rng, net.weights[0].shape[1], dtype))
        answers[start:start + m] = np.argmax(out, axis=1)
        confidence[start:start + m] = out.max(axis=1)
    counts = np.bincount(answers, minlength=n_out)
    sums = np.bincount(answers, weights=confidence, minlength=n_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_by_digit = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return Census(kind, n, counts, confidence, float(confidence.mean()), float(np.median(confidence)),
                  mean_by_digit)
