"""Hand-tune's actions: the callbacks that make, undo and load edits, each reporting what it did.

Callbacks run before the page is drawn, so the page shows their effect at once. Edit labels are plain text
(they are listed with ``st.text`` and written into downloaded files); a message shows them escaped (``safe``).
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src import templates
from src.edits import EditError
from src.network import SIDE

from .. import state, uploads
from ..text import clean, safe, sentence
from .keys import (BIAS, COL, FROM, ROW, SCALE, T_COL, T_ROW, T_STRENGTH, TEMPLATE, UPLOAD, UPLOAD_MESSAGE,
                   UPLOADS, VALUE, is_image_layer, say, value)

UPLOADS_KEPT = 4       # parsed uploads remembered per session (a file is at most 20 MB, a parsed net far less)


def act(label, fn, where=None):
    """Run an edit; report what happened or why it could not be done."""
    where = {} if where is None else {"where": where}
    try:
        edit = fn()
    except EditError as e:
        say("error", f"Not changed: {safe(sentence(e), 300)}", **where)
        return None
    say("success" if edit else "info", f"Done: {safe(edit.label, 200)}." if edit else f"{label}: nothing changed.",
        **where)
    return edit


def set_weight(name, layer, neuron):
    k = chosen_input(layer, state.tuning(name).log.net)
    act("Set weight", lambda: state.tuning(name).log.set_weight(layer, neuron, k, value(VALUE)))


def set_bias(name, layer, neuron, new=None):
    new = value(BIAS) if new is None else new
    act("Set bias", lambda: state.tuning(name).log.set_bias(layer, neuron, new))


def chosen_input(layer, net) -> int:
    """The input whose weight the exact-value tool edits: a pixel (row, column) or a neuron before."""
    if is_image_layer(layer, net):
        return int(value(ROW)) * SIDE + int(value(COL))
    return min(int(value(FROM)), net.sizes[layer - 1] - 1)


def template_weights():
    return templates.make(value(TEMPLATE), value(T_ROW), value(T_COL), value(T_STRENGTH))


def apply_template(name, neuron):
    w = template_weights()
    act("Template", lambda: state.tuning(name).log.set_row(1, neuron, w, f"template {value(TEMPLATE)}"))


def transform(name, layer, neuron, how):
    log = state.tuning(name).log
    w = log.net.weight(layer)[neuron].astype(np.float64)
    factor = float(value(SCALE))
    new, label = {"zero": (0 * w, "weights set to 0"), "negate": (-w, "weights negated"),
                  "scale": (w * factor, f"weights scaled by {factor:g}")}[how]
    act(how, lambda: log.set_row(layer, neuron, new, label))


def revert(name, layer, neuron):
    act("Restore", lambda: state.tuning(name).log.revert_neuron(layer, neuron))


def zero_layer(name, layer):
    act("From scratch", lambda: state.tuning(name).log.zero_layer(layer))


def undo(name):
    edit = state.tuning(name).log.undo()
    say("info", f"Undone: {safe(edit.label, 200)}." if edit else "Nothing to undo.")


def redo(name):
    edit = state.tuning(name).log.redo()
    say("info", f"Redone: {safe(edit.label, 200)}." if edit else "Nothing to redo.")


def reset(name):
    act("Reset", lambda: state.tuning(name).log.reset())


# --- uploads ---------------------------------------------------------------------------------------------

def parsed_upload(file) -> uploads.Parsed:
    """The parsed upload (ui.uploads), from this session's cache when the same bytes were parsed before, so a
    file is parsed once, not on every rerun or re-upload; the last UPLOADS_KEPT files are remembered."""
    return uploads.parsed(file, UPLOADS, keep=UPLOADS_KEPT)


def upload(name):
    """Load an uploaded weights file as the edited copy; a bad file is refused and nothing changes. What
    happened is said beside the uploader (UPLOAD_MESSAGE), where the visitor is looking."""
    file = st.session_state.get(UPLOAD)
    if file is None:
        return
    shown = f"“{safe(file.name, 60)}”"  # the visitor chose the name: never let it be Markdown
    log = state.tuning(name).log
    parsed = parsed_upload(file)
    net = parsed.net

    def refuse(why):
        say("error", f"{shown} was not loaded: {why}", where=UPLOAD_MESSAGE)

    if net is None:
        return refuse(f"{safe(sentence(parsed.error), 300)} Your current model is unchanged.")
    if net.sizes != log.trained.sizes:
        return refuse(f"this page edits {log.trained.sizes} networks, the file holds {net.sizes}. "
                      "Your current model is unchanged.")
    if net.activation != log.trained.activation or net.output != log.trained.output:
        return refuse(f"it is a {net.activation} network and you are tuning the {log.trained.activation} model. "
                      "Switch the model in the sidebar first.")
    diff = {}
    for l in range(1, len(net.weights) + 1):
        for param in ("W", "b"):
            arr = net.array(l, param)
            diff[(l, param)] = (np.arange(arr.size), arr.ravel())
    edit = log.load_diff(diff, f"loaded from {clean(file.name, 60)}")
    say("success" if edit else "info", f"Loaded {shown}." if edit else f"{shown} is the model you already have.",
        where=UPLOAD_MESSAGE)
