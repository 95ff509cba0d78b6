"""The Probe page's state, callbacks, cached computations and figures: what the network really looks for.

The page (pages/5_probe.py) lays these out; the experiments themselves are src/probe.py (pure NumPy). Every
section works on the network in use (``state.network``: the session's edited copy included). Results are
cached under a fingerprint of that network's arrays, so an edit on the Hand-tune page is never answered with
stale numbers, and the same request from thirty people in a workshop is computed once.
"""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from src import probe
from src.network import SIDE, Network

from . import data, figures, inputs, probe_figures, state

# --- this page's session keys, with their defaults ----------------------------------------------------------
# What does it want to see?
DREAM_KIND = "probe_dream_kind"          # climb an output digit or a hidden neuron
DREAM_DIGIT = "probe_dream_digit"
DREAM_LAYER = "probe_dream_layer"        # hidden layer (1-based)
DREAM_NEURON = "probe_dream_neuron"
DREAM_START = "probe_dream_start"        # blank, noise, a test image or the visitor's last drawing
DREAM_INDEX = "probe_dream_index"        # the test image to start from
DREAM_SEED = "probe_dream_seed"          # the noise to start from
DREAM_SMOOTH = "probe_dream_smooth"      # smoothness (total variation) penalty
DREAM_INK = "probe_dream_ink"            # size (L2 ink) penalty
DREAM_COMPARE = "probe_dream_compare"    # also run without the penalties, side by side
DREAM_OBJECTIVE = "probe_dream_objective"  # output digit: its probability (after softmax) or its z
DREAM_STEPS = "probe_dream_steps"
DREAM_LR = "probe_dream_lr"
DREAM_RESULT = "probe_dream_result"      # the last run: a DreamRun, or None
DREAM_RUN = "probe_dream_run"            # the Run button
# Morph
MORPH_A = "probe_morph_a"                # test image numbers (None: the default 3 and 8 of the model in use)
MORPH_B = "probe_morph_b"
MORPH_T = "probe_morph_t"                # where on the line the slider is
MORPH_PICK = "probe_morph_pick"          # the hidden neuron whose weights are shown, "layer:neuron"
# Fool it
FOOL_INDEX = "probe_fool_index"
FOOL_TARGET = "probe_fool_target"        # ANY_DIGIT or a digit
# Break it
BREAK_OFF = "probe_break_off"            # hidden neurons switched off, as "layer:neuron"
BREAK_RANK = "probe_break_rank"          # the Rank button
BREAK_RANKED = "probe_break_ranked"      # the fingerprint the visitor last ranked (None: not asked yet)
# Noise
NOISE_KIND = "probe_noise_kind"
NOISE_N = "probe_noise_n"
NOISE_SEED = "probe_noise_seed"

ANY_DIGIT = "any other digit"
# One part of the page at a time: five parts with their charts drawn at once kept a browser busy for 6 s (2x
# the home page); each part alone draws in about the home page's time.
SECTION = "probe_section"
SECTIONS = {"want": ":material/visibility: What does it want to see?", "morph": ":material/swap_horiz: Morph",
            "fool": ":material/theater_comedy: Fool it", "break": ":material/content_cut: Break it",
            "noise": ":material/grain: Noise"}

DEFAULTS = {SECTION: "want", DREAM_KIND: "digit", DREAM_DIGIT: 8, DREAM_LAYER: 1, DREAM_NEURON: 0, DREAM_START: inputs.BLANK,
            DREAM_INDEX: 0, DREAM_SEED: 0, DREAM_SMOOTH: 0.3,
            DREAM_INK: 0.0, DREAM_COMPARE: True, DREAM_OBJECTIVE: "activation", DREAM_STEPS: 200, DREAM_LR: 0.05,
            DREAM_RESULT: None, MORPH_A: None, MORPH_B: None, MORPH_T: 0.5, MORPH_PICK: None,
            FOOL_INDEX: 0, FOOL_TARGET: ANY_DIGIT, BREAK_OFF: [], BREAK_RANKED: None,
            NOISE_KIND: "uniform", NOISE_N: 10_000, NOISE_SEED: 0}

# --- bounds on one visitor's request (the library caps them again) -----------------------------------------
DREAM_MAX_STEPS = 500
DREAM_SECONDS = 2.0          # wall time of one dream; a comparison runs two
MORPH_POINTS = 41
NOISE_SIZES = (1_000, 10_000, 50_000)
SNAPSHOT_STEPS = (0, 10, 25, 50, 100)   # and the last step: the filmstrip under a dream
PROGRESS_EVERY = 20          # steps between two redraws of the evolving image
IMAGE_PX = probe_figures.IMAGE_PX
PLOT_CONFIG = {"displayModeBar": False}

DREAM_KINDS = {"digit": "an output digit", "hidden": "a hidden neuron"}
OBJECTIVES = {"activation": "its output (probability after softmax)", "z": "its weighted sum z (before softmax)"}
NOISE_SHORT = {"uniform": "uniform grey", "binary": "black & white", "sparse": "sparse ink", "gaussian": "Gaussian"}
NOISE_LABELS = {"uniform": "Every pixel a random grey between black and white.",
                "binary": "Every pixel black or white at random.",
                "sparse": "About one pixel in five lit, with a random brightness: as much ink as a real digit.",
                "gaussian": "Grey noise around mid-grey (normal, clipped to black and white)."}


def init():
    state.init_defaults(DEFAULTS)


# --- which network, and its fingerprint ---------------------------------------------------------------------
def fingerprint(net: Network) -> str:
    """A short hash of every weight and bias, the activations and the layer sizes: the key results are cached
    under, so an edited copy never gets the trained model's answers (and identical networks share them)."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{net.activation}/{net.output}/{net.sizes}".encode())
    for arr in net.weights + net.biases:
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def network_label(name: str, net: Network) -> str:
    label = data.MODEL_LABELS[name]
    return f"your hand-edited {label} model" if net is state.edited_copy(name) else f"the trained {label} model"


def takes_images(net: Network) -> bool:
    return net.sizes[0] == SIDE * SIDE


def hidden_layers(net: Network) -> list:
    return list(range(1, len(net.weights)))


def neuron_key(layer: int, neuron: int) -> str:
    return f"{layer}:{neuron}"


def parse_neuron(key: str):
    layer, neuron = key.split(":")
    return int(layer), int(neuron)


def neuron_label(key: str) -> str:
    layer, neuron = parse_neuron(key)
    return f"L{layer} #{neuron}"


def keep_valid(key, options, default):
    """Reset a widget's value that no longer exists (another model, other layer sizes) before it is drawn."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


# --- What does it want to see? --------------------------------------------------------------------------------
class DreamRun:
    """One click of Run: the settings and the result(s), kept in the session to be shown until the next run."""

    def __init__(self, title, layer, neuron, fp, runs):
        self.title = title        # what was climbed, in words
        self.layer = layer
        self.neuron = neuron
        self.fingerprint = fp
        self.runs = runs          # [(caption, probe.Dream, snapshots [(step, image)])]


def start_options(tests) -> list:
    """Where a dream can start: blank and noise always, a test image with MNIST, the last drawing once made."""
    return [inputs.BLANK, inputs.NOISE] + ([inputs.TEST] if tests is not None else []) + \
        ([inputs.DRAWING] if state.last_drawing() is not None else [])


def start_image(tests):
    """The chosen start (784,) float32 and its description."""
    s = st.session_state
    x, _, text = inputs.make_input(s[DREAM_START], tests, int(s[DREAM_INDEX]), int(s[DREAM_SEED]),
                                   state.last_drawing())
    return x, text


def dream_target(net: Network):
    """(layer, neuron, words) the visitor chose to climb."""
    n_layers = len(net.weights)
    if st.session_state[DREAM_KIND] == "digit":
        digit = int(st.session_state[DREAM_DIGIT])
        objective = st.session_state[DREAM_OBJECTIVE]
        what = "output" if objective == "activation" else "weighted sum z"
        return n_layers, digit, f"the digit {digit}'s {what}"
    layer, neuron = int(st.session_state[DREAM_LAYER]), int(st.session_state[DREAM_NEURON])
    return layer, neuron, f"hidden neuron #{neuron} of layer {layer}"


def run_dreams(net: Network, start, progress, picture) -> DreamRun:
    """Run the dream (and, when asked and a penalty is set, the same without penalties first), redrawing the
    evolving image in ``picture`` and ``progress`` as it goes. Bounded: DREAM_SECONDS per run."""
    layer, neuron, words = dream_target(net)
    objective = st.session_state[DREAM_OBJECTIVE] if layer == len(net.weights) else "activation"
    smooth, ink = float(st.session_state[DREAM_SMOOTH]), float(st.session_state[DREAM_INK])
    steps = int(min(st.session_state[DREAM_STEPS], DREAM_MAX_STEPS))
    settings = [("with your penalties" if smooth or ink else "no penalty", smooth, ink)]
    if st.session_state[DREAM_COMPARE] and (smooth or ink):
        settings.insert(0, ("no penalty", 0.0, 0.0))
    runs = []
    for i, (caption, s, k) in enumerate(settings):
        snapshots = []

        def on_step(step, image, value, i=i, caption=caption, snapshots=snapshots):
            if step in SNAPSHOT_STEPS:
                snapshots.append((step, image.copy()))
            if step % PROGRESS_EVERY == 0 or step == steps:
                done = (i + step / max(steps, 1)) / len(settings)
                progress.progress(min(done, 1.0), text=f"{caption}: step {step} of {steps}, value {value:.3f}")
                picture.image(probe_figures.gray(image), caption=f"step {step}", width=IMAGE_PX, output_format="PNG")

        d = probe.dream(net, layer, neuron, start, steps=steps, lr=float(st.session_state[DREAM_LR]),
                        smoothness=s, size_penalty=k, of=objective, on_step=on_step, every=5,
                        max_seconds=DREAM_SECONDS)
        snapshots = [(st_, im) for st_, im in snapshots if st_ < d.steps] + [(d.steps, d.image)]
        runs.append((caption, d, snapshots))
    progress.empty()
    picture.empty()
    return DreamRun(words, layer, neuron, fingerprint(net), runs)


def dream_summary(d: probe.Dream, net: Network, layer: int) -> str:
    """One line: the value reached and what the network answers for the image."""
    value = "probability" if layer == len(net.weights) and net.output == "softmax" else "activation"
    stopped = {"time": " (stopped at the time limit)", "flat": " (nothing left to climb: the slope is zero)",
               "asked": " (stopped)"}.get(d.stopped, "")
    return (f"{value} {d.trace[0]:.3f} → **{d.value:.3f}** in {d.steps} steps{stopped}; "
            f"the network answers **{d.answer}** ({d.output[d.answer]:.0%})")


# --- Morph ----------------------------------------------------------------------------------------------------
def default_pair(name: str, tests) -> tuple:
    """The first 3 and the first 8 of the test set that the trained model answers correctly: the lesson's
    challenge, from two clean examples."""
    predictions = data.test_predictions(name)
    right = predictions == tests.labels if predictions is not None else np.ones(len(tests.labels), bool)
    pick = []
    for digit in (3, 8):
        found = np.flatnonzero((tests.labels == digit) & right)
        pick.append(int(found[0]) if found.size else 0)
    return tuple(pick)


def morph_indices(name: str, tests) -> tuple:
    """The two test images to morph between, filling in the defaults the first time."""
    if st.session_state.get(MORPH_A) is None or st.session_state.get(MORPH_B) is None:
        a, b = default_pair(name, tests)
        st.session_state[MORPH_A], st.session_state[MORPH_B] = a, b
    return int(st.session_state[MORPH_A]), int(st.session_state[MORPH_B])


def morph(net: Network, tests, i: int, j: int) -> probe.Morph:
    """The morph between test images i and j. Not cached: one batch of 41 images takes ~0.3 ms, less than
    unpickling a cached copy would."""
    return probe.morph(net, tests.x[i], tests.x[j], n=MORPH_POINTS)


def morph_point(m: probe.Morph, t: float) -> int:
    """The index of the morph's point nearest to t."""
    return int(np.argmin(np.abs(m.ts - t)))


def morph_top(m: probe.Morph, n=8) -> list:
    """The n hidden neurons whose activation changed most between the two ends, as "layer:neuron" keys."""
    return [neuron_key(r["layer"], r["neuron"]) for r in m.ranking[:n]]


def morph_rows(m: probe.Morph, n=8) -> list:
    return [{"neuron": neuron_label(neuron_key(r["layer"], r["neuron"])), "at A": r["start"], "at B": r["end"],
             "change": r["change"]} for r in m.ranking[:n]]


def incoming_weights(net: Network, layer: int, neuron: int):
    """What a neuron reads: a 28x28 signed image for the first layer, else bars of its incoming weights."""
    w = net.weight(layer)[neuron]
    if layer == 1 and takes_images(net):
        return "image", figures.signed_image(w.reshape(SIDE, SIDE), size=IMAGE_PX)
    return "bars", figures.weight_bars(w, height=200, title=f"incoming weights of L{layer} #{neuron}")


# --- Fool it --------------------------------------------------------------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def _fool(fp: str, _net: Network, index: int, target, _x):
    return probe.fool(_net, _x[index], target=target)


def fool(net: Network, tests, index: int, target) -> probe.Fooled:
    """The fewest pixels that change the answer for test image ``index`` (to ``target`` if not None)."""
    return _fool(fingerprint(net), net, int(index), target, tests.x)


def fool_target():
    t = st.session_state.get(FOOL_TARGET, ANY_DIGIT)
    return None if t == ANY_DIGIT else int(t)


# --- Break it -------------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner=False)
def _ablator(fp: str, _net: Network, _x, _labels, _z1=None) -> probe.Ablator:
    return probe.Ablator(_net, _x, _labels, z1=_z1)


def ablator(name: str, net: Network, tests) -> probe.Ablator:
    """The Ablator for this network over the test set, shared by every session with the same network. An edited
    copy reuses its Scorer's first-layer sums (kept up to date edit by edit) instead of computing them."""
    z1 = None
    if state.has_tuning(name):
        t = state.tuning(name)
        if t.scorer is not None and t.log.net is net:
            z1 = t.scorer.z1  # only read while the ablator is built
    return _ablator(fingerprint(net), net, tests.x, tests.labels, z1)


@st.cache_data(max_entries=32, show_spinner=False)
def _ranking(fp: str, _ablator: probe.Ablator) -> list:
    return _ablator.ranking()


def ranking(name, net, tests) -> list:
    return _ranking(fingerprint(net), ablator(name, net, tests))


def off_options(net: Network) -> list:
    return [neuron_key(l, j) for l, j in probe.hidden_neurons(net)]


def switched_off() -> list:
    return [parse_neuron(k) for k in st.session_state.get(BREAK_OFF, [])]


def switch_off_top(keys):
    """Callback: switch off these neurons (from the ranking)."""
    st.session_state[BREAK_OFF] = list(keys)


def clear_off():
    st.session_state[BREAK_OFF] = []


def per_digit_floor(*results) -> float:
    """Where the per-digit accuracy axis starts: 10 points below the lowest bar, in steps of 10, so that a
    drop of a few points is visible."""
    low = min(float(np.nanmin(r.per_digit)) for r in results) * 100
    return float(max(0, np.floor((low - 10) / 10) * 10))


def ranking_rows(rows, n=None) -> list:
    out = []
    for r in rows[:n]:
        per = r["per_digit"]
        worst = int(np.nanargmin(per)) if np.any(np.isfinite(per)) else None
        out.append({"neuron": neuron_label(neuron_key(r["layer"], r["neuron"])),
                    "accuracy without it": r["accuracy"] * 100, "drop (points)": r["drop"] * 100,
                    "digit hurt most": "" if worst is None else f"{worst} ({per[worst]:.0%})"})
    return out


# --- Noise ----------------------------------------------------------------------------------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def _census(fp: str, _net: Network, n: int, seed: int, kind: str) -> probe.Census:
    return probe.noise_census(_net, n=n, seed=seed, kind=kind)


def census(net: Network) -> probe.Census:
    s = st.session_state
    return _census(fingerprint(net), net, int(s[NOISE_N]), int(s[NOISE_SEED]), s[NOISE_KIND])


def noise_examples(net: Network, n=8):
    """A few images of the chosen kind, with the network's answer and confidence for each."""
    s = st.session_state
    x = probe.noise_images(n, s[NOISE_KIND], np.random.default_rng(int(s[NOISE_SEED]) + 1))
    out = net.feedforward(x)
    return x, np.argmax(out, axis=1), out.max(axis=1)
