"""The lesson, step by step: the nine steps of the chapter and the check of each step's task.

Every check is computed here, on the network, from what the server holds (the session's networks, its kept
drawings, its race): never from a "done" the browser says. Each returns a ``Result`` whose ``message`` says
what was measured against which threshold, in plain text (no Markdown).

Progress (which steps are done) travels in the page address as a token signed with a server secret
(HMAC-SHA256): ``progress_token`` makes one, ``read_progress_token`` refuses any token the server did not make.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

import numpy as np

from .network import SIDE, Network
from .words import a as article


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    page: str   # the full page for more (a page file, as in ui.registry)


STEPS = (
    Step(1, "A grid of numbers", "pages/1_draw.py"),
    Step(2, "Neurons hold numbers", "pages/1_draw.py"),
    Step(3, "Why layers?", "pages/5_probe.py"),
    Step(4, "Weights", "pages/2_hand_tune.py"),
    Step(5, "Bias", "pages/2_hand_tune.py"),
    Step(6, "Counting", "pages/4_parameters.py"),
    Step(7, "The whole layer at once", "pages/4_parameters.py"),
    Step(8, "Learning is finding 13,002 numbers", "pages/2_hand_tune.py"),
    Step(9, "Sigmoid or ReLU", "pages/3_sigmoid_vs_relu.py"),
)
N_STEPS = len(STEPS)

# --- the thresholds each check states -------------------------------------------------------------------
DRAWINGS_NEEDED = 3        # step 1: three drawings of one digit ...
MIN_DIFFERENT = 0.05       # ... each pair differing in at least 5% of the 784 pixels (by more than 0.3)
PIXEL_DIFFERENT = 0.3
EDGE_HIGH = 0.8            # step 4: activation on the horizontal bar at least this ...
EDGE_LOW = 0.2             # ... and on the vertical bar at most this
THRESHOLD = 10.0           # step 5: active only when the weighted sum exceeds 10 ...
THRESHOLD_TOLERANCE = 0.5  # ... the threshold −b within ±0.5 of it
SHAPE_LAYERS = (1, 3)      # step 7: the shapes of the first hidden layer and the output layer
MIN_FALL = 0.30            # step 8: zeroing the layer costs at least 30 points of accuracy ...
MIN_STILL_ZERO = 0.5       # ... at least half its neurons are still all zero ...
MIN_REBUILT = 0.05         # ... and the rebuilt copy scores at least 5 points above the zeroed one
TIE = 0.01                 # step 9: mean accuracies within 1 point of each other: neither learned faster
MIN_CHECKPOINTS = 3


@dataclass(frozen=True)
class Result:
    passed: bool
    message: str


def _ok(text):
    return Result(True, text)


def _no(text):
    return Result(False, text)


# --- step 1: three drawings of one digit, each read right ------------------------------------------------

def differs(a, b) -> float:
    """The share of the 784 pixels where two 28x28 images differ by more than PIXEL_DIFFERENT."""
    a, b = np.asarray(a, np.float32).ravel(), np.asarray(b, np.float32).ravel()
    return float(np.mean(np.abs(a - b) > PIXEL_DIFFERENT))


def check_drawings(net: Network, drawings, digit) -> Result:
    """Step 1: ``drawings`` ((28, 28) arrays as the network reads them) are DRAWINGS_NEEDED different
    drawings, and the network reads every one as ``digit``."""
    if not isinstance(digit, (int, np.integer)) or not 0 <= digit <= 9:
        return _no("Choose the digit you are drawing.")
    drawings = [np.asarray(d, np.float32).reshape(SIDE * SIDE) for d in drawings]
    if len(drawings) < DRAWINGS_NEEDED:
        return _no(f"Keep {DRAWINGS_NEEDED} drawings of {article(digit)}; you have kept {len(drawings)}.")
    drawings = drawings[-DRAWINGS_NEEDED:]
    for i in range(len(drawings)):
        for j in range(i):
            share = differs(drawings[i], drawings[j])
            if share < MIN_DIFFERENT:
                return _no(f"Drawings {j + 1} and {i + 1} are nearly the same ({share:.0%} of pixels differ; "
                           f"at least {MIN_DIFFERENT:.0%} must): draw the {digit} another way.")
    answers = [int(a) for a in net.predict(np.stack(drawings))]
    wrong = [k + 1 for k, a in enumerate(answers) if a != digit]
    if wrong:
        return _no(f"The network reads your drawings as {', '.join(map(str, answers))}: drawing "
                   f"{', '.join(map(str, wrong))} is not read as {article(digit)}.")
    return _ok(f"All {DRAWINGS_NEEDED} different drawings are read as {article(digit)}.")


# --- step 2: the output neuron that lights up -------------------------------------------------------------

def check_output_neuron(net: Network, x, clicked) -> Result:
    """Step 2: ``clicked`` is the output neuron with the highest activation on the image ``x``."""
    out = net.forward(np.asarray(x, np.float32).reshape(-1)).output
    best = int(np.argmax(out))
    if not isinstance(clicked, (int, np.integer)) or not 0 <= clicked < len(out):
        return _no("Click one of the ten output neurons.")
    if int(clicked) == best:
        return _ok(f"Output neuron {best} has the highest activation ({float(out[best]):.2f}): the network's answer.")
    return _no(f"Output neuron {int(clicked)} holds {float(out[int(clicked)]):.2f}; another one holds more.")


# --- step 3: what a first-layer neuron responds to ---------------------------------------------------------

def check_strongest_neuron(net: Network, x, chosen) -> Result:
    """Step 3: ``chosen`` is the first-layer neuron with the largest weighted sum z on the image ``x``
    (z, not the activation: several sigmoid activations can round to 1.00)."""
    z = net.forward(np.asarray(x, np.float32).reshape(-1)).z(1)
    best = int(np.argmax(z))
    if not isinstance(chosen, (int, np.integer)) or not 0 <= chosen < len(z):
        return _no("Choose a neuron of the first hidden layer.")
    if int(chosen) == best:
        return _ok(f"Neuron {best} responds most: z = {float(z[best]):.2f}.")
    return _no(f"Neuron {int(chosen)} has z = {float(z[int(chosen)]):.2f}; another neuron's is larger.")


# --- step 4: a horizontal-edge detector -------------------------------------------------------------------

def bar(horizontal: bool, length=14, width=3) -> np.ndarray:
    """A white bar across the middle of a black 28x28 image, (784,) float32: rows 13-15, columns 7-20 when
    ``horizontal``, else its transpose."""
    img = np.zeros((SIDE, SIDE), np.float32)
    mid = SIDE // 2
    lo, hi = mid - width // 2, mid + (width - width // 2)
    img[lo:hi, mid - length // 2:mid + length // 2] = 1.0
    return (img if horizontal else img.T).reshape(SIDE * SIDE)


HORIZONTAL_BAR = bar(True)
VERTICAL_BAR = bar(False)


def edge_activations(net: Network, neuron: int) -> tuple:
    """(activation on the horizontal bar, on the vertical bar) of first-layer ``neuron``."""
    a = net.forward(np.stack([HORIZONTAL_BAR, VERTICAL_BAR])).a(1)[:, neuron]
    return float(a[0]), float(a[1])


def check_edge_detector(net: Network, trained: Network, neuron) -> Result:
    """Step 4: first-layer ``neuron`` has been changed from ``trained`` and is now a horizontal-edge detector:
    activation >= EDGE_HIGH on HORIZONTAL_BAR and <= EDGE_LOW on VERTICAL_BAR."""
    if not isinstance(neuron, (int, np.integer)) or not 0 <= neuron < net.sizes[1]:
        return _no("Choose a neuron of the first hidden layer.")
    if np.array_equal(net.weight(1)[neuron], trained.weight(1)[neuron]):
        return _no(f"Neuron {neuron} still has its trained weights: paint them first.")
    high, low = edge_activations(net, neuron)
    text = (f"activation {high:.2f} on the horizontal bar (needs >= {EDGE_HIGH}) and {low:.2f} on the "
            f"vertical bar (needs <= {EDGE_LOW})")
    return (_ok if high >= EDGE_HIGH and low <= EDGE_LOW else _no)(f"Neuron {neuron}: {text}.")


# --- step 5: the bias as a threshold ----------------------------------------------------------------------

def check_threshold(net: Network, neuron, threshold=THRESHOLD) -> Result:
    """Step 5: first-layer ``neuron`` becomes active only once its weighted sum exceeds ``threshold``: its
    bias b puts the threshold −b within THRESHOLD_TOLERANCE of it."""
    if not isinstance(neuron, (int, np.integer)) or not 0 <= neuron < net.sizes[1]:
        return _no("Choose a neuron of the first hidden layer.")
    b = float(net.bias(1)[neuron])
    off = abs(-b - threshold)
    text = f"Neuron {neuron}: bias {b:.2f}, so it turns on once the weighted sum passes {-b:.2f}"
    if off <= THRESHOLD_TOLERANCE:
        return _ok(f"{text} (the target is {threshold:g} ± {THRESHOLD_TOLERANCE:g}).")
    return _no(f"{text}; it should pass {threshold:g} (± {THRESHOLD_TOLERANCE:g}).")


# --- step 6: counting -------------------------------------------------------------------------------------

def counts(net: Network) -> dict:
    """{(layer, 'weights' | 'biases'): count} read off the arrays, and {'total': all of them}."""
    out = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        out[(l, "weights")], out[(l, "biases")] = int(w.size), int(b.size)
    out["total"] = sum(out.values())
    return out


def check_counts(net: Network, answers: dict) -> Result:
    """Step 6: every count in ``answers`` (keys as in ``counts``) equals the array's size."""
    truth = counts(net)
    wrong = []
    for key, n in truth.items():
        given = answers.get(key)
        if given is None or isinstance(given, bool) or not isinstance(given, (int, np.integer, float)) or given != n:
            wrong.append("the total" if key == "total" else f"layer {key[0]}'s {key[1]}")
    if wrong:
        return _no(f"Not yet: {', '.join(wrong)}.")
    return _ok(f"Right: {truth['total']:,} weights and biases in all.")


# --- step 7: the shapes of a' = σ(W a + b) --------------------------------------------------------------------

def shapes(net: Network, layer: int) -> dict:
    """{'W', 'a', 'b', "a'"}: the shapes in a' = σ(W a + b) for ``layer`` (1-based), vectors as columns."""
    n_out, n_in = net.weight(layer).shape
    return {"W": (n_out, n_in), "a": (n_in, 1), "b": (n_out, 1), "a'": (n_out, 1)}


def shape_text(shape) -> str:
    return f"{shape[0]} x {shape[1]}"


def shape_choices(net: Network) -> list:
    """Every shape offered for a pick: the right ones of every layer and their transposes, as text."""
    found = set()
    for layer in range(1, len(net.weights) + 1):
        for r, c in shapes(net, layer).values():
            found.update({(r, c), (c, r)})
    return [shape_text(s) for s in sorted(found, key=lambda s: (s[0] * s[1], s))]


def check_shapes(net: Network, answers: dict, layers=SHAPE_LAYERS) -> Result:
    """Step 7: ``answers`` {(layer, name): "rows x cols"} gives every shape of every layer in ``layers``."""
    wrong = [f"{name} of layer {layer}" for layer in layers for name, shape in shapes(net, layer).items()
             if answers.get((layer, name)) != shape_text(shape)]
    if wrong:
        return _no(f"Not yet: {', '.join(wrong)}.")
    return _ok("Every shape is right: W has a row per neuron of the layer and a column per input.")


# --- step 8: zero a layer, rebuild some of it ------------------------------------------------------------

def zeroed(trained: Network, layer: int) -> Network:
    """``trained`` with every weight and bias of ``layer`` set to 0."""
    net = trained.copy()
    net.weight(layer)[:] = 0
    net.bias(layer)[:] = 0
    return net


def zero_neurons(net: Network, layer: int) -> int:
    """How many neurons of ``layer`` have all their incoming weights and their bias at 0."""
    w, b = net.weight(layer), net.bias(layer)
    return int(np.sum(~np.any(w, axis=1) & (b == 0)))


def check_rebuilt(net: Network, trained: Network, layer, x, labels, zeroed_accuracy=None) -> Result:
    """Step 8: zeroing ``layer`` of ``trained`` costs at least MIN_FALL of test accuracy; in ``net`` at least
    MIN_STILL_ZERO of that layer's neurons are still all zero, yet it scores at least MIN_REBUILT above the
    zeroed network. ``x`` (n, 784), ``labels`` (n,): the test set. ``zeroed_accuracy``: that of
    ``zeroed(trained, layer)`` when already known."""
    if not isinstance(layer, (int, np.integer)) or not 1 <= layer <= len(net.weights):
        return _no("Choose a layer.")
    trained_acc = trained.accuracy(x, labels)
    zero_acc = zeroed(trained, layer).accuracy(x, labels) if zeroed_accuracy is None else zeroed_accuracy
    if trained_acc - zero_acc < MIN_FALL:
        return _no(f"Zeroing layer {layer} only takes accuracy from {trained_acc:.1%} to {zero_acc:.1%}.")
    n = net.sizes[layer]
    still = zero_neurons(net, layer)
    if still < MIN_STILL_ZERO * n:
        return _no(f"Only {still} of layer {layer}'s {n} neurons are all zero: zero the layer first "
                   f"(at least {int(np.ceil(MIN_STILL_ZERO * n))} must stay zero while you rebuild).")
    now = net.accuracy(x, labels)
    if now < zero_acc + MIN_REBUILT:
        return _no(f"Accuracy {now:.1%}, zeroed {zero_acc:.1%}: rebuild until it is {MIN_REBUILT:.0%} "
                   f"higher than zeroed ({still} of {n} neurons still zero).")
    return _ok(f"Zeroing layer {layer} took accuracy from {trained_acc:.1%} to {zero_acc:.1%}; with {n - still} "
               f"of its {n} neurons rebuilt it is back to {now:.1%}.")


# --- step 9: which learned faster ---------------------------------------------------------------------------

def faster(accuracy: dict) -> str | None:
    """'sigmoid', 'relu' or 'tie' for a race's accuracy curves {name: [accuracy at each checkpoint]}: the
    higher mean accuracy over the checkpoints (the area under the curve) learned faster; within TIE it is a
    tie. None when the race has fewer than MIN_CHECKPOINTS checkpoints."""
    s, r = (np.asarray(accuracy.get(k, []), np.float64) for k in ("sigmoid", "relu"))
    if min(len(s), len(r)) < MIN_CHECKPOINTS:
        return None
    diff = float(s.mean() - r.mean())
    return "tie" if abs(diff) < TIE else ("sigmoid" if diff > 0 else "relu")


def check_race(accuracy: dict | None, said) -> Result:
    """Step 9: ``said`` names the one that learned faster in this race (``faster``)."""
    if not accuracy:
        return _no("Run a race first.")
    truth = faster(accuracy)
    if truth is None:
        return _no(f"The race needs at least {MIN_CHECKPOINTS} checkpoints: let it run longer.")
    means = {k: float(np.mean(accuracy[k])) for k in ("sigmoid", "relu")}
    text = f"mean accuracy over the race: sigmoid {means['sigmoid']:.1%}, ReLU {means['relu']:.1%}"
    if said not in ("sigmoid", "relu", "tie"):
        return _no("Say which learned faster.")
    return (_ok if said == truth else _no)(
        ("Right" if said == truth else "Look again") + f": {text}"
        + (f" (within {TIE:.0%}: a tie)." if truth == "tie" else "."))


# --- progress in the address, signed ------------------------------------------------------------------------

_TOKEN = re.compile(r"([0-9a-f]{1,4})\.([A-Za-z0-9_-]{16})")
_DONE_MASK = (1 << N_STEPS) - 1


def _signature(secret: bytes, mask_hex: str) -> str:
    digest = hmac.new(secret, b"vanilla-lesson-progress:v1:" + mask_hex.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def progress_token(done, secret: bytes) -> str:
    """The steps in ``done`` (numbers 1..N_STEPS) as a short signed token for the address."""
    mask = sum(1 << (n - 1) for n in set(done) if 1 <= n <= N_STEPS)
    mask_hex = format(mask, "x")
    return f"{mask_hex}.{_signature(secret, mask_hex)}"


def read_progress_token(token, secret: bytes) -> frozenset | None:
    """The steps a token made by ``progress_token`` with this ``secret`` says are done, or None when the token
    is malformed, forged or altered."""
    if not isinstance(token, str) or len(token) > 40:
        return None
    m = _TOKEN.fullmatch(token)
    if not m:
        return None
    mask_hex, sig = m.groups()
    if not hmac.compare_digest(sig, _signature(secret, mask_hex)):
        return None
    mask = int(mask_hex, 16)
    if mask & ~_DONE_MASK or format(mask, "x") != mask_hex:
        return None
    return frozenset(n for n in range(1, N_STEPS + 1) if mask >> (n - 1) & 1)


def parse_step(text) -> int | None:
    """A step number from the address ("4"), or None when it is not one of 1..N_STEPS."""
    if not isinstance(text, str) or not re.fullmatch(r"[1-9][0-9]?", text.strip()):
        return None
    n = int(text)
    return n if 1 <= n <= N_STEPS else None
