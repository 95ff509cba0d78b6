"""Each visitor's own edited copies of the trained models, kept in their session.

The trained networks are shared by every session and read-only (ui.data); an ``EditLog`` copies the
arrays (13,002 numbers, ~52 kB) and a ``Scorer`` keeps the first layer's weighted sums over the test set
(~3.5 MB), both per session and per model, created only when that model is first tuned.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from src.edits import EditLog
from src.scoring import Scorer

from . import data


@dataclass
class Tuning:
    log: EditLog
    scorer: Scorer | None  # None when the MNIST test set is not available


def tuning(name: str) -> Tuning:
    """This session's editable copy of model ``name`` with its scorer."""
    key = f"tuning_{name}"
    if key not in st.session_state:
        log = EditLog(data.shipped(name), name)
        tests = data.test_set()
        scorer = Scorer(log.net, tests.x, tests.labels) if tests is not None else None
        if scorer is not None:
            log.listeners.append(scorer.on_edit)
        st.session_state[key] = Tuning(log, scorer)
    return st.session_state[key]


def edited_copy(name: str):
    """The session's edited network for ``name`` if it has edits, else None."""
    t = st.session_state.get(f"tuning_{name}")
    return t.log.net if t is not None and t.log.edited else None


def network(name: str):
    """The network a page should use: the session's edited copy when the sidebar switch says so."""
    edited = edited_copy(name)
    if edited is not None and st.session_state.get("use_edits", True):
        return edited
    return data.shipped(name)
