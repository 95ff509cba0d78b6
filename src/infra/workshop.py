"""Class challenges: a teacher opens a room with a short code, participants join with a nickname and submit;
the server scores every submission itself and keeps a leaderboard.

Three kinds of challenge, on one of the shipped models, each described once in ``KIND_LIST`` (what is submitted,
how it is scored, how the board and the gallery show it, its settings): pages read that table.

- **from scratch**: one layer starts with all its weights and biases at 0; rebuild it by hand.
  Score: accuracy on the 10,000 test images (higher is better).
- **fewest edits**: the best test accuracy with at most N changed weights and biases (counted against the
  challenge's starting network: the trained one, or one with a layer zeroed).
- **fool it**: change pixels of one given test image until the trained network reads a given digit.
  Score: the number of changed pixels (fewer is better); only images the network does read as the target count.

A submission is a share code (``edits.encode_link``) or, for 'fool it', the image (784 values in [0, 1]).
Nothing the browser says about a score is used: the code is decoded against the shipped models, the network
rebuilt and run over the test set here (``Judge``), and the rules (room open, rate limit, capacity, nickname
taken) are checked in the same database transaction that stores the submission (``Workshop``).
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import hmac
import re
import secrets
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from ..edits import MAX_LINK_CHARS, LinkError, decode_link
from ..lesson import N_STEPS as LESSON_STEPS
from ..network import DEFAULT_SIZES, Network, count_parameters
from . import nicknames
from .nicknames import MAX_NICKNAME, random_nickname, skeleton  # noqa: F401  (part of this module's API)
from .storage import Participant, Room, Storage, SubmitStats, Submission
from ..words import a as article

# Room codes: no I, L, O, 0 or 1, which people misread on a projector. 31^5 = 28.6 million codes.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
ROOM_CODE = re.compile(r"[A-HJKMNP-Z2-9]{5}")

# A submission is the network's share link code: as long as a share link may be.
MAX_SUBMISSION_CHARS = MAX_LINK_CHARS
SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")

MODELS = ("sigmoid", "relu")
MODEL_LABELS = {"sigmoid": "Sigmoid", "relu": "ReLU"}
SIZES = DEFAULT_SIZES                                           # the lesson's 784-16-16-10
LAYERS = tuple(range(1, len(SIZES)))                            # 1-based, as the lesson counts them
LAYER_PARAMETERS = {l: w + b for l, (w, b) in zip(LAYERS, count_parameters(SIZES))}
PARAMETERS = sum(LAYER_PARAMETERS.values())                     # 13,002 for the lesson's network
IMAGE_SIDE = int(round(SIZES[0] ** 0.5))                        # 28
TEST_IMAGES = 10_000                                            # MNIST's test set


def layer_name(layer: int) -> str:
    """'hidden layer 1 (784 → 16)', ..., 'the output layer (16 → 10)'."""
    shape = f"({SIZES[layer - 1]} → {SIZES[layer]})"
    return f"the output layer {shape}" if layer == LAYERS[-1] else f"hidden layer {layer} {shape}"


LAYER_NAMES = {l: layer_name(l) for l in LAYERS}

class WorkshopError(ValueError):
    """A request the rules refuse (bad room code or nickname, closed or full room, too soon…); the message
    is meant for the person who made it."""


class NicknameTaken(WorkshopError):
    """A nickname someone in the room has (or one that looks the same); ``suggestion`` is a free one."""

    def __init__(self, message, suggestion):
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class Limits:
    """What one room and one session may do."""

    min_interval: float = 5.0     # seconds between two stored submissions of one session
    attempt_interval: float = 1.0  # seconds between two attempts (refused ones too) of one session, per server
    per_session: int = 20         # submissions per session per room
    max_submissions: int = 600    # per room
    max_participants: int = 60    # distinct nicknames per room
    rooms_per_session: int = 5    # open rooms one session may have (when no teacher secret is configured)
    max_open_rooms: int = 100     # open rooms opened in the last day, all sessions together
    teacher_hours: float = 12.0   # how long a browser that gave the teacher secret keeps teacher rights
    max_deadline_minutes: int = 600


# --- room codes, nicknames, session tokens ---------------------------------------------------------------

def new_room_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def parse_room_code(text) -> str:
    """A room code as typed (any case, spaces or dashes allowed) in its canonical form, or WorkshopError."""
    if not isinstance(text, str):
        raise WorkshopError("Type the room code the teacher shows.")
    code = re.sub(r"[\s-]", "", text).upper()
    if not ROOM_CODE.fullmatch(code):
        raise WorkshopError(f"A room code is {CODE_LENGTH} letters and digits, like K7QXM (never I, L, O, 0 or 1). "
                            "Check the code the teacher shows.")
    return code


def new_session_token() -> str:
    """A random token naming one participant's browser session (kept in the page address)."""
    return secrets.token_urlsafe(12)


def check_session_token(token) -> str:
    if not isinstance(token, str) or not SESSION_TOKEN.fullmatch(token):
        raise WorkshopError("This page's session token is damaged; reload the workshop page.")
    return token


def clean_nickname(text) -> str:
    """A nickname as stored and shown (``nicknames.clean``), or WorkshopError saying what is wrong."""
    try:
        return nicknames.clean(text)
    except nicknames.NicknameError as e:
        raise WorkshopError(str(e)) from None


def nickname_key(nick: str) -> str:
    """The form submissions are grouped by: 'Ana', 'ana' and 'Ａｎａ' are one participant."""
    return nicknames.key(nick)


# --- challenge kinds: each described once ----------------------------------------------------------------

NETWORK, IMAGE = "network", "image"                 # what a participant submits
STEPS = "lesson steps"                              # ... or nothing: the lesson page reports steps it checked
LAYER_WEIGHTS, EDITED_NEURONS, FOOLED_IMAGE = "layer weights", "edited neurons", "fooled image"  # gallery items
CLASS_PROGRESS = "class progress"                   # the lesson room's projector: how far the class has come


@dataclass(frozen=True)
class Param:
    """One setting of a challenge: a whole number from ``lo`` to ``hi`` (None allowed when ``optional``).
    ``choice`` says how the teacher picks it: 'layer' (a layer by name; optional adds 'none'), 'digit', 'number'
    or 'test image'."""

    name: str
    label: str
    lo: int
    hi: int
    choice: str = "number"
    optional: bool = False
    default: int | None = None


@dataclass(frozen=True)
class Kind:
    """A kind of challenge, the one place that says what it is. Pages and rules read these fields; adding a
    kind is adding a row to KIND_LIST (and, for a new ``submits``, teaching the Judge to score it).

    ``submits``: NETWORK (the share code of an edited copy of the model) or IMAGE (784 pixels), or STEPS (nothing
    is submitted: the lesson page records each step whose task the server checked, src.infra.lesson_room).
    ``score_name`` and ``higher_is_better``: how it is scored; ``unit`` '%' (an accuracy) or 'px' (a count).
    ``board_edits``: the leaderboard's column for an entry's edits (None: no such column).
    ``gallery``: what the projector's gallery shows of an entry (LAYER_WEIGHTS, EDITED_NEURONS, FOOLED_IMAGE).
    ``params``: its settings; one named 'layer' is the layer set to 0 at the start, when ``zeroes_layer``.
    ``describe(params, model_label)``: what to do and how it is scored, one paragraph of plain text.
    ``note``: a line for the teacher choosing it (plain text, may be empty).
    """

    id: str
    title: str
    submits: str
    score_name: str
    higher_is_better: bool
    unit: str
    board_edits: str | None
    gallery: str
    params: tuple
    describe: object
    zeroes_layer: bool = False
    note: str = ""

    def format_score(self, score: float) -> str:
        return f"{score:.2%}" if self.unit == "%" else f"{int(score)} {self.unit}"


def _from_scratch_text(p, model):
    return (f"Every weight and bias of {layer_name(p['layer'])} of the {model} model starts at 0. Rebuild that "
            f"layer by hand on the Hand-tune page. Score: accuracy on the {TEST_IMAGES:,} test images; higher is "
            "better.")


def _fewest_edits_text(p, model):
    start = (f"Start from the {model} model with {layer_name(p['layer'])} set to 0" if p.get("layer")
             else f"Start from the trained {model} model")
    return (f"{start} and reach the best test accuracy while changing at most {p['max_edits']} weights and biases "
            "(each changed number counts once, however often you change it). Higher accuracy is better; at equal "
            "accuracy, fewer changes win.")


def _fool_it_text(p, model):
    return (f"Change as few pixels of test image #{p['index']} as you can so that the trained {model} model reads "
            f"it as {article(p['target'])}. Score: the number of changed pixels; fewer is better.")


def _lesson_text(p, model):
    pace = (f"The teacher has the class on step {p['pace']}; you may go ahead." if p.get("pace")
            else "Everyone goes at their own pace.")
    return (f"Walk the lesson's steps on The lesson page with the {model} model. The app checks each step's task "
            f"itself and the projector shows how far the class has come. {pace}")


def _numbers(layers):
    return " and ".join(f"{LAYER_PARAMETERS[l]:,}" for l in layers)


KIND_LIST = (
    Kind("from_scratch", "From scratch", NETWORK, "test accuracy", True, "%", "edits since start", LAYER_WEIGHTS,
         (Param("layer", "Layer set to zero", LAYERS[0], LAYERS[-1], "layer", default=LAYERS[-1]),),
         _from_scratch_text, zeroes_layer=True,
         note=f"Layers {' and '.join(map(str, LAYERS[1:]))} ({_numbers(LAYERS[1:])} numbers) are rebuildable in "
              f"a session; layer {LAYERS[0]} has {LAYER_PARAMETERS[LAYERS[0]]:,} and a painted layer may not fit "
              "in a submission."),
    Kind("fewest_edits", "Fewest edits", NETWORK, "test accuracy", True, "%", "edits since start", EDITED_NEURONS,
         (Param("max_edits", "At most this many changed weights and biases", 1, PARAMETERS, default=20),
          Param("layer", "Starting from", LAYERS[0], LAYERS[-1], "layer", optional=True)),
         _fewest_edits_text, zeroes_layer=True),
    Kind("fool_it", "Fool it", IMAGE, "changed pixels", False, "px", None, FOOLED_IMAGE,
         (Param("index", "Test image #", 0, TEST_IMAGES - 1, "test image", default=0),
          Param("target", "Make it read as", 0, SIZES[-1] - 1, "digit", default=0)),
         _fool_it_text),
    Kind("lesson", "The lesson, step by step", STEPS, "steps done", True, "steps", None, CLASS_PROGRESS,
         (Param("pace", "Class on step (0: each at their own pace)", 0, LESSON_STEPS, default=0),), _lesson_text,
         note="Nothing to submit: each participant's checked steps are recorded, the leaderboard page shows the "
              "class's progress per step, and there you set the step the class is on."),
)
KINDS = {k.id: k for k in KIND_LIST}


@dataclass(frozen=True)
class Challenge:
    """A room's challenge: ``kind`` (an id in KINDS), ``model`` in MODELS, ``params`` as its Kind's params say."""

    kind: str
    model: str
    params: dict

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def higher_is_better(self) -> bool:
        return self.spec.higher_is_better

    @property
    def start_layer(self) -> int | None:
        """The layer zeroed at the start (None: the trained network)."""
        return self.params.get("layer") if self.spec.zeroes_layer else None

    @property
    def score_name(self) -> str:
        return self.spec.score_name

    def format_score(self, score: float) -> str:
        return self.spec.format_score(score)

    def describe(self) -> str:
        """One paragraph, plain text (no markdown), saying what to do and how it is scored."""
        return self.spec.describe(self.params, MODEL_LABELS[self.model])


def make_challenge(kind, model, **params) -> Challenge:
    """A checked Challenge, or WorkshopError saying what is wrong."""
    if kind not in KINDS:
        raise WorkshopError(f"Unknown challenge {kind!r}: choose one of {', '.join(KINDS)}.")
    if model not in MODELS:
        raise WorkshopError(f"Unknown model {model!r}: choose sigmoid or relu.")
    spec = KINDS[kind]
    clean = {}
    for p in spec.params:
        v = params.get(p.name)
        if v is None and p.optional:
            clean[p.name] = None
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not p.lo <= v <= p.hi:
            raise WorkshopError(f"{p.name} must be a whole number from {p.lo} to {p.hi}.")
        clean[p.name] = int(v)
    extra = set(params) - set(clean)
    if extra:
        raise WorkshopError(f"{spec.title} takes no {', '.join(sorted(extra))}.")
    return Challenge(kind, model, clean)


def challenge_of(room: Room) -> Challenge:
    return Challenge(room.kind, room.model, dict(room.params))


# --- images for 'fool it' ---------------------------------------------------------------------------------

def quantise(pixels) -> np.ndarray:
    """784 brightness values in [0, 1] (any shape with 784 entries) as uint8 levels (784,), or WorkshopError.
    The image is stored and scored at these 256 levels, so a stored entry gives back its score exactly."""
    try:
        p = np.asarray(pixels, dtype=np.float64)
    except (TypeError, ValueError):
        raise WorkshopError(f"The image must be {SIZES[0]} numbers between 0 and 1.") from None
    if p.size != SIZES[0]:
        raise WorkshopError(f"The image must have {SIZES[0]} pixels ({IMAGE_SIDE}x{IMAGE_SIDE}), not {p.size}.")
    p = p.ravel()
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise WorkshopError("Every pixel must be a brightness between 0 and 1.")
    return np.rint(p * 255).astype(np.uint8)


def encode_image(q: np.ndarray) -> str:
    """uint8 (784,) -> URL-safe text (zlib + base64url), kept as the submission's code."""
    return base64.urlsafe_b64encode(zlib.compress(np.asarray(q, np.uint8).tobytes(), 9)).decode().rstrip("=")


def decode_image(code: str) -> np.ndarray:
    """The uint8 (28, 28) image of an ``encode_image`` code; WorkshopError if it is not one."""
    try:
        raw = zlib.decompressobj().decompress(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)), SIZES[0] + 1)
    except (ValueError, TypeError, zlib.error):
        raise WorkshopError("This entry's image cannot be read.") from None
    if len(raw) != SIZES[0]:
        raise WorkshopError("This entry's image cannot be read.")
    return np.frombuffer(raw, np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE).copy()


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
                net.weights[challenge.start_layer - 1][:] = 0
                net.biases[challenge.start_layer - 1][:] = 0
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
            np.put((net.weights if param == "W" else net.biases)[layer - 1], idx, values)
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
            z1 = self.x @ net.weights[0].T + net.biases[0]
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
                   for now, was in ((net.weights[layer - 1], trained.weights[layer - 1]),
                                    (net.biases[layer - 1], trained.biases[layer - 1])))

    def accuracy(self, net: Network, model: str) -> float:
        """Test accuracy of ``net``, an edited copy of shipped model ``model``.

        The first layer (10,000 x 784 x 16 multiply-adds) is nearly all the work: its weighted sums are
        reused from the trained model for every neuron whose weights and bias were not changed, and only
        the changed neurons' columns are computed (as ``scoring.Scorer`` does edit by edit). Layers after it
        are recomputed; the answer is the largest output weighted sum (softmax and sigmoid both increase).
        """
        trained = self.trained[model]
        w1, b1 = net.weights[0], net.biases[0]
        rows = np.flatnonzero(np.any(w1 != trained.weights[0], axis=1) | (b1 != trained.biases[0]))
        z = self._trained_z1(model)
        if rows.size:
            z = z.copy()
            z[:, rows] = self.x @ w1[rows].T + b1[rows]
        for l in range(1, len(net.weights)):
            z = net.activate(l - 1, z) @ net.weights[l].T + net.biases[l]
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


# --- the leaderboard -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One participant's line: their best submission and how many they made."""

    rank: int
    nickname: str
    score: float
    edits: int
    tries: int
    created: float   # time of the best submission
    submission: int  # its id (for opening its network)


def rank(challenge: Challenge, submissions) -> list[Entry]:
    """Each nickname's best submission, best first. Accuracy: higher first, then fewer edits; pixels: fewer
    first; then whoever got there first."""
    sign = -1 if challenge.higher_is_better else 1
    best, tries = {}, {}
    for s in submissions:
        key = (sign * s.score, s.edits, s.created, s.id)
        tries[s.nick_key] = tries.get(s.nick_key, 0) + 1
        if s.nick_key not in best or key < best[s.nick_key][0]:
            best[s.nick_key] = (key, s)
    ordered = sorted(best.values(), key=lambda kv: kv[0])
    return [Entry(i, s.nickname, s.score, s.edits, tries[s.nick_key], s.created, s.id)
            for i, (_, s) in enumerate(ordered, start=1)]


# --- export --------------------------------------------------------------------------------------------

CSV_COLUMNS = ("time", "nickname", "score", "edits", "share code")


def spreadsheet_safe(cell) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (a formula), tab or carriage return
    gets a leading apostrophe (OWASP, CSV injection)."""
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def submissions_csv(submissions) -> str:
    """Submissions as CSV text (time in UTC, ISO 8601; nickname; score; edits; share code), every cell made
    spreadsheet-safe. Encode it as UTF-8 (with a BOM, which spreadsheets take as the sign of UTF-8)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for s in submissions:
        when = datetime.fromtimestamp(s.created, timezone.utc).isoformat(timespec="seconds")
        w.writerow([spreadsheet_safe(c) for c in (when, s.nickname, repr(float(s.score)), s.edits, s.share_code)])
    return out.getvalue()


# --- the service -----------------------------------------------------------------------------------------

class Workshop:
    """Rooms, submissions and the rules, over a Storage and a Judge.

    ``secret``: the teacher secret if one is configured (VANILLA_TEACHER_SECRET or st.secrets). With one,
    opening, closing and clearing rooms need it; without, anyone may open a room and only the session that
    opened it may close or clear it. ``judge`` may be None where MNIST is missing: rooms still open and
    leaderboards still show, submissions are refused with a message.
    """

    def __init__(self, storage: Storage, judge: Judge | None, limits: Limits = Limits(), secret: str | None = None,
                 clock=time.time):
        self.storage = storage
        self.judge = judge
        self.limits = limits
        self.secret = secret or None
        self.clock = clock
        self._attempts = {}
        self._attempts_lock = threading.Lock()

    # --- teachers ---------------------------------------------------------------------------------------
    @property
    def secret_configured(self) -> bool:
        return self.secret is not None

    def is_teacher(self, given) -> bool:
        """True when a teacher secret is configured and ``given`` is it (compared in constant time)."""
        if not self.secret or not isinstance(given, str) or not given:
            return False
        return hmac.compare_digest(given.encode(), self.secret.encode())

    def _browser_digest(self, session: str) -> str:
        """What the database keeps of a teacher's browser: an HMAC of its token under the secret (neither the
        secret nor anything that tests a guess of it without the token)."""
        return hmac.new(self.secret.encode(), session.encode(), hashlib.sha256).hexdigest()

    def remember_teacher(self, session, secret) -> bool:
        """This browser (its token) gave the right secret: it keeps teacher rights for ``teacher_hours``, in
        every tab (a new tab for the projector too). False (nothing kept) when the secret is wrong."""
        if not self.is_teacher(secret):
            return False
        check_session_token(session)
        self.storage.remember_teacher(session, self._browser_digest(session), self.clock())
        return True

    def is_teacher_browser(self, session) -> bool:
        """Did this browser give the secret within the last ``teacher_hours``? (Never without a secret.)"""
        if not self.secret or not isinstance(session, str) or not SESSION_TOKEN.fullmatch(session):
            return False
        since = self.storage.teacher_since(session, self._browser_digest(session))
        return since is not None and self.clock() - since < self.limits.teacher_hours * 3600

    def teacher(self, session, secret=None) -> bool:
        """A teacher: the secret given now, or earlier in this browser."""
        return self.is_teacher(secret) or self.is_teacher_browser(session)

    def can_manage(self, room: Room, session: str, secret=None) -> bool:
        """May this browser (its token ``session``, with this secret) run ``room``? The teacher secret (given now
        or earlier in this browser) runs every room; without a secret configured, the browser that opened it."""
        if self.teacher(session, secret):
            return True
        if room.teacher_only or not isinstance(session, str):
            return False
        return hmac.compare_digest(room.opener.encode(), session.encode())

    def _managed(self, code, session, secret, what: str) -> Room:
        room = self.room(code)
        if not self.can_manage(room, session, secret):
            raise WorkshopError(f"Only the teacher who opened this room can {what}"
                                + (" (with the teacher secret)." if self.secret_configured else "."))
        return room

    def open_room(self, challenge: Challenge, session: str, secret=None) -> Room:
        check_session_token(session)
        teacher = self.teacher(session, secret)
        if self.secret_configured and not teacher:
            raise WorkshopError("Opening a room needs the teacher secret (ask whoever runs this app).")
        if self.judge is not None:
            self.judge.check(challenge)
        now = self.clock()
        if not teacher:
            if len(self.storage.rooms(opener=session)) >= self.limits.rooms_per_session:
                raise WorkshopError(f"You have {self.limits.rooms_per_session} rooms open already; close one first.")
            if self.storage.count_open_rooms(since=now - 86_400) >= self.limits.max_open_rooms:
                raise WorkshopError("This server has as many open rooms as it allows; try again later.")
        for _ in range(20):
            room = Room(new_room_code(), challenge.kind, challenge.params, challenge.model, now, None, session,
                        teacher)
            if self.storage.create_room(room):
                return room
        raise WorkshopError("No free room code was found; try again.")  # 20 collisions in 28.6 million: never

    def room(self, code) -> Room:
        code = parse_room_code(code)
        room = self.storage.room(code)
        if room is None:
            raise WorkshopError(f"There is no room {code}. Check the code the teacher shows.")
        return room

    def close_room(self, code, session, secret=None) -> Room:
        room = self._managed(code, session, secret, "close it")
        self.storage.close_room(room.code, self.clock())
        return self.storage.room(room.code)

    def clear_room(self, code, session, secret=None) -> int:
        room = self._managed(code, session, secret, "clear it")
        return self.storage.clear_room(room.code)

    def run_again(self, code, session, secret=None) -> Room:
        """A new room with ``code``'s challenge (one click after a closed room)."""
        room = self._managed(code, session, secret, "run it again")
        return self.open_room(challenge_of(room), session, secret)

    def set_deadline(self, code, minutes, session, secret=None) -> Room:
        """Submissions to the room end ``minutes`` from now (None: no deadline)."""
        room = self._managed(code, session, secret, "set its deadline")
        if minutes is None:
            self.storage.set_deadline(room.code, None)
        else:
            top = self.limits.max_deadline_minutes
            if isinstance(minutes, bool) or not isinstance(minutes, (int, float, np.number)) \
                    or not np.isfinite(minutes) or not 0 < minutes <= top:
                raise WorkshopError(f"A deadline is from 1 to {top} minutes away.")
            self.storage.set_deadline(room.code, self.clock() + float(minutes) * 60)
        return self.storage.room(room.code)

    def freeze(self, code, frozen: bool, session, secret=None) -> Room:
        """Freeze the board (it shows the submissions made until now; later ones count but stay hidden until the
        reveal), or reveal it."""
        room = self._managed(code, session, secret, "freeze its board")
        self.storage.set_frozen(room.code, self.clock() if frozen else None)
        return self.storage.room(room.code)

    def remove_entry(self, code, nickname, session, secret=None) -> int:
        """Delete one nickname's submissions (its line on the board); it may submit again."""
        room = self._managed(code, session, secret, "remove entries")
        return self.storage.remove_nickname(room.code, nickname_key(nickname))

    def ban(self, code, nickname, session, secret=None) -> int:
        """Remove a nickname's entry and bar it (and its look-alikes) from the room."""
        room = self._managed(code, session, secret, "ban nicknames")
        nick = clean_nickname(nickname)
        return self.storage.ban(room.code, skeleton(nick), nick)

    def waiting(self, code) -> list[Participant]:
        """Who joined the room and has not submitted yet, in the order they joined."""
        room = self.room(code)
        submitted = {s.nick_key for s in self.storage.submissions(room.code, codes=False)}
        return [p for p in self.storage.participants(room.code) if p.nick_key not in submitted]

    def export_csv(self, code, session, secret=None) -> str:
        """Every submission of the room as CSV (``submissions_csv``), for its teacher."""
        room = self._managed(code, session, secret, "export it")
        return submissions_csv(self.storage.submissions(room.code))

    # --- participants -----------------------------------------------------------------------------------
    def join(self, code, nickname, session) -> Participant:
        """Join the room under a nickname, checked now: a name someone else in the room has, written in any
        case, spacing or look-alike letters, or one the teacher banned, is refused with a free suggestion."""
        room = self.room(code)
        nick = clean_nickname(nickname)
        check_session_token(session)
        sk = skeleton(nick)

        def check(room_, others, banned, past=()):
            others = list(others) + [Participant(room.code, "", n, nickname_key(n), skeleton(n), 0.0) for n in past]
            if room_ is None:
                raise WorkshopError(f"There is no room {room.code} (any more). Check the code the teacher shows.")
            if not room_.is_open:
                raise WorkshopError(f"Room {room.code} is closed: it takes no one new. Its leaderboard stays.")
            taken = {o.skeleton for o in others} | set(banned)
            if sk in banned:
                free = nicknames.suggest(nick, taken)
                raise NicknameTaken(f"That nickname may not be used in this room; choose another, such as “{free}”.",
                                    free)
            clash = next((o for o in others if o.skeleton == sk), None)
            if clash is not None:
                same = clash.nick_key == nickname_key(nick)
                free = nicknames.suggest(nick, taken)
                raise NicknameTaken(f"Someone in this room is already “{clash.nickname}”"
                                    + ("" if same else ", which looks the same on the board")
                                    + f". Choose another nickname, such as “{free}”.", free)
            if len(others) >= self.limits.max_participants:
                raise WorkshopError(f"Room {room.code} is full: it has its {self.limits.max_participants} "
                                    "participants.")

        return self.storage.add_participant(
            Participant(room.code, session, nick, nickname_key(nick), sk, self.clock()), check)

    def leave(self, code, session) -> bool:
        """This browser leaves the room: its nickname is free for itself again, its submissions stay (and keep
        the name from anyone else)."""
        room = self.room(code)
        return isinstance(session, str) and self.storage.leave(room.code, session)

    def participant(self, code, session) -> Participant | None:
        """This browser's place in the room (None: it has not joined, or was removed)."""
        if not isinstance(session, str) or not SESSION_TOKEN.fullmatch(session):
            return None
        return self.storage.participant(parse_room_code(code), session)

    def _rules(self, room: Room | None, stats: SubmitStats, session: str, key: str, code: str, now: float):
        """Raise WorkshopError when a submission may not be stored (also run inside the storing transaction)."""
        lim = self.limits
        if room is None:
            raise WorkshopError(f"There is no room {code} (any more). Check the code the teacher shows.")
        if not room.is_open:
            raise WorkshopError(f"Room {room.code} is closed: it takes no more submissions.")
        if stats.joined_as != key:
            raise WorkshopError(f"You are not in room {room.code} under this nickname (any more): join again.")
        if room.deadline is not None and now > room.deadline:
            raise WorkshopError(f"Time is up: room {room.code}'s deadline has passed, so this was not submitted. "
                                "Your earlier submissions stay on the leaderboard.")
        if stats.nick_owner is not None and stats.nick_owner != session:
            raise WorkshopError("Someone else in this room already uses that nickname; choose another.")
        if stats.nick_owner is None and stats.participants >= lim.max_participants:
            raise WorkshopError(f"Room {room.code} is full: it has its {lim.max_participants} participants.")
        if stats.total >= lim.max_submissions:
            raise WorkshopError(f"Room {room.code} is full: it has taken its {lim.max_submissions} submissions.")
        if stats.session_count >= lim.per_session:
            raise WorkshopError(f"You have made your {lim.per_session} submissions in this room.")
        if stats.session_last is not None and now - stats.session_last < lim.min_interval:
            wait = lim.min_interval - (now - stats.session_last)
            raise WorkshopError(f"One submission every {lim.min_interval:g} s, please: try again in {wait:.0f} s."
                                if wait >= 0.5 else "Submitted a moment ago; try again in a second.")

    def _attempt(self, session):
        """At most one attempt per ``attempt_interval`` per session on this server: refused attempts cost
        scoring time too."""
        now = self.clock()
        with self._attempts_lock:
            last = self._attempts.get(session)
            if last is not None and now - last < self.limits.attempt_interval:
                raise WorkshopError("Not so fast: one try per second.")
            self._attempts[session] = now
            if len(self._attempts) > 10_000:  # forget old sessions
                cutoff = now - 60
                self._attempts = {k: v for k, v in self._attempts.items() if v > cutoff}

    def submit(self, code, nickname, session, submission) -> Submission:
        """Score ``submission`` (a share code, or 784 pixels for 'fool it') on the server and store it.
        Returns the stored Submission; WorkshopError (or StorageError) says why not."""
        room = self.room(code)
        nick = clean_nickname(nickname)
        key = nickname_key(nick)
        check_session_token(session)
        if self.judge is None:
            raise WorkshopError("Submissions cannot be scored: the server has no MNIST test set.")
        joined = self.storage.participant(room.code, session)
        if joined is None or joined.nick_key != key:
            self.join(room.code, nick, session)  # checked as at the join form
        self._rules(room, self.storage.stats(room.code, session, key), session, key, room.code, self.clock())
        self._attempt(session)
        scored = self.judge.score(challenge_of(room), submission)
        now = self.clock()
        return self.storage.add_submission(
            Submission(room.code, nick, key, scored.score, scored.edits, scored.code, now, session),
            check=lambda r, stats: self._rules(r, stats, session, key, room.code, now))

    def wait_seconds(self, code, session) -> float:
        """Seconds until this session may submit again to room ``code`` (0 when it may now)."""
        stats = self.storage.stats(parse_room_code(code), session)
        if stats.session_last is None:
            return 0.0
        return max(0.0, self.limits.min_interval - (self.clock() - stats.session_last))

    def leaderboard(self, code) -> list[Entry]:
        """The board; while it is frozen, as it was at that moment."""
        room = self.room(code)
        return rank(challenge_of(room), self.storage.submissions(room.code, codes=False, before=room.frozen))

    def entry_code(self, code, submission_id) -> str:
        """The share code (or image code) of one submission of room ``code``."""
        sub = self.storage.submission(submission_id)
        if sub is None or sub.room != parse_room_code(code):
            raise WorkshopError("That entry is gone (the room was cleared?).")
        return sub.share_code
