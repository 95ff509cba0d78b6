"""The sidebar every page draws: the pages with labels and icons, and the model in use."""
from __future__ import annotations

import streamlit as st

from . import data, session

PAGES = [
    ("app.py", "Home", ":material/home:"),
    ("pages/1_draw.py", "Draw & classify", ":material/draw:"),
    ("pages/2_hand_tune.py", "Hand-tune", ":material/tune:"),
    ("pages/3_sigmoid_vs_relu.py", "Sigmoid vs ReLU", ":material/compare:"),
    ("pages/4_parameters.py", "Parameters", ":material/grid_on:"),
]


def page_config(title: str, icon: str = "🧠"):
    st.set_page_config(page_title=f"{title} · Vanilla net", page_icon=icon, layout="wide")


def sidebar(edited_choice: bool = True) -> str:
    """Draw the shared sidebar; return the chosen model's name ('sigmoid' or 'relu').

    Where this session has hand-edited the chosen model, ``edited_choice`` offers a switch to use the
    edited copy (read it with ``ui.session.network``)."""
    with st.sidebar:
        st.markdown("### :material/neurology: The vanilla network")
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.divider()
        name = st.radio("Model", list(data.MODEL_LABELS), format_func=data.MODEL_LABELS.get, key="model",
                        horizontal=True, bind="query-params",
                        help="Both are 784-16-16-10 networks trained on MNIST; they differ in the hidden "
                             "layers' activation function.")
        edited = session.edited_copy(name)
        if edited_choice and edited is not None:
            st.toggle("Use my hand-edited copy", value=True, key="use_edits",
                      help="You have edited this model on the Hand-tune page.")
        acc = data.test_accuracy(name)
        st.caption(f"**{data.MODEL_LABELS[name]}** hidden layers · test accuracy "
                   f"**{acc:.2%}**" if acc is not None else f"**{data.MODEL_LABELS[name]}** hidden layers")
    return name
