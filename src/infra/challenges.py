"""The workshop's challenges: each kind described once in ``KIND_LIST`` (what is submitted, how it is scored, how
the board and the gallery show it, its settings), and a room's ``Challenge`` (a kind, a model, its settings).
Pages read that table; the ``Judge`` (src.infra.judge) scores by it, the ``Workshop`` (src.infra.workshop) runs
rooms of it.

- **from scratch**: one layer starts with all its weights and biases at 0; rebuild it by hand.
  Score: accuracy on the 10,000 test images (higher is better).
- **fewest edits**: the best test accuracy with at most N changed weights and biases (counted against the
  challenge's starting network: the trained one, or one with a layer zeroed).
- **fool it**: change pixels of one given test image until the trained network reads a given digit.
  Score: the number of changed pixels (fewer is better); only images the network does read as the target count.
- **the lesson, step by step**: nothing is submitted; the lesson page records each step it checked
  (src.infra.lesson_room).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lesson import N_STEPS as LESSON_STEPS
from ..network import DEFAULT_SIZES, count_parameters
from ..words import a as article
from .records import Room

MODELS = ("sigmoid", "relu")
MODEL_LABELS = {"sigmoid": "Sigmoid", "relu": "ReLU"}
SIZES = DEFAULT_SIZES                                           # the lesson's 784-16-16-10
LAYERS = tuple(range(1, len(SIZES)))                            # 1-based, as the lesson counts them
LAYER_SHAPES = dict(zip(LAYERS, zip(SIZES, SIZES[1:])))         # layer: (inputs, neurons)
LAYER_PARAMETERS = {l: w + b for l, (w, b) in zip(LAYERS, count_parameters(SIZES))}
PARAMETERS = sum(LAYER_PARAMETERS.values())                     # 13,002 for the lesson's network
TEST_IMAGES = 10_000                                            # MNIST's test set


def layer_name(layer: int) -> str:
    """'hidden layer 1 (784 → 16)', ..., 'the output layer (16 → 10)'."""
    shape = "({} → {})".format(*LAYER_SHAPES[layer])
    return f"the output layer {shape}" if layer == LAYERS[-1] else f"hidden layer {layer} {shape}"


LAYER_NAMES = {l: layer_name(l) for l in LAYERS}


class WorkshopError(ValueError):
    """A request the rules refuse (bad room code or nickname, closed or full room, too soon…); the message
    is meant for the person who made it."""


# --- challenge kinds: each described once ----------------------------------------------------------------------

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
