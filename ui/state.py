"""Session state that crosses pages, behind named accessors, so no page reads another page's bare keys.

Each page's own keys live in that page's ui module, as named constants with defaults. What several pages
share lives here: the model in use, this session's edited copies, the last drawing, the presenter view.

The trained networks are shared by every session and read-only (ui.data); a ``Tuning`` copies the arrays
(13,002 numbers, ~52 kB) and its ``Scorer`` keeps every layer's weighted sums over the test set (~3.5 MB),
both per session and per model, made only when that model is first tuned.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import streamlit as st

from src.edits import EditLog
from src.network import SIDE
from src.scoring import Scorer

from . import data

# --- keys shared between pages, with their defaults ------------------------------------------------------
MODEL = "model"              # 'sigmoid' or 'relu', chosen in the sidebar, kept in the URL (?model=ReLU)
USE_EDITS = "use_edits"      # whether pages use this session's edited copy of the model
LAST_DRAWING = "last_drawing"  # the last readable drawing, 28x28 float32, for other pages to test on
PRESENTING = "presenting"    # presenter view (?present=1): larger type, secondary controls hidden
_TUNING = "tuning_{}"        # this session's Tuning of each model

DEFAULTS = {MODEL: "sigmoid", USE_EDITS: True, PRESENTING: False}


def init_defaults(defaults: dict):
    """Give every key of ``defaults`` its default value unless the session already has one. A mutable
    default (a dict, list or set) is copied: each session gets its own, never one shared by every visitor."""
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = copy.copy(value) if isinstance(value, (dict, list, set)) else value


def model_name() -> str:
    name = st.session_state.get(MODEL, DEFAULTS[MODEL])
    return name if name in data.MODEL_LABELS else DEFAULTS[MODEL]


def set_model(name: str):
    """Choose the model before the sidebar is drawn (a share link for the other model, say)."""
    if name in data.MODEL_LABELS:
        st.session_state[MODEL] = name


@dataclass
class Tuning:
    log: EditLog
    scorer: Scorer | None  # None when the MNIST test set is not available


def tuning(name: str) -> Tuning:
    """This session's editable copy of model ``name`` with its scorer over the test set."""
    key = _TUNING.format(name)
    if key not in st.session_state:
        log = EditLog(data.shipped(name), name)
        tests = data.test_set()
        scorer = Scorer(log.net, tests.x, tests.labels) if tests is not None else None
        if scorer is not None:
            log.listeners.append(scorer.on_edit)
        st.session_state[key] = Tuning(log, scorer)
    return st.session_state[key]


def has_tuning(name: str) -> bool:
    return _TUNING.format(name) in st.session_state


def edited_copy(name: str):
    """The session's edited network for ``name`` if it has edits, else None."""
    t = st.session_state.get(_TUNING.format(name))
    return t.log.net if t is not None and t.log.edited else None


def using_edits(name: str) -> bool:
    """Whether pages should use the edited copy of ``name``: it exists and the sidebar switch is on."""
    return edited_copy(name) is not None and bool(st.session_state.get(USE_EDITS, DEFAULTS[USE_EDITS]))


def network(name: str):
    """The network a page should use: the session's edited copy when the sidebar switch says so."""
    return edited_copy(name) if using_edits(name) else data.shipped(name)


def accuracy(name: str) -> float | None:
    """Test accuracy of the network pages use for ``name`` (the edited copy's when it is in use)."""
    if using_edits(name):
        scorer = tuning(name).scorer
        return scorer.accuracy if scorer is not None else None
    return data.test_accuracy(name)


def last_drawing():
    """The visitor's last readable drawing as the network reads it, (28, 28) float32, or None."""
    return st.session_state.get(LAST_DRAWING)


def set_last_drawing(x):
    st.session_state[LAST_DRAWING] = np.asarray(x, dtype=np.float32).reshape(SIDE, SIDE)


def presenting() -> bool:
    """Presenter view: on with ?present=1 (kept for the session, so page links keep it), off with ?present=0."""
    asked = st.query_params.get("present")
    if asked in ("1", "0"):
        st.session_state[PRESENTING] = asked == "1"
    return bool(st.session_state.get(PRESENTING, DEFAULTS[PRESENTING]))
