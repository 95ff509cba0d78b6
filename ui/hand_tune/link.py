"""Hand-tune's edits outside the session: the share link, the address bar that keeps them over a reload,
and the downloaded file.

The address holds the history, step by step (``src.edits.encode_link``), so Undo after a reload takes back one
step, not everything. A link is made once per state of the edits (cached by the edit log's revision): a network
with every parameter edited needs a link far too long for an address, found out once, not on every rerun.
"""
from __future__ import annotations

import streamlit as st

from src.infra import weights_file
from src.edits import MAX_LINK_CHARS, LinkError, decode_steps, encode_link, merge_diffs

from .. import components, data, state
from ..text import safe, sentence
from .keys import LAYER, LINK_CACHE, LINK_DONE, LINK_MODEL, NEURON, plural, say

LINK_CACHE_KEPT = 8    # link codes remembered per session
_QUERY_ROOM = 80       # characters of the address besides the code: page, model, layer, neuron


def load_shared_link():
    """Apply ``?edits=…`` from the URL once per session, before the sidebar is drawn: the link's model
    becomes the sidebar's choice and, unless the link names one, the first edited neuron is shown.

    The model is the one the edits were made on (their fingerprint), whatever ``model=`` says; in a fresh
    session the link's steps become the history (Undo takes back the last). A damaged, forged or oversized
    link leaves the trained model, with a message that says so."""
    pending = st.session_state.pop(LINK_MODEL, None)
    if pending is not None:  # the run after a link whose model= disagreed: now the sidebar's choice can follow
        state.set_model(pending)
    code = st.query_params.get("edits")
    if not code or st.session_state.get(LINK_DONE) == code:
        return
    st.session_state[LINK_DONE] = code
    trained = {name: data.shipped(name) for name in data.MODEL_LABELS}
    try:
        name, steps = decode_steps(code, trained)
    except Exception as e:  # noqa: BLE001 - LinkError says why; anything else is refused the same way
        why = str(e) if isinstance(e, LinkError) else "it is damaged"
        say("error", f"This share link could not be used: {safe(sentence(why), 300)} "
                     "You are looking at the trained model.")
        return
    label = data.MODEL_LABELS[name]
    asked = st.query_params.get("model")
    state.set_model(name)
    if asked and asked != label:
        # The sidebar's choice is bound to model=, which wins over the session when the page is first drawn;
        # the next run sets the choice (see follow_link_model).
        st.session_state[LINK_MODEL] = name
    log = state.tuning(name).log
    if log.done:  # this session has edits already: the link's network becomes one more step
        edits = [log.load_diff(merge_diffs(steps), "opened from a link")]
    else:
        edits = log.load_steps(steps)
    if LAYER not in st.query_params:
        first = log.changed_neurons()[:1]
        if first:
            st.session_state[LAYER], st.session_state[NEURON] = first[0]
    n = sum(len(idx) for idx, _, _ in log.diff().values())
    mismatch = (f" (the address said {safe(asked, 20)}, but these edits were made on the {label} model)"
                if asked and asked != label else "")
    steps_note = f" in {plural(len(edits), 'step')}" if len(edits) > 1 else ""
    say("success", f"Opened a {label} network with {plural(n, 'changed parameter')}{steps_note}"
                   + ("" if any(edits) else " (already loaded)") + mismatch + ".")


def follow_link_model(model_name):
    """After the sidebar: when a link's edits belong to another model than the one drawn (its model= said
    so), run the page again with the edits' model chosen."""
    pending = st.session_state.get(LINK_MODEL)
    if pending is not None and pending != model_name:
        st.rerun()
    st.session_state.pop(LINK_MODEL, None)


def focus(log, layer, neuron):
    """The neuron a share link should open on: the one shown, if it was edited, else the last edited."""
    changed = log.changed_neurons()
    if (layer, neuron) in changed or not changed:
        return layer, neuron
    for edit in reversed(log.done):
        for c in edit.changes:
            n_in = log.net.weight(c.layer).shape[1]
            j = int(c.indices[0]) if c.param == "b" else int(c.indices[0]) // n_in
            if (c.layer, j) in changed:
                return c.layer, j
    return changed[0]


def link_code(name, room=MAX_LINK_CHARS - _QUERY_ROOM):
    """(code, history): this model's edits as the longest history that fits in ``room`` characters (the
    oldest steps merged into one when the whole history does not fit), or (None, length of the shortest
    code) when even the plain diff does not. Made once per state of the edits (the log's revision)."""
    log = state.tuning(name).log
    cache = st.session_state.setdefault(LINK_CACHE, {})
    key = (name, log.revision, room)
    if key not in cache:
        cache[key] = _fit(log, room)
        while len(cache) > LINK_CACHE_KEPT:
            cache.pop(next(iter(cache)))
    return cache[key]


def _fit(log, room):
    """The shortest code first (the diff alone): when even it is too long, nothing else is tried."""
    n = len(log.done)
    shortest = encode_link(log)
    if len(shortest) > room:
        return None, len(shortest)
    if n <= 1:
        return shortest, True
    whole = encode_link(log, merged=0)
    if len(whole) <= room:
        return whole, True
    lo, hi = 1, n  # merging the first hi steps fits; find the fewest that do
    best = shortest
    while lo < hi:
        mid = (lo + hi) // 2
        code = encode_link(log, merged=mid)
        if len(code) <= room:
            hi, best = mid, code
        else:
            lo = mid + 1
    return best, True


def share_link(name, layer, neuron):
    """(URL that reproduces this session's edited copy with its history, opened on the edited neuron, or
    None when it is longer than a link may be; its length; the code)."""
    log = state.tuning(name).log
    l, j = focus(log, layer, neuron)
    base = str(st.context.url or "").split("?")[0] or "/hand_tune"
    head = f"{base}?model={data.MODEL_LABELS[name]}&layer={l}&neuron={j}&edits="
    code, fits = link_code(name, MAX_LINK_CHARS - len(head))
    if code is None:
        return None, len(head) + fits, None
    return head + code, len(head) + len(code), code


def keep_in_address(name, layer, neuron) -> str | None:
    """Write this model's edits into the address bar (``?edits=``), so a reload of the tab keeps them.

    Returns None when the address holds every edit of this session, else why a reload would lose some
    (too long for a link, or edits of the other model, which the address cannot hold at the same time);
    the page then says so and the tab asks before it unloads."""
    log = state.tuning(name).log
    code = None
    too_long = False
    if log.edited:
        url, _, code = share_link(name, layer, neuron)
        too_long = url is None
    if code is None or too_long:
        if "edits" in st.query_params:
            del st.query_params["edits"]
        st.session_state[LINK_DONE] = None
    else:
        if st.query_params.get("edits") != code:
            st.query_params["edits"] = code
        st.session_state[LINK_DONE] = code  # our own code: not to be applied again on the next run
    others = [data.MODEL_LABELS[n] for n in data.MODEL_LABELS if n != name and state.edited_copy(n) is not None]
    if too_long:
        return "These edits are too many for the address bar: a reload of this tab would lose them."
    if others:
        return (f"Your edits of the {others[0]} model are not in the address bar (it holds one model's edits): "
                f"a reload of this tab would lose them.")
    return None


def model_file(name) -> bytes:
    t = state.tuning(name)
    net = t.log.net.copy()
    net.meta = {**t.log.trained.meta, "edited": True, "edits": [e.label for e in t.log.done][-200:],
                "test_accuracy": t.scorer.accuracy if t.scorer else None}
    return weights_file.to_bytes(net)


def unload_guard(warn: bool):
    """Mount a small script in the page (not an iframe) that asks before the tab is closed or reloaded while
    ``warn`` (edits the address cannot hold)."""
    components.script("hand_tune_page_script", "hand_tune/unload_guard.js", data={"warn": bool(warn)},
                      key="tune_page_script")
