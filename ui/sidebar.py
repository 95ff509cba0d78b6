"""What every page draws first: its config, the sidebar (pages, model), and one notice when MNIST is missing."""
from __future__ import annotations

import streamlit as st

from . import blas, components, data, state
from .registry import PAGES

_PRESENT_TOGGLE = "sidebar_present"
_PRESENT_EXIT = "presenter_exit"
# The presenter view: type big enough for the back of a room, and no Streamlit chrome in the way, but the
# control that opens the sidebar stays (pages, model), and a small exit stays in the top right corner.
_PRESENTER_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-top: 2rem; }
[data-testid="stHeader"] { background: transparent; pointer-events: none; }
[data-testid="stHeader"] [data-testid="stExpandSidebarButton"] { pointer-events: auto; }
[data-testid="stToolbarActions"], [data-testid="stMainMenu"], [data-testid="stDecoration"] { display: none; }
.st-key-presenter_exit { position: fixed; top: 0.5rem; right: 0.75rem; z-index: 999991; width: auto; }
.st-key-presenter_exit button { font-size: 0.7rem; min-height: 0; padding: 0.15rem 0.6rem; opacity: 0.75; }
</style>"""


def page_config(title: str, icon: str = "🧠"):
    _one_blas_thread()
    presenting = state.presenting()
    st.set_page_config(page_title=f"{title} · Vanilla net", page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")
    if presenting:
        st.html(_PRESENTER_CSS)
        st.query_params["present"] = "1"  # a reload, or a copied address, keeps the presenter view
        with st.container(key=_PRESENT_EXIT):  # every page, drawn first: even a page that stops early has it
            st.button("Exit presenter view", icon=":material/close_fullscreen:", on_click=_leave_presenting,
                      key="presenter_exit_button", help="Back to the normal view (the sidebar, every control)")


def sidebar(uses_model: bool = True, uses_edits: bool = True) -> str:
    """Draw the shared sidebar; return the chosen model's name ('sigmoid' or 'relu').

    ``uses_model``: the page works on one model, so the sidebar offers the choice. ``uses_edits``: the page
    can use this session's hand-edited copy, so where there is one the sidebar offers a switch (read the
    result with ``state.network``)."""
    state.init_defaults(state.DEFAULTS)
    with st.sidebar:
        st.markdown("### :material/neurology: The vanilla network")
        for page in PAGES:
            st.page_link(page.path, label=page.label, icon=page.icon)
        st.divider()
        name = state.model_name()
        if uses_model:
            name = st.radio("Model", list(data.MODEL_LABELS), format_func=data.MODEL_LABELS.get, key=state.MODEL,
                            horizontal=True, bind="query-params",
                            help="Both are 784-16-16-10 networks trained on MNIST; they differ in the hidden "
                                 "layers' activation function.")
            if uses_edits and state.edited_copy(name) is not None:
                st.toggle("Use my hand-edited copy", key=state.USE_EDITS,
                          help="You have edited this model on the Hand-tune page.")
            acc = state.accuracy(name) if uses_edits else data.test_accuracy(name)
            which = "your edited copy" if uses_edits and state.using_edits(name) else "trained"
            measured = "test accuracy" if data.test_set() is not None else "test accuracy when trained"
            st.caption(f"**{data.MODEL_LABELS[name]}** hidden layers · {which} · {measured} **{acc:.2%}**"
                       if acc is not None else f"**{data.MODEL_LABELS[name]}** hidden layers · {which}")
        st.session_state[_PRESENT_TOGGLE] = state.presenting()
        st.toggle("Presenter view", key=_PRESENT_TOGGLE, on_change=_toggle_presenting,
                  help="Larger type and fewer controls, for projecting in a workshop (or add ?present=1 to the address).")
        _close_sidebar_on_phone_navigation()
    notice = data.mnist_notice()
    if notice:
        st.warning(notice, icon=":material/dataset:")
    return name


def _leave_presenting():
    st.session_state[state.PRESENTING] = False
    st.query_params["present"] = "0"


def _close_sidebar_on_phone_navigation():
    components.script("sidebar_nav", "sidebar_nav.js", data={}, key="sidebar_nav")


def _toggle_presenting():
    on = st.session_state[_PRESENT_TOGGLE]
    st.session_state[state.PRESENTING] = on
    st.query_params["present"] = "1" if on else "0"


@st.cache_resource(show_spinner=False)
def _one_blas_thread() -> bool:
    return blas.single_thread()  # once per server process
