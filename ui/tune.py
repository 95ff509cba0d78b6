"""The pieces of the hand-tune page: actions (as widget callbacks, so the page shows their effect at
once), the brush, and the feedback figures."""
from __future__ import annotations

import hashlib

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from src import templates
from src.activations import HIDDEN, sigmoid
from src.edits import EditError, LinkError, MAX_LINK_CHARS, decode_link, encode_link
from src.preprocess import resize
from src.weights_file import WeightsFileError, load, to_bytes

from . import data, figures
from .session import tuning

LAYER_NAMES = {1: "hidden layer 1", 2: "hidden layer 2", 3: "output layer"}


# --- messages that survive the rerun an action causes -------------------------------------------

def say(kind, text):
    st.session_state["tune_message"] = (kind, text)


def show_message():
    """The outcome of the last action, kept in view until the next one."""
    kind, text = st.session_state.get("tune_message", (None, None))
    if kind:
        with st.container(key="tune_status"):
            getattr(st, kind)(text)


def _act(label, fn):
    """Run an edit; report what happened or why it could not be done."""
    try:
        edit = fn()
    except EditError as e:
        say("error", f"Not changed: {e}.")
        return
    say("success" if edit else "info", f"Done: {edit.label}." if edit else f"{label}: nothing changed.")


# --- actions --------------------------------------------------------------------------------------

def set_weight(name, layer, neuron, k):
    _act("Set weight", lambda: tuning(name).log.set_weight(layer, neuron, int(k), st.session_state["tune_value"]))


def set_bias(name, layer, neuron):
    _act("Set bias", lambda: tuning(name).log.set_bias(layer, neuron, st.session_state["tune_bias"]))


def apply_template(name, neuron):
    w = templates.make(st.session_state["tune_template"], st.session_state["tune_t_row"],
                       st.session_state["tune_t_col"], st.session_state["tune_t_strength"])
    _act("Template", lambda: tuning(name).log.set_row(1, neuron, w, f"template {st.session_state['tune_template']}"))


def transform(name, layer, neuron, how):
    log = tuning(name).log
    w = log.net.weights[layer - 1][neuron].astype(np.float64)
    factor = st.session_state.get("tune_scale", 2.0)
    new, label = {"zero": (0 * w, "weights set to 0"), "negate": (-w, "weights negated"),
                  "scale": (w * factor, f"weights scaled by {factor:g}")}[how]
    _act(how, lambda: log.set_row(layer, neuron, new, label))


def revert(name, layer, neuron):
    _act("Restore", lambda: tuning(name).log.revert_neuron(layer, neuron))


def zero_layer(name, layer):
    _act("From scratch", lambda: tuning(name).log.zero_layer(layer))


def undo(name):
    edit = tuning(name).log.undo()
    say("info", f"Undone: {edit.label}." if edit else "Nothing to undo.")


def redo(name):
    edit = tuning(name).log.redo()
    say("info", f"Redone: {edit.label}." if edit else "Nothing to redo.")


def reset(name):
    _act("Reset", lambda: tuning(name).log.reset())


def upload(name):
    """Load an uploaded weights file as the edited copy; a bad file is refused and nothing changes."""
    file = st.session_state.get("tune_upload")
    if file is None:
        return
    log = tuning(name).log
    try:
        net = load(file)
    except WeightsFileError as e:
        say("error", f"“{file.name}” was not loaded: {e}. Your current model is unchanged.")
        return
    if net.sizes != log.trained.sizes:
        say("error", f"“{file.name}” was not loaded: this page edits {log.trained.sizes} networks, the file "
                     f"holds {net.sizes}. Your current model is unchanged.")
        return
    if net.activation != log.trained.activation or net.output != log.trained.output:
        say("error", f"“{file.name}” was not loaded: it is a {net.activation} network and you are tuning the "
                     f"{log.trained.activation} model. Switch the model in the sidebar first.")
        return
    diff = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        for param, arr in (("W", w), ("b", b)):
            diff[(l, param)] = (np.arange(arr.size), arr.ravel())
    _act("Upload", lambda: log.load_diff(diff, f"loaded from {file.name}"))


def load_shared_link(trained_models):
    """Apply ``?edits=…`` from the URL once per session. Returns the model name it is for, or None."""
    code = st.query_params.get("edits")
    if not code or st.session_state.get("tune_link_done") == code:
        return None
    st.session_state["tune_link_done"] = code
    try:
        name, diff = decode_link(code, trained_models)
    except LinkError as e:
        say("error", f"This share link could not be used: {e}. You are looking at the trained model.")
        return None
    log = tuning(name).log
    edit = log.load_diff(diff, "opened from a share link")
    n = sum(len(idx) for idx, _ in diff.values())
    say("success", f"Opened a shared {data.MODEL_LABELS[name]} network with {n:,} changed parameters"
                   + ("" if edit else " (already loaded)") + ".")
    return name


def share_link(name):
    """The URL that reproduces this session's edited copy, or None with the reason when it is too long."""
    code = encode_link(tuning(name).log)
    base = str(st.context.url or "").split("?")[0] or "/hand_tune"
    url = f"{base}?model={data.MODEL_LABELS[name]}&edits={code}"
    if len(url) > MAX_LINK_CHARS:
        return None, len(url)
    return url, len(url)


def model_file(name) -> bytes:
    log = tuning(name).log
    net = log.net.copy()
    net.meta = {**log.trained.meta, "edited": True,
                "edits": [e.label for e in log.done][-200:],
                "test_accuracy": tuning(name).scorer.accuracy if tuning(name).scorer else None}
    return to_bytes(net)


# --- the brush ---------------------------------------------------------------------------------------

def brush_stroke(name, neuron):
    """Canvas callback: turn the stroke just drawn on the 280x280 brush canvas into a first-layer weight
    edit. Runs before the page, so the page already shows the edit's effect."""
    state = st.session_state.get("tune_brush") or {}
    url = (state.get("drawing") or {}).get("data")
    if not url:
        return
    digest = hashlib.sha1(url.encode()).hexdigest()
    if st.session_state.get("tune_brush_done") == digest:
        return  # the same stroke, sent again: already applied
    st.session_state["tune_brush_done"] = digest
    alpha = decode_png(url)[..., 3].astype(np.float32) / 255.0
    if not alpha.any():
        return
    coverage = np.clip(resize(alpha, 28, 28) / alpha.max(), 0, 1)  # the stroke's own opacity is not the brush's
    log = tuning(name).log
    strength = st.session_state.get("tune_brush_strength", 1.0)
    mode = st.session_state.get("tune_brush_mode", "add")
    w = templates.brush(coverage, log.net.weights[0][neuron], strength, mode)
    _act("Brush", lambda: log.set_row(1, neuron, w, f"painted ({mode} {strength:+g})"))


def decode_png(data_url: str) -> np.ndarray:
    import base64
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGBA"))


def weight_png(w, limit) -> bytes:
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(figures.signed_image(np.asarray(w).reshape(28, 28), limit, 280)).save(buf, format="PNG")
    return buf.getvalue()


# --- feedback figures ---------------------------------------------------------------------------------

def threshold_figure(net, scorer, layer, neuron):
    """Histogram of the neuron's weighted sum Σ w·a over the test images, the bias as the threshold,
    and the activation over it: how big must the sum be before the neuron is active?"""
    b = float(net.biases[layer - 1][neuron])
    s = scorer.zs[layer - 1][:, neuron] - b
    lo, hi = float(min(s.min(), -b)), float(max(s.max(), -b))
    pad = 0.05 * (hi - lo or 1.0)
    counts, edges = np.histogram(s, bins=60, range=(lo - pad, hi + pad))
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(go.Bar(x=centres, y=counts, marker_color="rgba(200,200,200,0.6)", name="test images",
                           width=(edges[1] - edges[0])))
    grid = np.linspace(lo - pad, hi + pad, 200)
    curve = None
    if layer < len(net.weights):
        curve = HIDDEN[net.activation][0](grid + b)
    elif net.output == "sigmoid":
        curve = sigmoid(grid + b)
    if curve is not None:  # a softmax output depends on all ten sums, so it has no curve of its own
        fig.add_trace(go.Scatter(x=grid, y=curve, yaxis="y2", name="activation of Σ + b",
                                 line=dict(color=figures.BLUE_CSS)))
    fig.add_vline(x=-b, line_dash="dash", line_color="#F4D345",
                  annotation_text=f"threshold −b = {-b:.2f}", annotation_position="top")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), bargap=0, showlegend=True,
                      legend=dict(orientation="h", y=-0.25), xaxis_title="weighted sum Σ w·a (without the bias)",
                      yaxis=dict(title="images"),
                      yaxis2=dict(overlaying="y", side="right", title="activation", showgrid=False,
                                  range=[0, max(1.05, float(curve.max()) * 1.05 if curve is not None else 1.05)]))
    return fig
