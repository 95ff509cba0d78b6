"""The judge: scores submissions on the server against the shipped models and the MNIST test set.

Nothing the browser says about a score is used: a share code (``edits.encode_link``) is decoded against the
shipped models, the network rebuilt and run over the test set here; a 'fool it' image (784 values in [0, 1]) is
stored and scored at 256 levels (``quantise``), so a stored entry gives back its score exactly.
"""
from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass

import numpy as np

from ..edits import MAX_LINK_CHARS, LinkError, decode_link
from ..network import SIDE, Network
from ..words import a as article
from .challenges import IMAGE, MODEL_LABELS, SIZES, STEPS, Challenge, WorkshopError

# A submission is the network's share link code: as long as a share link may be.
MAX_SUBMISSION_CHARS = MAX_LINK_CHARS


# --- images for 'fool it' ---------------------------------------------------------------------------------

def quantise(pixels) -> np.ndarray:
    """784 brightness values in [0, 1] (any shape with 784 entries) as uint8 levels (784,), or WorkshopError.
    The image is stored and scored at these 256 levels, so a stored entry gives back its score exactly."""
    try:
        p = np.asarray(pixels, dtype=np.float64)
    except (TypeError, ValueError):
        raise WorkshopError(f"The image must be {SIZES[0]} numbers between 0 and 1.") from None
    if p.size != SIZES[0]:
        raise WorkshopError(f"The image must have {SIZES[0]} pixels ({SIDE}x{SIDE}), not {p.size}.")
    p = p.ravel()
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise WorkshopError("Every pixel must be a brightness between 0 and 1.")
    return np.rint(p * 255).astype(np.uint8)


def encode_image(q: np.ndarray) -> str:
    """uint8 (784,) -> URL-safe text (zlib + base64url), kept as the submission's code."""
    return base64.urlsafe_b64encode(zlib.compress(np.asarray(q, np.uint8).tobytes(), 9)).decode().rstrip("=")


def decode_image(code: str) -> np.ndarray:
    """The uint8 (SIDE, SIDE) image of an ``encode_image`` code; WorkshopError if it is not one."""
    try:
        raw = zlib.decompressobj().decompress(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)), SIZES[0] + 1)
    except (ValueError, TypeError, zlib.error):
        raise WorkshopError("This entry's image cannot be read.") from None
    if len(raw) != SIZES[0]:
        raise WorkshopError("This entry's image cannot be read.")
    return np.frombuffer(raw, np.uint8).reshape(SIDE, SIDE).copy()


# --- the judge: scores on the server ------------------------------------------------------------------------

@dataclass(frozen=True)
class Scored:
    score: float
    edits: int
    code: str


class Judge:
    """Scores submissions against the shipped models ``trained`` ({name: Network}, never modified) on the
    test set: ``x`` (n, 784) float32 in [0, 1] and ``labels`` (n,)."""

    def __init__(self, trained: dict, x, labels):
        self.trained = trained
        self.x = x
        self.labels = np.asarray(labels)
        self.images = np.rint(np.asarray(x) * 255).astype(np.uint8)  # x is uint8 / 255: exact
        self._starts = {}
        self._predictions = {}

    def start(self, challenge: Challenge) -> Network:
        """The challenge's starting network (the trained one, or with its layer zeroed); do not modify."""
        key = (challenge.model, challenge.start_layer)
        if key not in self._starts:
            net = self.trained[challenge.model].copy()
            if challenge.start_layer:
                net.weight(challenge.start_layer)[:] = 0
                net.bias(challenge.start_layer)[:] = 0
            self._starts[key] = net
        return self._starts[key]

    def predictions(self, model: str) -> np.ndarray:
        if model not in self._predictions:
            self._predictions[model] = self.trained[model].predict(self.x)
        return self._predictions[model]

    def check(self, challenge: Challenge):
        """WorkshopError when the challenge cannot be played on this test set (a 'fool it' target that the
        image already is, or is already read as)."""
        if challenge.spec.submits != IMAGE:
            return
        i, target = challenge.params["index"], challenge.params["target"]
        if i >= len(self.labels):
            raise WorkshopError(f"There is no test image #{i} (the test set has {len(self.labels)}).")
        label, answer = int(self.labels[i]), int(self.predictions(challenge.model)[i])
        if target in (label, answer):
            raise WorkshopError(f"Test image #{i} is {article(label)} and the {MODEL_LABELS[challenge.model]} model reads "
                                f"it as {answer}: choose another target digit.")

    def rebuild(self, challenge: Challenge, code: str) -> Network:
        """The network a share code describes (the trained model plus its edits), checked for the challenge."""
        if not isinstance(code, str) or not code:
            raise WorkshopError("This network's code is missing.")
        if len(code) > MAX_SUBMISSION_CHARS:
            raise WorkshopError(f"This network differs from the trained model in too many arbitrary numbers: its code "
                                f"is {len(code):,} characters and a submission takes at most "
                                f"{MAX_SUBMISSION_CHARS:,}. Use fewer distinct values (templates, round numbers), then submit again.")
        try:
            name, diff = decode_link(code, self.trained)
        except LinkError as e:
            raise WorkshopError(f"This network could not be read: {e}.") from None
        if name != challenge.model:
            raise WorkshopError(f"This room's challenge is on the {MODEL_LABELS[challenge.model]} model; you sent an "
                                f"edited {MODEL_LABELS.get(name, name)} model. Switch the model in the sidebar.")
        net = self.trained[name].copy()
        for (layer, param), (idx, values) in diff.items():
            np.put(net.array(layer, param), idx, values)
        return net

    def changes(self, challenge: Challenge, net: Network) -> int:
        """How many weights and biases of ``net`` differ from the challenge's starting network."""
        start = self.start(challenge)
        return int(sum(np.count_nonzero(a != b) for a, b in zip(net.weights + net.biases,
                                                                start.weights + start.biases)))

    def _trained_z1(self, model: str) -> np.ndarray:
        """The trained model's first-layer weighted sums over the test set, (n, 16), computed once."""
        key = ("z1", model)
        if key not in self._predictions:
            net = self.trained[model]
            z1 = self.x @ net.weight(1).T + net.bias(1)
            z1.flags.writeable = False
            self._predictions[key] = z1
        return self._predictions[key]

    def leftover(self, challenge: Challenge, net: Network) -> int:
        """How many trained weights and biases of the challenge's zeroed layer are still in ``net`` (0 when
        the challenge zeroes none). An untouched entry of a zeroed layer is 0 and a rebuilt one is a person's
        own number: one equal to the trained float32 to the last bit is not there by chance."""
        layer = challenge.start_layer
        if not layer:
            return 0
        trained = self.trained[challenge.model]
        return sum(int(np.count_nonzero((now == was) & (was != 0)))
                   for now, was in ((net.weight(layer), trained.weight(layer)),
                                    (net.bias(layer), trained.bias(layer))))

    def accuracy(self, net: Network, model: str) -> float:
        """Test accuracy of ``net``, an edited copy of shipped model ``model``.

        The first layer (10,000 x 784 x 16 multiply-adds) is nearly all the work: its weighted sums are
        reused from the trained model for every neuron whose weights and bias were not changed, and only
        the changed neurons' columns are computed (as ``scoring.Scorer`` does edit by edit). Layers after it
        are recomputed; the answer is the largest output weighted sum (softmax and sigmoid both increase).
        """
        trained = self.trained[model]
        w1, b1 = net.weight(1), net.bias(1)
        rows = np.flatnonzero(np.any(w1 != trained.weight(1), axis=1) | (b1 != trained.bias(1)))
        z = self._trained_z1(model)
        if rows.size:
            z = z.copy()
            z[:, rows] = self.x @ w1[rows].T + b1[rows]
        # z: the weighted sums of the layer below; Network.activate(i, z) is layer i + 1's activation
        for i, layer in enumerate(range(2, len(net.weights) + 1)):
            z = net.activate(i, z) @ net.weight(layer).T + net.bias(layer)
        return float(np.mean(np.argmax(z, axis=1) == self.labels))

    def score_network(self, challenge: Challenge, code: str) -> Scored:
        net = self.rebuild(challenge, code)
        layer = challenge.start_layer
        if layer:
            left = self.leftover(challenge, net)
            if left:
                raise WorkshopError(f"This challenge starts with layer {layer} set to 0, but {left:,} of its trained "
                                    "weights and biases are still in your network. Press “Start the challenge” "
                                    "on the workshop page (it zeroes the layer), then rebuild it.")
        edits = self.changes(challenge, net)
        limit = challenge.params.get("max_edits")
        if limit is not None and edits > limit:
            raise WorkshopError(f"Your network changes {edits:,} weights and biases; this challenge allows at most "
                                f"{challenge.params['max_edits']:,}. Undo some changes and submit again.")
        return Scored(self.accuracy(net, challenge.model), edits, code)

    def original(self, challenge: Challenge) -> np.ndarray:
        """The 'fool it' image as uint8 (784,)."""
        return self.images[challenge.params["index"]]

    def score_image(self, challenge: Challenge, pixels) -> Scored:
        q = quantise(pixels)
        changed = int(np.count_nonzero(q != self.original(challenge)))
        answer = int(self.trained[challenge.model].predict(q.astype(np.float32) / np.float32(255)))
        target = challenge.params["target"]
        if answer != target:
            raise WorkshopError(f"The network reads your image as {answer}, not {target}, so it was not submitted. "
                                "Keep changing pixels.")
        return Scored(float(changed), changed, encode_image(q))

    def score(self, challenge: Challenge, submission) -> Scored:
        """A share code (str) for NETWORK kinds, 784 pixels for IMAGE kinds."""
        if challenge.spec.submits == STEPS:
            raise WorkshopError("A lesson room takes no submissions: the lesson page records each step it checked.")
        if challenge.spec.submits == IMAGE:
            if isinstance(submission, str):
                raise WorkshopError("This challenge takes an image, not a network.")
            return self.score_image(challenge, submission)
        if not isinstance(submission, str):
            raise WorkshopError("This challenge takes your edited network (its share code), not an image.")
        return self.score_network(challenge, submission)
