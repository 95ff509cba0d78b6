"""The end of Hand-tune (not in the presenter view): the record of edits, and keeping and sharing them."""
from __future__ import annotations

import streamlit as st

from . import actions, charts, link
from .keys import UPLOAD, UPLOAD_MESSAGE, layer_name, message, plural


def your_edits(here):
    """The edits made, newest last, and the neurons that differ from the trained model, each with Restore."""
    log = here.log
    changed = log.changed_neurons()
    st.subheader("Your edits")
    h1, h2 = st.columns(2, gap="large")
    with h1:
        if log.done:
            first = max(1, len(log.done) - 14)
            st.text("\n".join(f"{i}. {e.label}" for i, e in enumerate(log.done[-15:], start=first)))
        else:
            st.caption("No edits yet.")
    with h2, st.container(key="tune_changed"):
        if changed:
            n_params = sum(len(v[0]) for v in log.diff().values())
            st.markdown(f"**Against the trained model**: {plural(n_params, 'parameter')} "
                        f"{'differs' if n_params == 1 else 'differ'}, "
                        f"in {plural(len(changed), 'neuron')}.")
            for l_, j in changed[:charts.CHANGED_LISTED]:
                cols = st.columns([3, 1], vertical_alignment="center")
                cols[0].markdown(f"{layer_name(l_, here.n_layers)}, neuron {j}")
                cols[1].button("Restore", key=f"tune_revert_{l_}_{j}", on_click=actions.revert,
                               args=(here.model_name, l_, j))
            note = charts.changed_neurons_note(changed)
            if note:
                st.caption(note)
        else:
            st.caption("Identical to the trained model.")


def keep_and_share(here):
    """Download the edited model, load a weights file (its outcome said right here), and the share link."""
    name, log = here.model_name, here.log
    st.subheader("Keep and share")
    k1, k2, k3 = st.columns(3, gap="large")
    with k1:
        st.download_button("Download this model (.npz)", link.model_file(name),
                           file_name=f"{name}-edited.npz", mime="application/octet-stream",
                           icon=":material/download:", key="tune_download")
    with k2, st.container(key="tune_upload_box"):
        st.file_uploader("Load a weights file", type=["npz"], key=UPLOAD, on_change=actions.upload,
                         max_upload_size=20, args=(name,), help="An .npz in this app's format (see README).")
        kind, text = message(UPLOAD_MESSAGE)
        if kind:
            getattr(st, kind)(text)
    with k3, st.container(key="tune_share"):
        url, length, _ = link.share_link(name, here.layer, here.neuron) if log.edited else (None, 0, None)
        if not log.edited:
            st.caption("Make an edit to get a share link. The address bar keeps your edits too: "
                       "a reload of this tab opens them again.")
        elif url:
            st.markdown("**Share link** (opens this exact network, with its history of edits; the address bar "
                        "holds it too, so a reload keeps your edits):")
            st.code(url, language=None, wrap_lines=True)
        else:
            st.warning(f"These edits need a {length:,}-character link, too long for an address: a reload of "
                       "this tab would lose them (your browser asks first). **Download the model** to keep them, "
                       "and share the file.")
